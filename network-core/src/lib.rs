//! Runtime of the [`network`](https://docs.rs/network) crate.
//!
//! The `network!` macro generates a struct per network; everything numeric that struct does is
//! implemented here, once, generic over [`Float`] (`f32` or `f64`) and over array lengths that
//! are known at compile time. Generated code is glue that calls these kernels layer by layer.
//!
//! This crate is `#![no_std]` and never allocates: every buffer is a fixed-size array on the
//! caller's stack or inside the network itself. The one exception is [`fit`]
//! (feature `alloc`, on with `std`), whose history and shuffled sample order grow with the
//! data; its training step allocates nothing either.

#![no_std]
#![deny(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

// `num_traits::Float` (exp, tanh, ln...) needs a math library: std's, or libm without std.
#[cfg(not(any(feature = "std", feature = "libm")))]
compile_error!(
    "network needs a math library: keep the default `std` feature, or on a no_std target \
     enable `libm`, e.g. `network = { version = \"0.1\", default-features = false, \
     features = [\"libm\"] }`"
);

pub mod activation;
#[cfg(feature = "std")]
pub mod data;
pub mod dense;
pub mod display;
mod erf;
pub mod error;
pub mod fast;
pub mod float;
pub mod gradcheck;
pub mod heap;
pub mod init;
pub mod io;
pub mod kernels;
pub mod loss;
pub mod metrics;
pub mod network;
pub mod optim;
pub mod params;
#[cfg(all(feature = "std", target_arch = "x86_64"))]
pub mod simd;
mod slice;
pub mod summary;
#[cfg(feature = "alloc")]
pub mod train;

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

pub use activation::{
    Activation, Elementwise, Elu, Gelu, GeluTanh, Identity, LeakyRelu, Relu, Sigmoid, Silu,
    Softmax, Softplus, Tanh,
};
pub use dense::{Dense, DenseGradients, LayerTrace};
pub use display::fmt_gradients;
pub use error::Error;
pub use float::{Float, Vector};
pub use gradcheck::{GradCheck, grad_check};
pub use heap::{HeapTraining, ZeroBits};
pub use init::{Init, Rng};
pub use io::model::{self, ModelError, ModelFile};
#[cfg(feature = "safetensors")]
pub use io::safetensors;
#[cfg(feature = "serde")]
pub use io::serde_impls;
pub use loss::{BinaryCrossEntropy, CrossEntropy, Huber, Loss, Mae, Mse, PredictionLoss};
pub use metrics::{
    ConfusionMatrix, accuracy, argmax, class_of, confusion_matrix, mean_loss, predict_class,
};
#[cfg(feature = "parallel")]
pub use network::ParallelScratch;
pub use network::{LayerInfo, Network};
pub use optim::{
    Adam, AdamW, ClipNorm, Constant, Cosine, LearningRate, Momentum, NoMomentum, Optimizer,
    Schedule, Scheduled, Sgd, StepDecay, clip_grad_norm,
};
pub use params::Parameters;
pub use slice::ForwardSlice;
pub use summary::Summary;
#[cfg(feature = "std")]
pub use train::progress;
#[cfg(feature = "alloc")]
pub use train::{Control, Diverged, EpochReport, FitConfig, History, StopReason, fit};

/// How many samples the batched paths of generated networks process at once: their per-layer
/// buffers hold this many rows (on the stack), and a mini-batch of at most this size gets the
/// SGD update fused into its weight-gradient product.
pub const BATCH_CHUNK: usize = 32;

/// How many parts [`Network::train_batch_parallel`] cuts a mini-batch into, whatever the
/// number of threads, so that the sum of the parts' gradients, and so the result, has the
/// same bits on any machine.
#[cfg(feature = "parallel")]
pub const PARALLEL_PARTS: usize = 4;
