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

// The trait lives beside `Network`, whose training steps take it; the optimizers live here.
pub use crate::network::Optimizer;
pub use crate::network::params::sgd_apply;

/// An optimizer whose learning rate can be read and changed between steps, which is what a
/// [`Schedule`] needs.
pub trait LearningRate<T> {
    /// The learning rate the next step will use.
    fn learning_rate(&self) -> T;

    /// Sets the learning rate for the following steps. Optimizer state is kept.
    fn set_learning_rate(&mut self, lr: T);
}
