//! Runtime of the [`network`](https://docs.rs/network) crate.
//!
//! The `network!` macro generates a struct per network; everything numeric that struct does is
//! implemented here, once, generic over [`Float`] (`f32` or `f64`) and over array lengths that
//! are known at compile time. Generated code is glue that calls each layer's [`Layer`] methods
//! in order.
//!
//! The folders build on each other from the bottom up: [`scalar`] (the [`Float`] trait),
//! `kernels` (the matrix products, portable and SIMD; an implementation detail), [`layers`]
//! (the [`Layer`] trait, [`Dense`], activations, initialisation), [`network`] (the [`Network`],
//! [`Parameters`] and [`Optimizer`] traits), then [`optim`], [`train`] and [`inspect`].
//! `docs/architecture.md` in the repository draws how a `network!` declaration reaches them.
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

// The folders, from the bottom up; each uses only those above it (and `error`, `loss`):
// scalar → kernels → layers → network → optim, train, inspect, heap; `io` (model files and
// the formats) and `data` use `network`.
#[cfg(feature = "std")]
pub mod data;
pub mod error;
pub mod heap;
pub mod inspect;
pub mod io;
#[doc(hidden)]
pub mod kernels;
pub mod layers;
pub mod loss;
pub mod network;
pub mod optim;
pub mod quant;
pub mod scalar;
mod slice;
pub mod train;

// The module paths of earlier versions, kept so that user code keeps compiling.
pub use inspect::{display, metrics, summary};
pub use kernels::dispatch::{Simd, with_simd};
#[doc(hidden)]
#[cfg(all(feature = "std", target_arch = "x86_64"))]
pub use kernels::simd;
pub use layers::{activation, dense, init};
pub use network::params;
#[doc(hidden)]
pub use scalar as float;
#[doc(hidden)]
pub use scalar::fast;
pub use train::gradcheck;

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
pub use dense::{Dense, DenseGradients, FrozenDense, LayerTrace};
pub use display::fmt_gradients;
pub use error::Error;
pub use gradcheck::{GradCheck, SequenceGradCheck, grad_check, grad_check_sequence};
pub use heap::{HeapTraining, ZeroBits};
pub use init::{Init, Rng};
pub use inspect::budget::MemoryBudget;
pub use io::model::{self, ModelError, ModelFile};
#[cfg(feature = "std")]
pub use io::rust_source::{self, export_rust};
#[cfg(feature = "safetensors")]
pub use io::safetensors;
#[cfg(feature = "serde")]
pub use io::serde_impls;
pub use layers::frozen::{Freeze, FrozenLayer};
pub use layers::frozen_recurrent::{FrozenGru, FrozenLstm};
pub use layers::gru::{Gru, GruGradients, GruStep};
pub use layers::lstm::{Lstm, LstmGradients, LstmState, LstmStep};
pub use layers::sequence::{StatelessForward, StepLayer};
pub use layers::{Layer, LayerGradients, TraceOutput};
pub use loss::{BinaryCrossEntropy, CrossEntropy, Huber, Loss, Mae, Mse, PredictionLoss};
pub use metrics::{
    ConfusionMatrix, accuracy, argmax, class_of, confusion_matrix, mean_loss, predict_class,
};
pub use network::{Architecture, LayerInfo, Network, SequenceNetwork, Trainable, WindowTrace};
pub use optim::{
    Adam, AdamW, ClipNorm, Constant, Cosine, LearningRate, Momentum, NoMomentum, Optimizer,
    Schedule, Scheduled, Sgd, StepDecay, clip_grad_norm,
};
pub use params::Parameters;
pub use scalar::{Float, Vector};
pub use slice::ForwardSlice;
pub use summary::Summary;
#[cfg(feature = "std")]
pub use train::progress;
#[cfg(feature = "alloc")]
pub use train::{
    Control, Diverged, EpochReport, FitConfig, History, Sequence, StopReason, fit, fit_sequences,
};
#[cfg(feature = "parallel")]
pub use train::{ParallelScratch, TrainParallel};

/// How many samples the batched paths of generated networks process at once: their per-layer
/// buffers hold this many rows (on the stack), and a mini-batch of at most this size gets the
/// SGD update fused into its weight-gradient product.
pub const BATCH_CHUNK: usize = 32;

/// How many parts [`TrainParallel::train_batch_parallel`] cuts a mini-batch into, whatever the
/// number of threads, so that the sum of the parts' gradients, and so the result, has the
/// same bits on any machine.
#[cfg(feature = "parallel")]
pub const PARALLEL_PARTS: usize = 4;
