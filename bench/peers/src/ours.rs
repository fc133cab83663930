//! The workloads in `network`: three networks declared with the macro, trained with the
//! library's own `train_step` (per-sample SGD) and `train_batch` (mean gradient of a batch).

use crate::common::{Net, Trainer};
use network::prelude::*;

network! {
    /// W1: xor.
    pub struct Xor < dense(2 -> 8, tanh), dense(8 -> 1, sigmoid) >
    /// W2: iris.
    pub struct Iris < dense(4 -> 32, relu), dense(32 -> 32, relu), dense(32 -> 3, softmax) >
    /// W3, W4: mnist.
    pub struct Mnist < dense(784 -> 128, relu), dense(128 -> 10, softmax) >
}

/// One network and its optimizer. Boxed so the 400 KB mnist network lives on the heap.
struct Ours<N> {
    net: Box<N>,
    sgd: Sgd<f32>,
}

macro_rules! trainer {
    ($ty:ident, $inputs:literal, $outputs:literal, $loss:expr) => {
        impl Trainer for Ours<$ty> {
            fn step(&mut self, x: &[f32], y: &[f32]) -> f32 {
                let x: &[f32; $inputs] = x.try_into().expect("input width");
                let y: &[f32; $outputs] = y.try_into().expect("output width");
                self.net.train_step(x, y, &$loss, &mut self.sgd)
            }

            fn step_batch(&mut self, x: &[f32], y: &[f32], _b: usize) -> f32 {
                // Flat rows reinterpreted as arrays, no copy.
                let (xs, _) = x.as_chunks::<$inputs>();
                let (ys, _) = y.as_chunks::<$outputs>();
                self.net.train_batch(xs, ys, &$loss, &mut self.sgd).expect("well-formed batch")
            }

            fn forward(&mut self, x: &[f32], out: &mut [f32]) {
                let x: &[f32; $inputs] = x.try_into().expect("input width");
                out.copy_from_slice(&self.net.forward(x));
            }

            fn params(&self) -> Vec<f32> {
                let mut v = vec![0.0; <$ty>::PARAMS];
                self.net.write_params(&mut v).expect("PARAMS long");
                v
            }
        }
    };
}

trainer!(Xor, 2, 1, Mse);
trainer!(Iris, 4, 3, CrossEntropy);
trainer!(Mnist, 784, 10, CrossEntropy);

fn boxed<N: Network<f32>>(params: &[f32]) -> Box<N> {
    let mut net = Box::new(N::zeroed());
    net.read_params(params).expect("PyTorch-layout parameters of the right length");
    net
}

/// The `network` implementation of workload network `net`, from flat PyTorch-layout `params`.
pub fn make(net: Net, params: &[f32]) -> Box<dyn Trainer> {
    let sgd = Sgd::new(net.lr());
    match net {
        Net::Xor => Box::new(Ours { net: boxed::<Xor>(params), sgd }),
        Net::Iris => Box::new(Ours { net: boxed::<Iris>(params), sgd }),
        Net::Mnist => Box::new(Ours { net: boxed::<Mnist>(params), sgd }),
    }
}
