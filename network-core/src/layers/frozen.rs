//! Layers in their inference form: the same function as the trainable layer, the weights
//! laid out for the forward pass alone.
//!
//! A trainable layer keeps its weights as PyTorch holds them, a row per output (`[OUT, IN]`),
//! because training, model files and safetensors read them that way. A forward pass over
//! rows ends each output with a horizontal sum of a vector; over columns (`[IN, OUT]`) it is
//! one multiply-add of a whole output vector per input, which is what a sample-by-sample
//! stream wants (RTNeural stores its weights this way for the same reason). [`Freeze`] copies
//! a layer into that form once; `network!` gives every network a `freeze()` that does so for
//! each layer, and the frozen network streams or runs forward passes until the weights change
//! again, when it is frozen anew.
//!
//! A frozen layer computes what its trainable layer computes, within rounding: its sums run
//! in another order.

use core::fmt::Debug;

use crate::kernels::dispatch::Isa;
use crate::scalar::{Float, Vector};

/// A layer that has an inference form.
pub trait Freeze<T: Float> {
    /// The inference form.
    type Frozen: FrozenLayer<T>;

    /// The inference form of this layer's current parameters.
    fn freeze(&self) -> Self::Frozen;

    /// [`freeze`](Self::freeze) into `frozen`, in place: a large layer's inference form never
    /// passes through the stack where the layer overrides it (a dense layer does).
    #[inline]
    fn freeze_into(&self, frozen: &mut Self::Frozen) {
        *frozen = self.freeze();
    }
}

/// A layer in its inference form, as the code `network!` generates for a frozen network uses
/// it: one step (one sample) at a time, compiled for the instruction set `s` chosen once per
/// pass ([`kernels::dispatch`](crate::kernels::dispatch)).
pub trait FrozenLayer<T: Float>: Copy + Debug {
    /// The input, `[T; IN]`.
    type Input: Vector<T>;
    /// The output, `[T; OUT]`.
    type Output: Vector<T>;
    /// What the layer carries from one step to the next: the trainable layer's
    /// [`StepLayer::State`](crate::StepLayer::State) (`()` for a dense layer).
    type State: Copy + Debug + PartialEq;

    /// One step: the output for `x`, advancing `state`.
    fn step_isa<S: Isa>(&self, s: S, state: &mut Self::State, x: &Self::Input) -> Self::Output;
}
