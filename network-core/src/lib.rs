//! Runtime of the [`network`](https://docs.rs/network) crate.
//!
//! The `network!` macro generates a struct per network; everything numeric that struct does is
//! implemented here, once, generic over [`Float`] (`f32` or `f64`) and over array lengths that
//! are known at compile time. Generated code is glue that calls these kernels layer by layer.
//!
//! This crate is `#![no_std]` and never allocates: every buffer is a fixed-size array on the
//! caller's stack or inside the network itself.

#![no_std]
#![deny(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "std")]
extern crate std;

pub mod activation;
pub mod dense;
pub mod error;
pub mod fast;
pub mod float;
pub mod init;
pub mod kernels;
pub mod loss;
pub mod network;
pub mod optim;
pub mod params;
#[cfg(all(feature = "std", target_arch = "x86_64"))]
pub mod simd;

pub use activation::{Activation, Elementwise, Identity, LeakyRelu, Relu, Sigmoid, Softmax, Tanh};
pub use dense::{Dense, DenseGradients, LayerTrace};
pub use error::Error;
pub use float::{Float, Vector};
pub use init::{Init, Rng};
pub use loss::{BinaryCrossEntropy, CrossEntropy, Loss, Mse, PredictionLoss};
pub use network::{LayerInfo, Network};
pub use optim::{Optimizer, Sgd};
pub use params::Parameters;

/// How many samples the batched paths of generated networks process at once: their per-layer
/// buffers hold this many rows (on the stack), and a mini-batch of at most this size gets the
/// SGD update fused into its weight-gradient product.
pub const BATCH_CHUNK: usize = 32;
