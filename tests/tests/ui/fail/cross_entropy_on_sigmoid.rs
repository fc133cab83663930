// `CrossEntropy` needs a `softmax` last layer (or `identity` logits); on a sigmoid output it is a
// type error that names the loss, the activation and what would fit.
use network::prelude::*;

network! {
    struct Net < dense(2 -> 4, relu), dense(4 -> 3, sigmoid) >
}

fn main() {
    let mut net: Net = Net::seeded(0);
    net.train_step(&[0.0, 1.0], &[0.0, 1.0, 0.0], &CrossEntropy, &mut Sgd::new(0.1));
}
