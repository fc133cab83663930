//! The [`Optimizer`] trait: how gradients become parameter updates. Its implementations
//! ([`Sgd`](crate::Sgd), [`Adam`](crate::Adam), ...) are in [`optim`](crate::optim).

use core::fmt::Debug;

#[cfg(doc)]
use super::Network;
use super::Parameters;
use crate::scalar::Float;

/// What an optimizer updates: parameters with a gradient type of the same shapes. Every
/// [`Network`] is one (it is a supertrait); so is a sequence network (a `network!` with a
/// `gru` or `lstm` layer), which has no stateless forward pass and so is not a `Network`.
pub trait Trainable<T: Float>: Parameters<T> + Sized {
    /// `∂L/∂W` and `∂L/∂b` of every layer, in the network's own shapes and field names.
    type Gradients: Parameters<T> + Default + Clone + Debug + PartialEq;
}

/// Updates a network's parameters from its gradients.
///
/// Generated code only ever calls [`step`](Optimizer::step), so an optimizer with state
/// (momentum, Adam's moments) plugs in without any change to the generated network.
pub trait Optimizer<T: Float, N: Trainable<T>> {
    /// Applies one update to every weight and every bias of `net`, given `grads = ∂L/∂p`.
    fn step(&mut self, net: &mut N, grads: &<N as Trainable<T>>::Gradients);

    /// Called by training loops such as `fit` before the first step of each epoch (`epoch`
    /// counts from 0). Nothing by default; [`Scheduled`](crate::Scheduled) sets the learning rate here.
    fn start_epoch(&mut self, epoch: usize) {
        let _ = epoch;
    }

    /// `Some(lr)` if [`step`](Optimizer::step) is exactly plain SGD `p ← p − lr·g`, so that
    /// training may apply it while back-propagating without ever storing the gradients
    /// ([`Network::sgd_step`]). Optimizers with state, weight decay, clipping or a schedule
    /// keep the default, `None`, and get the unfused backprop-then-step path.
    #[inline]
    fn fused_lr(&self) -> Option<T> {
        None
    }
}
