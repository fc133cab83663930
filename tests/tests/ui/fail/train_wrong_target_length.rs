use network::prelude::*;

network! {
    struct Xor < dense(2 -> 8, tanh), dense(8 -> 1, sigmoid) >
}

fn main() {
    let mut net: Xor = Xor::seeded(1);
    net.train_step(&[0.0, 1.0], &[1.0, 0.0], &Mse, &mut Sgd::new(0.1));
}
