use network::prelude::*;

network! {
    struct Xor < dense(2 -> 8, tanh), dense(8 -> 1, sigmoid) >
}

fn main() {
    let net: Xor = Xor::seeded(1);
    let _ = net.forward(&[0.0, 1.0, 2.0]);
}
