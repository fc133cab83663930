//! Gradient clipping by global norm.

use super::{LearningRate, Optimizer};
use crate::network::Trainable;
use crate::network::params::Parameters;
use crate::scalar::Float;

/// Scales `grads` so that their global L2 norm (over every weight and bias of every layer) is
/// at most `max_norm`, as `torch.nn.utils.clip_grad_norm_` does: with `n = ‖g‖₂`, every
/// gradient is multiplied by `min(1, max_norm / (n + 1e-6))`. Returns `n`, the norm before
/// clipping. The direction of the gradient is kept.
pub fn clip_grad_norm<T: Float, P: Parameters<T>>(grads: &mut P, max_norm: T) -> T {
    let norm = grads.norm_squared().sqrt();
    let coef = max_norm / (norm + T::cast(1e-6));
    if coef < T::one() {
        grads.scale(coef);
    }
    norm
}

/// Wraps an optimizer so that each step first clips the gradient to a global L2 norm of at
/// most `max_norm` (see [`clip_grad_norm`]). The caller's gradients are not modified: the
/// clipped copy lives on the stack.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClipNorm<T, O> {
    /// The wrapped optimizer.
    pub inner: O,
    /// The largest global gradient norm passed on.
    pub max_norm: T,
}

impl<T: Float, O> ClipNorm<T, O> {
    /// `inner`, fed gradients clipped to global norm `max_norm`.
    pub fn new(inner: O, max_norm: T) -> Self {
        ClipNorm { inner, max_norm }
    }
}

impl<T: Float, N: Trainable<T>, O: Optimizer<T, N>> Optimizer<T, N> for ClipNorm<T, O> {
    #[inline]
    fn step(&mut self, net: &mut N, grads: &N::Gradients) {
        let mut clipped = grads.clone();
        clip_grad_norm(&mut clipped, self.max_norm);
        self.inner.step(net, &clipped);
    }

    fn start_epoch(&mut self, epoch: usize) {
        self.inner.start_epoch(epoch);
    }
}

impl<T: Float, O: LearningRate<T>> LearningRate<T> for ClipNorm<T, O> {
    fn learning_rate(&self) -> T {
        self.inner.learning_rate()
    }

    fn set_learning_rate(&mut self, lr: T) {
        self.inner.set_learning_rate(lr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two tensors, enough to see that the norm is global.
    #[derive(Clone, Copy, Debug, PartialEq)]
    struct Two<T> {
        weight: [T; 2],
        bias: [T; 1],
    }

    impl<T: Float> Parameters<T> for Two<T> {
        const PARAMS: usize = 3;
        const TENSORS: usize = 2;
        fn tensor(&self, i: usize) -> &[T] {
            match i {
                0 => &self.weight,
                1 => &self.bias,
                _ => &[],
            }
        }
        fn tensor_mut(&mut self, i: usize) -> &mut [T] {
            match i {
                0 => &mut self.weight,
                1 => &mut self.bias,
                _ => &mut [],
            }
        }
        fn tensor_name(_: usize) -> &'static str {
            ""
        }
        fn tensor_shape(_: usize) -> &'static [usize] {
            &[]
        }
    }

    #[test]
    fn clips_to_the_norm_and_keeps_direction() {
        let mut g = Two {
            weight: [3.0f64, 0.0],
            bias: [4.0],
        };
        let norm = clip_grad_norm(&mut g, 1.0);
        assert_eq!(norm, 5.0);
        let c = 1.0 / (5.0 + 1e-6);
        assert_eq!(g.weight, [3.0 * c, 0.0]);
        assert_eq!(g.bias, [4.0 * c]);
        assert!((g.norm_squared().sqrt() - 1.0).abs() < 1e-6);
    }

    #[test]
    fn small_gradients_are_untouched() {
        let mut g = Two {
            weight: [0.3f32, -0.1],
            bias: [0.2],
        };
        let before = g;
        assert!((clip_grad_norm(&mut g, 1.0) - 0.14f32.sqrt()).abs() < 1e-6);
        assert_eq!(g, before);
    }
}
