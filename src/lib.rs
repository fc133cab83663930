#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "std")]
extern crate std;

pub use network_core::BATCH_CHUNK;
// Not inlined: rustdoc's cross-crate inlining drops the `-> Control` of its return type.
#[cfg(feature = "std")]
pub use network_core::data;
#[cfg(feature = "std")]
#[doc(no_inline)]
pub use network_core::progress;
#[cfg(feature = "safetensors")]
pub use network_core::safetensors;
#[cfg(feature = "alloc")]
#[doc(no_inline)]
pub use network_core::train;
pub use network_core::{
    Activation, Architecture, BinaryCrossEntropy, CrossEntropy, Dense, DenseGradients, Elementwise,
    Error, Float, Init, Layer, LayerGradients, LayerInfo, LayerTrace, Loss, MemoryBudget, Mse,
    Network, Optimizer, Parameters, PredictionLoss, Rng, Sgd, TraceOutput, Vector,
};
pub use network_core::{
    Adam, AdamW, ClipNorm, ConfusionMatrix, Constant, Cosine, Huber, LearningRate, Mae, Schedule,
    Scheduled, StepDecay, Summary, accuracy, argmax, class_of, clip_grad_norm, confusion_matrix,
    mean_loss, predict_class,
};
#[cfg(feature = "alloc")]
pub use network_core::{
    Control, Diverged, EpochReport, FitConfig, History, Sequence, StopReason, fit, fit_sequences,
};
pub use network_core::{
    ForwardSlice, GradCheck, SequenceGradCheck, grad_check, grad_check_sequence,
};
pub use network_core::{Freeze, FrozenDense, FrozenGru, FrozenLayer, FrozenLstm, Simd, with_simd};
pub use network_core::{
    Gru, GruGradients, GruStep, Lstm, LstmGradients, LstmState, LstmStep, SequenceNetwork,
    StatelessForward, StepLayer, Trainable, WindowTrace,
};
pub use network_core::{ModelError, ModelFile, model};
#[cfg(feature = "parallel")]
pub use network_core::{PARALLEL_PARTS, ParallelScratch, TrainParallel};
pub use network_core::{
    activation, dense, display, gradcheck, init, inspect, layers, loss, metrics, optim, quant,
    scalar, summary,
};
#[cfg(feature = "std")]
pub use network_core::{export_rust, rust_source};
// Implementation details, reachable for benchmarks and the activation-accuracy example.
#[doc(hidden)]
pub use network_core::{fast, kernels};
pub use network_macros::network;

#[doc(hidden)]
pub use network_core::__serde_impls;
#[doc(hidden)]
pub use network_core::{
    __boxed_methods, __large_load, __zero_bits, __zero_bits_frozen, __zero_bits_window,
};
pub use network_core::{HeapTraining, ZeroBits, heap};

/// The guides of `docs/`, here so that their code is compiled and run as doctests.
pub mod guides {
    #[doc = include_str!("../docs/guide.md")]
    pub mod using {}
    #[doc = include_str!("../docs/interop.md")]
    pub mod interop {}
    #[doc = include_str!("../docs/embedded.md")]
    pub mod embedded {}
}

/// Everything a user of the macro needs: `use network::prelude::*;`.
pub mod prelude {
    pub use network_core::activation::{
        Elu, Gelu, GeluTanh, Identity, LeakyRelu, Relu, Sigmoid, Silu, Softmax, Softplus, Tanh,
    };
    #[cfg(feature = "std")]
    #[doc(no_inline)]
    pub use network_core::progress;
    pub use network_core::{
        Activation, Adam, AdamW, Architecture, BinaryCrossEntropy, ClipNorm, ConfusionMatrix,
        Constant, Cosine, CrossEntropy, Error, Float, ForwardSlice, HeapTraining, Huber,
        LearningRate, Loss, Mae, MemoryBudget, Mse, Network, Optimizer, Parameters, Rng, Schedule,
        Scheduled, SequenceNetwork, Sgd, StepDecay, accuracy, argmax, confusion_matrix, grad_check,
        grad_check_sequence, mean_loss, predict_class,
    };
    #[cfg(feature = "alloc")]
    pub use network_core::{
        Control, Diverged, EpochReport, FitConfig, History, Sequence, StopReason, fit,
        fit_sequences,
    };
    pub use network_core::{ModelError, ModelFile};
    #[cfg(feature = "parallel")]
    pub use network_core::{ParallelScratch, TrainParallel};
    pub use network_macros::network;
}
