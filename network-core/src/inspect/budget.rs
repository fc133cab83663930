//! A network's memory budget as compile-time constants: what its parameters, a training
//! step's buffers, each optimizer's state and the batched paths' scratch take, in bytes.

use core::mem::size_of;

#[cfg(doc)]
use crate::network::Network;
use crate::network::{Architecture, Parameters};
use crate::optim::{Adam, AdamW, Momentum, Sgd};
use crate::scalar::Float;

/// The bytes a network of type `Self` with scalar `T` needs, as associated constants usable in
/// `const` context (a firmware can `const _: () = assert!(...)` them against its RAM).
/// Implemented for every [`Architecture`], dense and sequence networks alike; each generated
/// network also has them as inherent constants (`Xor::<f32>::ADAM_STATE_BYTES`) and prints
/// them in its `summary()`.
///
/// Every figure is a `size_of` of the type the library really uses, so padding is included.
/// What a per-sample step of a dense network keeps on the stack, besides the network and the
/// optimizer:
///
/// - [`forward`](Network::forward): the layer outputs only (no trace);
/// - [`train_step`](Network::train_step) with plain SGD: one trace (the update is fused into
///   the backward walk, so no gradient is stored);
/// - `train_step` with any other optimizer: one trace and one gradient.
///
/// A sequence network keeps its state ([`STATE_BYTES`](Architecture::STATE_BYTES)) from step
/// to step, and training over a window of `W` time steps keeps `W` step traces
/// ([`TRACE_BYTES`](Self::TRACE_BYTES) each) in storage the caller owns, and one gradient.
///
/// Measured stack peaks on a Cortex-M4F are listed in `docs/embedded.md`.
pub trait MemoryBudget<T: Float>: Architecture<T> {
    /// The parameters: `PARAMS · size_of::<T>()`.
    const PARAM_BYTES: usize = <Self as Parameters<T>>::PARAMS * size_of::<T>();
    /// The network value itself: the parameters plus any activation arguments (a
    /// `leaky_relu`'s slope) and padding.
    const NETWORK_BYTES: usize = size_of::<Self>();
    /// One gradient ([`Trainable::Gradients`](crate::Trainable::Gradients)), as [`backprop`](Network::backprop) returns it and
    /// a non-fused `train_step` keeps.
    const GRADIENT_BYTES: usize = size_of::<Self::Gradients>();
    /// One trace ([`Architecture::STEP_TRACE_BYTES`]): for a dense network its
    /// [`Network::Trace`], the input and each layer's `z` and `a`, what one training step
    /// keeps for backpropagation; for a sequence network the trace of one time step.
    const TRACE_BYTES: usize = <Self as Architecture<T>>::STEP_TRACE_BYTES;
    /// Plain [`Sgd`] (learning rate and weight decay; no per-parameter state).
    const SGD_STATE_BYTES: usize = size_of::<Sgd<T>>();
    /// [`Sgd`] with momentum: one velocity per parameter.
    const MOMENTUM_STATE_BYTES: usize = size_of::<Sgd<T, Momentum<T, Self::Gradients>>>();
    /// [`Adam`]: two moments per parameter, plus its settings and step count.
    const ADAM_STATE_BYTES: usize = size_of::<Adam<T, Self::Gradients>>();
    /// [`AdamW`]: as Adam.
    const ADAMW_STATE_BYTES: usize = size_of::<AdamW<T, Self::Gradients>>();
    /// The per-layer row buffers of a batched step ([`Architecture::BATCH_SCRATCH_BYTES`]; 0
    /// for a sequence network); a non-fused `train_batch` keeps one gradient besides.
    const BATCH_SCRATCH_BYTES: usize = <Self as Architecture<T>>::BATCH_SCRATCH_BYTES;
}

impl<T: Float, N: Architecture<T>> MemoryBudget<T> for N {}
