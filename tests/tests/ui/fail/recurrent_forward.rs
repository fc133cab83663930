use network::prelude::*;

network! {
    struct Amp < gru(1 -> 16), dense(16 -> 1, identity) >
}

fn main() {
    let net: Amp = Amp::seeded(1);
    let _ = net.forward(&[0.5]);
}
