//! A small network's by-value items compile without any warning, in a crate that forbids
//! `unsafe` (the expansion's `ZeroBits` impls come from `network`'s own macro).
#![deny(warnings)]
#![forbid(unsafe_code)]
use network::prelude::*;

network! {
    // 784 -> 128 -> 10: 101 770 parameters, 795 KiB in f64, under the 1 MiB threshold.
    struct Mnist < dense(784 -> 128, relu), dense(128 -> 10, softmax) >
}

fn main() {
    let mut net: Mnist<f64> = Mnist::seeded(1);
    let zero = Mnist::<f64>::zeroed();
    let (x, y) = ([0.5; 784], [0.1; 10]);
    let (_, grads) = net.backprop(&x, &y, &CrossEntropy);
    let mut sum = MnistGradients::<f64>::zeroed();
    sum += &grads;
    net.train_step(&x, &y, &CrossEntropy, &mut Sgd::new(0.1));
    net.train_batch(&[x], &[y], &CrossEntropy, &mut Sgd::new(0.1)).unwrap();
    assert_ne!(net.forward(&x), zero.forward(&x));
}
