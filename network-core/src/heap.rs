//! Networks too large for a thread's stack: construction straight on the heap, and training
//! with the gradients and the optimizer state in storage the caller owns.
//!
//! A network, its gradients and an optimizer's state are plain structs of arrays, so a large
//! one (a 784 → 2048 → 1024 → 10 network holds 14.2 MiB of `f32`) overflows a thread's stack as
//! soon as it is built by value, and `Box::new(value)` builds the value on the stack first in
//! unoptimised builds. Here every large value is allocated zeroed on the heap
//! ([`zeroed_box`]) and filled in place, and [`HeapTraining`] trains with gradients kept in a
//! caller's buffer (typically
//! [`Architecture::boxed_gradients`](crate::Architecture::boxed_gradients)), so nothing
//! larger than one layer's activations ever lives on the stack.
//!
//! `unsafe` is allowed in this module for one thing: taking a zero-filled allocation as a value,
//! which [`ZeroBits`] proves valid.
#![allow(unsafe_code)]

/// Re-exported for the expansion of `network!`, which may be in a `no_std` crate.
#[cfg(feature = "std")]
#[doc(hidden)]
pub use std::{boxed::Box, path::Path};

use crate::activation::{
    Elu, Gelu, GeluTanh, Identity, LeakyRelu, Relu, Sigmoid, Silu, Softmax, Softplus, Tanh,
};
use crate::dense::LayerTrace;
use crate::dense::{Dense, DenseGradients, FrozenDense};
use crate::error::Error;
use crate::float::Float;
use crate::layers::frozen_recurrent::{FrozenGru, FrozenLstm};
use crate::layers::gru::{Gru, GruGradients, GruStep};
use crate::layers::lstm::{Lstm, LstmGradients, LstmState, LstmStep};
use crate::loss::Loss;
use crate::network::{Network, WindowTrace, sgd_apply};
#[cfg(feature = "std")]
use crate::optim::LearningRate;
use crate::optim::{Momentum, NoMomentum, Optimizer, Sgd};
use crate::params::Parameters;
#[cfg(feature = "std")]
pub use crate::scalar::zero_bits::zeroed_box;
pub use crate::scalar::zero_bits::{ZeroBits, is_zero_bits};

// SAFETY: the activations are unit structs, without bytes, or hold one `f64` (each checked by
// an exhaustive pattern in `check_activations`).
macro_rules! zero_bits {
    ($($ty:ident),*) => { $( unsafe impl ZeroBits for $ty {} )* };
}
zero_bits!(
    Identity, Relu, Sigmoid, Tanh, Softmax, Gelu, GeluTanh, Softplus, Silu, LeakyRelu, Elu
);

/// Fails to compile if a field is added to an activation without being `ZeroBits`.
#[allow(dead_code)]
fn check_activations(leaky: LeakyRelu, elu: Elu) {
    let (Identity, Relu, Sigmoid, Tanh, Softmax, Gelu, GeluTanh, Softplus, Silu) = (
        Identity, Relu, Sigmoid, Tanh, Softmax, Gelu, GeluTanh, Softplus, Silu,
    );
    let LeakyRelu { alpha } = leaky;
    is_zero_bits(&alpha);
    let Elu { alpha } = elu;
    is_zero_bits(&alpha);
}

// SAFETY: a layer is its weight and bias arrays of `T` and its activation, all `ZeroBits`
// (checked by the exhaustive pattern in `check_layers`).
unsafe impl<T, const IN: usize, const OUT: usize, A> ZeroBits for Dense<T, IN, OUT, A>
where
    T: Float,
    A: crate::activation::Activation + ZeroBits,
{
}

// SAFETY: a frozen dense layer is its weight and bias arrays of `T` and its activation, all
// `ZeroBits` (checked by the exhaustive pattern in `check_frozen`).
unsafe impl<T, const IN: usize, const OUT: usize, A> ZeroBits for FrozenDense<T, IN, OUT, A>
where
    T: Float,
    A: crate::activation::Activation + ZeroBits,
{
}

// SAFETY: a frozen recurrent layer is arrays of `T` (checked in `check_frozen`).
unsafe impl<T: ZeroBits, const IN: usize, const H: usize> ZeroBits for FrozenGru<T, IN, H> {}
// SAFETY: as above.
unsafe impl<T: ZeroBits, const IN: usize, const H: usize> ZeroBits for FrozenLstm<T, IN, H> {}

/// Fails to compile if a field is added to a frozen layer without being `ZeroBits`.
#[allow(dead_code)]
fn check_frozen<T: Float>(
    dense: FrozenDense<T, 2, 3, LeakyRelu>,
    gru: FrozenGru<T, 2, 3>,
    lstm: FrozenLstm<T, 2, 3>,
) {
    let FrozenDense {
        weight_t,
        bias,
        activation,
    } = dense;
    is_zero_bits(&weight_t);
    is_zero_bits(&bias);
    is_zero_bits(&activation);
    let FrozenGru {
        w_ih,
        w_hh,
        bias,
        b_hn,
    } = gru;
    is_zero_bits(&w_ih);
    is_zero_bits(&w_hh);
    is_zero_bits(&bias);
    is_zero_bits(&b_hn);
    let FrozenLstm { w_ih, w_hh, bias } = lstm;
    is_zero_bits(&w_ih);
    is_zero_bits(&w_hh);
    is_zero_bits(&bias);
}

// SAFETY: the gradients of a layer are two arrays of `T` (checked in `check_layers`).
unsafe impl<T: Float, const IN: usize, const OUT: usize> ZeroBits for DenseGradients<T, IN, OUT> {}

// SAFETY: a recurrent layer and its gradients are four arrays of `T` each (checked by the
// exhaustive patterns in `check_recurrent`).
unsafe impl<T: ZeroBits, const IN: usize, const H: usize> ZeroBits for Gru<T, IN, H> {}
// SAFETY: as above.
unsafe impl<T: ZeroBits, const IN: usize, const H: usize> ZeroBits for GruGradients<T, IN, H> {}
// SAFETY: as above.
unsafe impl<T: ZeroBits, const IN: usize, const H: usize> ZeroBits for Lstm<T, IN, H> {}
// SAFETY: as above.
unsafe impl<T: ZeroBits, const IN: usize, const H: usize> ZeroBits for LstmGradients<T, IN, H> {}

// SAFETY: arrays of `T` (and, for an LSTM step, an `LstmState`), checked by the exhaustive
// patterns in `check_steps`.
unsafe impl<T: ZeroBits, const N: usize> ZeroBits for LayerTrace<T, N> {}
// SAFETY: as above.
unsafe impl<T: ZeroBits, const H: usize> ZeroBits for GruStep<T, H> {}
// SAFETY: as above.
unsafe impl<T: ZeroBits, const H: usize> ZeroBits for LstmState<T, H> {}
// SAFETY: as above.
unsafe impl<T: ZeroBits, const H: usize> ZeroBits for LstmStep<T, H> {}
// SAFETY: one field, an array of `S: ZeroBits`, checked by the pattern in `check_window`.
unsafe impl<S: ZeroBits, const W: usize> ZeroBits for WindowTrace<S, W> {}

/// Fails to compile if a field is added to `WindowTrace` without being `ZeroBits`.
#[allow(dead_code)]
fn check_window<S: ZeroBits, const W: usize>(window: WindowTrace<S, W>) {
    let WindowTrace { steps } = window;
    is_zero_bits(&steps);
}

/// Fails to compile if a field is added to the step traces without being `ZeroBits`.
#[allow(dead_code)]
fn check_steps<T: ZeroBits>(dense: LayerTrace<T, 2>, gru: GruStep<T, 2>, lstm: LstmStep<T, 2>) {
    let LayerTrace { z, a } = dense;
    is_zero_bits(&z);
    is_zero_bits(&a);
    let GruStep {
        h_prev,
        r,
        z,
        n,
        hn,
        h,
    } = gru;
    for v in [h_prev, r, z, n, hn, h] {
        is_zero_bits(&v);
    }
    let LstmStep { prev, gates, tc, h } = lstm;
    let LstmState { h: h_prev, c } = prev;
    is_zero_bits(&gates);
    for v in [h_prev, c, tc, h] {
        is_zero_bits(&v);
    }
}

/// Fails to compile if a field is added to the recurrent layers or their gradients without
/// being `ZeroBits`.
#[allow(dead_code)]
fn check_recurrent<T: ZeroBits>(
    gru: Gru<T, 2, 3>,
    gru_grads: GruGradients<T, 2, 3>,
    lstm: Lstm<T, 2, 3>,
    lstm_grads: LstmGradients<T, 2, 3>,
) {
    macro_rules! fields {
        ($($ty:ident = $value:ident),*) => {$(
            let $ty {
                weight_ih,
                weight_hh,
                bias_ih,
                bias_hh,
            } = $value;
            is_zero_bits(&weight_ih);
            is_zero_bits(&weight_hh);
            is_zero_bits(&bias_ih);
            is_zero_bits(&bias_hh);
        )*};
    }
    fields!(
        Gru = gru,
        GruGradients = gru_grads,
        Lstm = lstm,
        LstmGradients = lstm_grads
    );
}

// SAFETY: `NoMomentum` has no fields.
unsafe impl ZeroBits for NoMomentum {}
// SAFETY: `T` and `V` fields only (checked in `check_optimizers`).
unsafe impl<T: ZeroBits, V: ZeroBits> ZeroBits for Sgd<T, V> {}
// SAFETY: a `T`, a `bool` and a `G` (checked in `check_optimizers`).
unsafe impl<T: ZeroBits, G: ZeroBits> ZeroBits for Momentum<T, G> {}

/// Fails to compile if a field is added to these types without being `ZeroBits`.
#[allow(dead_code)]
fn check_layers<T: Float, A: crate::activation::Activation + ZeroBits>(
    layer: Dense<T, 2, 3, A>,
    grads: DenseGradients<T, 2, 3>,
) {
    let Dense {
        weight,
        bias,
        activation,
    } = layer;
    is_zero_bits(&weight);
    is_zero_bits(&bias);
    is_zero_bits(&activation);
    let DenseGradients { weight, bias } = grads;
    is_zero_bits(&weight);
    is_zero_bits(&bias);
}

/// Fails to compile if a field is added to these types without being `ZeroBits`.
#[allow(dead_code)]
fn check_optimizers<T: ZeroBits, V: ZeroBits, G: ZeroBits>(
    sgd: Sgd<T, V>,
    momentum: Momentum<T, G>,
) {
    let Sgd {
        lr,
        weight_decay,
        velocity,
    } = sgd;
    is_zero_bits(&lr);
    is_zero_bits(&weight_decay);
    is_zero_bits(&velocity);
    let Momentum {
        momentum,
        nesterov,
        buffer,
    } = momentum;
    is_zero_bits(&momentum);
    is_zero_bits(&nesterov);
    is_zero_bits(&buffer);
}

#[cfg(feature = "std")]
impl<T: Float> Sgd<T> {
    /// [`momentum`](Sgd::momentum) on the heap: SGD with momentum `μ` whose velocity buffer
    /// (one value per parameter) is allocated zeroed in place, for networks too large for the
    /// stack. Make it Nesterov's with `opt.velocity.nesterov = true`.
    pub fn boxed_momentum<G: ZeroBits>(self, momentum: T) -> Box<Sgd<T, Momentum<T, G>>> {
        let mut opt = zeroed_box::<Sgd<T, Momentum<T, G>>>();
        opt.lr = self.lr;
        opt.weight_decay = self.weight_decay;
        opt.velocity.momentum = momentum;
        opt
    }
}

/// A boxed optimizer is an optimizer: `net.train_step_with(&mut grads, x, y, &loss, &mut opt)`
/// takes `opt = Adam::boxed(1e-3)` as it is.
#[cfg(feature = "std")]
impl<T: Float, N: crate::network::Trainable<T>, O: Optimizer<T, N> + ?Sized> Optimizer<T, N>
    for Box<O>
{
    #[inline]
    fn step(&mut self, net: &mut N, grads: &N::Gradients) {
        (**self).step(net, grads)
    }

    fn start_epoch(&mut self, epoch: usize) {
        (**self).start_epoch(epoch)
    }

    #[inline]
    fn fused_lr(&self) -> Option<T> {
        (**self).fused_lr()
    }
}

/// A boxed optimizer's learning rate is its contents', so a [`Scheduled`](crate::Scheduled)
/// can drive it.
#[cfg(feature = "std")]
impl<T, O: LearningRate<T> + ?Sized> LearningRate<T> for Box<O> {
    fn learning_rate(&self) -> T {
        (**self).learning_rate()
    }

    fn set_learning_rate(&mut self, lr: T) {
        (**self).set_learning_rate(lr)
    }
}

/// Backpropagation and training steps that keep the gradients in the caller's `grads` (for a
/// large network, `N::boxed_gradients()`, made once and reused) instead of on the stack.
/// Implemented for every [`Network`]; the results are those of
/// [`backprop`](Network::backprop), [`train_step`](Network::train_step) and
/// [`train_batch`](Network::train_batch), bit for bit, except that `train_batch` with plain
/// SGD fuses the update into the batched product, which rounds differently.
pub trait HeapTraining<T: Float>: Network<T> {
    /// [`backprop`](Network::backprop) into `grads`: they are overwritten with the gradient of
    /// every weight and bias for one sample, and the sample's loss is returned.
    fn backprop_into<L: Loss<T, Self::OutputActivation>>(
        &self,
        x: &Self::Input,
        y: &Self::Output,
        loss: &L,
        grads: &mut Self::Gradients,
    ) -> T {
        grads.set_zero();
        self.accumulate_gradients(x, y, loss, grads)
    }

    /// [`train_step`](Network::train_step) with the gradients kept in `grads` (their contents
    /// before and after are scratch). Plain SGD never needs them: it updates each layer while
    /// back-propagating.
    fn train_step_with<L, O>(
        &mut self,
        grads: &mut Self::Gradients,
        x: &Self::Input,
        y: &Self::Output,
        loss: &L,
        opt: &mut O,
    ) -> T
    where
        L: Loss<T, Self::OutputActivation>,
        O: Optimizer<T, Self>,
    {
        if let Some(lr) = opt.fused_lr() {
            return self.sgd_step(x, y, loss, lr);
        }
        let value = self.backprop_into(x, y, loss, grads);
        opt.step(self, grads);
        value
    }

    /// [`train_batch`](Network::train_batch) with the batch's mean gradient kept in `grads`
    /// (scratch, as in [`train_step_with`](Self::train_step_with)). The per-layer batch buffers
    /// stay on the stack: a few rows of activations, at most about 256 KiB.
    fn train_batch_with<L, O>(
        &mut self,
        grads: &mut Self::Gradients,
        xs: &[Self::Input],
        ys: &[Self::Output],
        loss: &L,
        opt: &mut O,
    ) -> Result<T, Error>
    where
        L: Loss<T, Self::OutputActivation>,
        O: Optimizer<T, Self>,
    {
        if xs.len() != ys.len() {
            return Err(Error::BatchLength {
                inputs: xs.len(),
                targets: ys.len(),
            });
        }
        if xs.is_empty() {
            return Err(Error::EmptyBatch);
        }
        let inv = T::one() / T::cast(xs.len() as f64);
        grads.set_zero();
        let total = self.accumulate_batch(xs, ys, loss, grads);
        match opt.fused_lr() {
            // `sgd_apply` with the mean's factor folded into the rate, as `sgd_batch` does.
            Some(lr) => sgd_apply(self, grads, lr * inv),
            None => {
                grads.scale(inv);
                opt.step(self, grads);
            }
        }
        Ok(total * inv)
    }
}

impl<T: Float, N: Network<T>> HeapTraining<T> for N {}

/// What `network!` emits for every network: the `ZeroBits` impls of the network and gradient
/// structs, proven by an exhaustive pattern over their fields (so an attribute macro that adds
/// a field makes it fail to compile).
#[macro_export]
#[doc(hidden)]
macro_rules! __zero_bits {
    ($net:ident, $grads:ident, [$($field:ident),*]) => {
        // SAFETY: `check` below lists every field of both structs, and each field is
        // `ZeroBits` (a layer or its gradients over a `ZeroBits` scalar).
        unsafe impl<T: $crate::Float> $crate::heap::ZeroBits for $net<T> {}
        // SAFETY: as above.
        unsafe impl<T: $crate::Float> $crate::heap::ZeroBits for $grads<T> {}
        const _: () = {
            #[allow(dead_code)]
            fn check<T: $crate::Float>(net: $net<T>, grads: $grads<T>) {
                let $net { $($field),* } = net;
                $( $crate::heap::is_zero_bits(&$field); )*
                let $grads { $($field),* } = grads;
                $( $crate::heap::is_zero_bits(&$field); )*
            }
        };
    };
}

/// What `network!` emits for every sequence network: the `ZeroBits` impls of its step trace
/// (its window, a `WindowTrace` of them, is `ZeroBits` through it), proven by an exhaustive pattern over their fields, and the
/// inherent `boxed_window`, which needs `std`.
#[macro_export]
#[doc(hidden)]
macro_rules! __zero_bits_window {
    ($net:ident, $step:ident, $window:ident, [$($field:ident),*]) => {
        // SAFETY: `check` below lists every field of the step trace, and each field is
        // `ZeroBits` (the input, a layer's step trace); the window, a `WindowTrace` of steps,
        // is `ZeroBits` in the core.
        unsafe impl<T: $crate::Float> $crate::heap::ZeroBits for $step<T> {}
        const _: () = {
            #[allow(dead_code)]
            fn check<T: $crate::Float>(step: $step<T>) {
                let $step { input, $($field),* } = step;
                $crate::heap::is_zero_bits(&input);
                $( $crate::heap::is_zero_bits(&$field); )*
            }
        };
        $crate::__boxed_window!($net, $window);
    };
}

/// What `network!` emits for every network's frozen form: its `ZeroBits` impl, proven by an
/// exhaustive pattern over its fields, and the network's inherent `boxed_freeze`, which needs
/// `std`.
#[macro_export]
#[doc(hidden)]
macro_rules! __zero_bits_frozen {
    ($net:ident, $frozen:ident, [$($field:ident),*]) => {
        // SAFETY: `check` below lists every field, and each is `ZeroBits` (a frozen layer over
        // a `ZeroBits` scalar).
        unsafe impl<T: $crate::Float> $crate::heap::ZeroBits for $frozen<T> {}
        const _: () = {
            #[allow(dead_code)]
            fn check<T: $crate::Float>(frozen: $frozen<T>) {
                let $frozen { $($field),* } = frozen;
                $( $crate::heap::is_zero_bits(&$field); )*
            }
        };
        $crate::__boxed_freeze!($net, $frozen);
    };
}

/// The inherent `boxed_freeze` of a network: its frozen form allocated zeroed on the heap and
/// filled in place, never on the stack.
#[cfg(feature = "std")]
#[macro_export]
#[doc(hidden)]
macro_rules! __boxed_freeze {
    ($net:ident, $frozen:ident) => {
        impl<T: $crate::Float> $net<T> {
            /// [`freeze`](Self::freeze) on the heap, without passing through the stack: for
            /// networks too large for it.
            pub fn boxed_freeze(&self) -> $crate::heap::Box<$frozen<T>> {
                let mut frozen = $crate::heap::zeroed_box::<$frozen<T>>();
                self.freeze_into(&mut frozen);
                frozen
            }
        }
    };
}

/// Without `std`, there is no `boxed_freeze`.
#[cfg(not(feature = "std"))]
#[macro_export]
#[doc(hidden)]
macro_rules! __boxed_freeze {
    ($($t:tt)*) => {};
}

/// The inherent `boxed_window` of a sequence network: its trace storage allocated zeroed on
/// the heap, never on the stack.
#[cfg(feature = "std")]
#[macro_export]
#[doc(hidden)]
macro_rules! __boxed_window {
    ($net:ident, $window:ident) => {
        impl<T: $crate::Float> $net<T> {
            /// Zeroed trace storage for windows of `W` time steps, allocated on the heap
            /// without passing through the stack: for long windows (`W` step traces; see
            /// `summary().window(W)` for their bytes).
            pub fn boxed_window<const W: usize>() -> $crate::heap::Box<$window<T, W>> {
                $crate::heap::zeroed_box()
            }
        }
    };
}

/// Without `std`, there is no `boxed_window`.
#[cfg(not(feature = "std"))]
#[macro_export]
#[doc(hidden)]
macro_rules! __boxed_window {
    ($($t:tt)*) => {};
}

/// What `network!` emits inside its `Architecture` impl: `boxed_zeroed` and `boxed_gradients`
/// allocated zeroed on the heap, then each dense layer's activation set (a parameterised one
/// such as `leaky_relu(0.2)` is not zero; recurrent layers have none). Nothing without `std`, where those methods do not exist.
#[cfg(feature = "std")]
#[macro_export]
#[doc(hidden)]
macro_rules! __boxed_methods {
    ($($field:ident = $act:expr),*) => {
        fn boxed_zeroed() -> $crate::heap::Box<Self> {
            let mut net = $crate::heap::zeroed_box::<Self>();
            $( net.$field.activation = $act; )*
            net
        }

        fn boxed_gradients() -> $crate::heap::Box<Self::Gradients> {
            $crate::heap::zeroed_box()
        }
    };
}

/// Without `std`, `network!` emits no boxed methods.
#[cfg(not(feature = "std"))]
#[macro_export]
#[doc(hidden)]
macro_rules! __boxed_methods {
    ($($t:tt)*) => {};
}

/// What `network!` emits for a large network: an inherent `load`, the model file's
/// [`load`](crate::ModelFile::load) itself, which shadows the trait's for `Name::load(path)` and
/// carries the warning `$note`. Nothing without `std`, where `load` does not exist.
#[cfg(feature = "std")]
#[macro_export]
#[doc(hidden)]
macro_rules! __large_load {
    ($net:ident, $note:literal) => {
        impl<T: $crate::Float> $net<T> {
            /// Reads the model file at `path` into a new network, as `ModelFile::load`.
            #[deprecated(note = $note)]
            pub fn load<P: ::core::convert::AsRef<$crate::heap::Path>>(
                path: P,
            ) -> ::core::result::Result<Self, $crate::model::FileError> {
                <Self as $crate::ModelFile<T>>::load(path)
            }
        }
    };
}

/// Without `std`, there is no `load` to flag.
#[cfg(not(feature = "std"))]
#[macro_export]
#[doc(hidden)]
macro_rules! __large_load {
    ($($t:tt)*) => {};
}
