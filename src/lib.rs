#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "std")]
extern crate std;

pub use network_core::BATCH_CHUNK;
pub use network_core::{
    Activation, BinaryCrossEntropy, CrossEntropy, Dense, DenseGradients, Elementwise, Error, Float,
    Init, LayerInfo, LayerTrace, Loss, Mse, Network, Optimizer, Parameters, PredictionLoss, Rng,
    Sgd, Vector,
};
pub use network_core::{activation, dense, fast, init, kernels, loss, optim};
pub use network_macros::network;

/// Everything a user of the macro needs: `use network::prelude::*;`.
pub mod prelude {
    pub use network_core::activation::{Identity, LeakyRelu, Relu, Sigmoid, Softmax, Tanh};
    pub use network_core::{
        Activation, BinaryCrossEntropy, CrossEntropy, Error, Float, Loss, Mse, Network, Optimizer,
        Parameters, Sgd,
    };
    pub use network_macros::network;
}
