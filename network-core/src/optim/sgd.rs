//! Stochastic gradient descent, with optional momentum and weight decay.

use super::{LearningRate, Optimizer};
use crate::network::Trainable;
use crate::network::params::Parameters;
use crate::scalar::Float;

/// Stochastic gradient descent, `torch.optim.SGD` with `dampening = 0`.
///
/// Each step, for weights and biases alike (`gᵢ = ∂L/∂pᵢ`, `λ` the weight decay):
///
/// ```text
/// g ← g + λ·p                      (L2 weight decay, if λ ≠ 0)
/// v ← μ·v + g                      (momentum μ; v starts at 0, so the first v is g)
/// g ← g + μ·v   (Nesterov)   or   g ← v   (heavy ball)
/// p ← p − lr·g
/// ```
///
/// Without momentum (`Sgd::new(lr)`) this is `p ← p − lr·(g + λ·p)`. The type parameter `V`
/// holds the momentum state: [`NoMomentum`], or [`Momentum`] over the network's gradient type
/// after [`momentum`](Sgd::momentum).
///
/// ```
/// use network_core::Sgd;
/// let plain = Sgd::new(0.1f32);
/// let decayed = Sgd::new(0.1f32).weight_decay(1e-4);
/// # let _ = (plain, decayed);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sgd<T, V = NoMomentum> {
    /// The learning rate.
    pub lr: T,
    /// L2 weight decay `λ`, added to the gradient as `λ·p` (0 by default).
    pub weight_decay: T,
    /// The momentum state.
    pub velocity: V,
}

/// [`Sgd`] without momentum: no state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NoMomentum;

/// [`Sgd`]'s momentum: the factor `μ`, whether it is Nesterov's, and the velocity buffer `v`
/// in the network's gradient shapes (zero until the first step).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Momentum<T, G> {
    /// The momentum factor `μ` (0.9 is usual).
    pub momentum: T,
    /// Nesterov momentum instead of heavy ball.
    pub nesterov: bool,
    /// The velocity `v`, one value per parameter.
    pub buffer: G,
}

impl<T: Float> Sgd<T> {
    /// Plain SGD with learning rate `lr`: `p ← p − lr·∂L/∂p`.
    pub fn new(lr: T) -> Self {
        Sgd {
            lr,
            weight_decay: T::zero(),
            velocity: NoMomentum,
        }
    }

    /// Adds heavy-ball momentum `μ` (make it Nesterov's with [`nesterov`](Sgd::nesterov)).
    /// The velocity buffer takes the shapes of the network the optimizer is used on.
    pub fn momentum<G: Default>(self, momentum: T) -> Sgd<T, Momentum<T, G>> {
        Sgd {
            lr: self.lr,
            weight_decay: self.weight_decay,
            velocity: Momentum {
                momentum,
                nesterov: false,
                buffer: G::default(),
            },
        }
    }
}

impl<T: Float, V> Sgd<T, V> {
    /// Sets the L2 weight decay `λ`: the gradient becomes `g + λ·p`.
    pub fn weight_decay(mut self, weight_decay: T) -> Self {
        self.weight_decay = weight_decay;
        self
    }
}

impl<T: Float, G> Sgd<T, Momentum<T, G>> {
    /// Uses Nesterov momentum: the step follows `g + μ·v` instead of `v`.
    pub fn nesterov(mut self) -> Self {
        self.velocity.nesterov = true;
        self
    }
}

impl<T: Float, N: Trainable<T>> Optimizer<T, N> for Sgd<T, NoMomentum> {
    #[inline]
    fn step(&mut self, net: &mut N, grads: &N::Gradients) {
        let (lr, wd) = (self.lr, self.weight_decay);
        for i in 0..N::TENSORS {
            for (p, &g) in net.tensor_mut(i).iter_mut().zip(grads.tensor(i)) {
                let g = g + wd * *p;
                *p -= lr * g;
            }
        }
    }

    /// Plain SGD fuses into backpropagation; with weight decay it takes the unfused path.
    #[inline]
    fn fused_lr(&self) -> Option<T> {
        (self.weight_decay == T::zero()).then_some(self.lr)
    }
}

impl<T: Float, N: Trainable<T>> Optimizer<T, N> for Sgd<T, Momentum<T, N::Gradients>> {
    #[inline]
    fn step(&mut self, net: &mut N, grads: &N::Gradients) {
        let (lr, wd) = (self.lr, self.weight_decay);
        let Momentum {
            momentum: mu,
            nesterov,
            buffer,
        } = &mut self.velocity;
        let (mu, nesterov) = (*mu, *nesterov);
        for i in 0..N::TENSORS {
            let params = net.tensor_mut(i).iter_mut();
            let updates = grads.tensor(i).iter().zip(buffer.tensor_mut(i));
            for (p, (&g, v)) in params.zip(updates) {
                let g = g + wd * *p;
                // With v = 0 before the first step, μ·v + g is PyTorch's `buf = g` start.
                *v = mu * *v + g;
                let d = if nesterov { g + mu * *v } else { *v };
                *p -= lr * d;
            }
        }
    }
}

impl<T: Float, V> LearningRate<T> for Sgd<T, V> {
    fn learning_rate(&self) -> T {
        self.lr
    }

    fn set_learning_rate(&mut self, lr: T) {
        self.lr = lr;
    }
}
