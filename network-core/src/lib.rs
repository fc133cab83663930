//! Runtime of the [`network`](https://docs.rs/network) crate.
//!
//! The `network!` macro generates a struct per network; everything numeric that struct does is
//! implemented here, once, generic over [`Float`] (`f32` or `f64`) and over array lengths that
//! are known at compile time. Generated code is glue that calls these kernels layer by layer.
//!
//! This crate is `#![no_std]` and never allocates: every buffer is a fixed-size array on the
//! caller's stack or inside the network itself.

#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "std")]
extern crate std;

pub mod activation;
pub mod dense;
pub mod error;
pub mod float;
pub mod init;
pub mod loss;
pub mod model;
pub mod network;
pub mod optim;
pub mod params;
#[cfg(feature = "safetensors")]
pub mod safetensors;
#[cfg(feature = "serde")]
pub mod serde_impls;

/// Without the `serde` feature, what `network!` emits for serde is nothing.
#[cfg(not(feature = "serde"))]
#[macro_export]
#[doc(hidden)]
macro_rules! __serde_impls {
    ($($t:tt)*) => {};
}

/// Items the `network!` expansion refers to; not part of the API.
#[doc(hidden)]
pub mod __private {
    #[cfg(feature = "serde")]
    pub use serde;
}

pub use activation::{Activation, Elementwise, Identity, LeakyRelu, Relu, Sigmoid, Softmax, Tanh};
pub use dense::{Dense, DenseGradients, LayerTrace};
pub use error::Error;
pub use float::{Float, Vector};
pub use init::{Init, Rng};
pub use loss::{BinaryCrossEntropy, CrossEntropy, Loss, Mse, PredictionLoss};
pub use model::{ModelError, ModelFile};
pub use network::{LayerInfo, Network};
pub use optim::{Optimizer, Sgd};
pub use params::Parameters;
