//! Optimizers: how gradients become parameter updates.

use crate::float::Float;
use crate::network::Network;
use crate::params::Parameters;

pub use crate::network::sgd_apply;

/// Updates a network's parameters from its gradients.
///
/// Generated code only ever calls [`step`](Optimizer::step), so an optimizer with state
/// (momentum, Adam's moments) plugs in without any change to the generated network.
pub trait Optimizer<T: Float, N: Network<T>> {
    /// Applies one update to every weight and every bias of `net`, given `grads = ∂L/∂p`.
    fn step(&mut self, net: &mut N, grads: &N::Gradients);

    /// `Some(lr)` if [`step`](Optimizer::step) is exactly plain SGD `p ← p − lr·g`, so that
    /// training may apply it while back-propagating without ever storing the gradients
    /// ([`Network::sgd_step`]). Stateful optimizers keep the default, `None`.
    #[inline]
    fn fused_lr(&self) -> Option<T> {
        None
    }
}

/// Plain stochastic gradient descent: `p ← p − lr · ∂L/∂p`, for weights and biases alike
/// (`b ← b − α·∂L/∂b`, `W ← W − α·∂L/∂W`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sgd<T> {
    /// The learning rate `α`.
    pub lr: T,
}

impl<T: Float> Sgd<T> {
    /// SGD with learning rate `lr`.
    pub fn new(lr: T) -> Self {
        Sgd { lr }
    }
}

impl<T: Float, N: Network<T>> Optimizer<T, N> for Sgd<T> {
    #[inline]
    fn step(&mut self, net: &mut N, grads: &N::Gradients) {
        for i in 0..N::TENSORS {
            for (p, &g) in net.tensor_mut(i).iter_mut().zip(grads.tensor(i)) {
                *p -= self.lr * g;
            }
        }
    }

    #[inline]
    fn fused_lr(&self) -> Option<T> {
        Some(self.lr)
    }
}
