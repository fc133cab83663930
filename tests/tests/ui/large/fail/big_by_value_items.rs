//! Every item of a large network that keeps the network or its gradients on the stack warns,
//! each naming its heap alternative.
#![deny(deprecated)]
use network::prelude::*;

network! { pub struct Big < dense(784 -> 512, relu), dense(512 -> 10, softmax) > }

pub fn uses(net: &mut Big, x: &[f32; 784], y: &[f32; 10], xs: &[[f32; 784]], ys: &[[f32; 10]]) {
    let _ = Big::<f32>::zeroed();
    let _ = net.backprop(x, y, &CrossEntropy);
    let _ = BigGradients::<f32>::zeroed();
    net.train_step(x, y, &CrossEntropy, &mut Sgd::new(0.1));
    let _ = net.train_batch(xs, ys, &CrossEntropy, &mut Sgd::new(0.1));
    let _ = Big::<f32>::load("big.model");
    let _ = net.freeze();
}

fn main() {}
