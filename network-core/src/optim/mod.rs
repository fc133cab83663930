//! Optimizers: how gradients become parameter updates.
//!
//! - [`Sgd`]: plain, heavy-ball or Nesterov momentum, L2 weight decay (`torch.optim.SGD`).
//! - [`Adam`] and [`AdamW`]: `torch.optim.Adam` / `torch.optim.AdamW`, step for step.
//! - [`ClipNorm`]: clips the gradient's global L2 norm before any optimizer
//!   ([`clip_grad_norm`] does it by hand).
//! - [`Scheduled`]: drives an optimizer's learning rate from a [`Schedule`] ([`Constant`],
//!   [`StepDecay`], [`Cosine`]), per epoch or per step.
//!
//! Optimizer state (momentum, Adam's moments) is stored in the network's own gradient type
//! `N::Gradients`, a plain struct of arrays: no heap, and the state is zeroed lazily on the first
//! step, so an optimizer is built before it knows which network it will train.

mod adam;
mod clip;
mod schedule;
mod sgd;

pub use adam::{Adam, AdamW};
pub use clip::{ClipNorm, clip_grad_norm};
pub use schedule::{Constant, Cosine, Schedule, Scheduled, StepDecay};
pub use sgd::{Momentum, NoMomentum, Sgd};

use crate::float::Float;
use crate::network::Network;

pub use crate::network::sgd_apply;

/// Updates a network's parameters from its gradients.
///
/// Generated code only ever calls [`step`](Optimizer::step), so an optimizer with state
/// (momentum, Adam's moments) plugs in without any change to the generated network.
pub trait Optimizer<T: Float, N: Network<T>> {
    /// Applies one update to every weight and every bias of `net`, given `grads = ∂L/∂p`.
    fn step(&mut self, net: &mut N, grads: &N::Gradients);

    /// Called by training loops such as `fit` before the first step of each epoch (`epoch`
    /// counts from 0). Nothing by default; [`Scheduled`] sets the learning rate here.
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

/// An optimizer whose learning rate can be read and changed between steps, which is what a
/// [`Schedule`] needs.
pub trait LearningRate<T> {
    /// The learning rate the next step will use.
    fn learning_rate(&self) -> T;

    /// Sets the learning rate for the following steps. Optimizer state is kept.
    fn set_learning_rate(&mut self, lr: T);
}
