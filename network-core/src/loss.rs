//! Loss functions, and how each one meets the output layer's activation.
//!
//! A loss is a unit struct. What backpropagation needs from it is `δ = ∂L/∂z` at the last
//! layer's pre-activation; that depends on the loss *and* the last activation, so [`Loss`] is
//! implemented for pairs. Losses that only look at the prediction ([`Mse`],
//! [`BinaryCrossEntropy`]) implement [`PredictionLoss`] and work with every activation through
//! the chain rule. [`CrossEntropy`] is defined only over a [`Softmax`] output, where the
//! gradient fuses into the stable `ŷ − y`; pairing it with anything else does not compile.

use crate::activation::{Activation, Softmax};
use crate::float::Float;

/// A loss `L(ŷ, y)` as seen from a network whose last layer has activation `A`.
///
/// All slices have the output width: `z` the last pre-activation, `a = ŷ` the prediction,
/// `y` the target.
#[diagnostic::on_unimplemented(
    message = "the loss `{Self}` cannot train a network whose last layer has activation `{A}`",
    label = "this loss does not fit the network's output activation",
    note = "`CrossEntropy` needs a `softmax` last layer; `Mse` and `BinaryCrossEntropy` fit any"
)]
pub trait Loss<T: Float, A: Activation> {
    /// The loss of one sample.
    fn value(&self, z: &[T], a: &[T], y: &[T]) -> T;

    /// `δ = ∂L/∂z` at the last layer's pre-activation, written into `delta`.
    fn delta(&self, activation: &A, z: &[T], a: &[T], y: &[T], delta: &mut [T]);
}

/// A loss that depends on the prediction `ŷ` only, with its gradient `∂L/∂ŷ`.
pub trait PredictionLoss<T: Float> {
    /// `L(ŷ, y)`.
    fn loss(&self, prediction: &[T], target: &[T]) -> T;

    /// `∂L/∂ŷ`, written into `grad`.
    fn gradient(&self, prediction: &[T], target: &[T], grad: &mut [T]);
}

/// Implements [`Loss`] for every output activation from a [`PredictionLoss`]: the value is
/// `L(ŷ, y)` and `δ` is `∂L/∂ŷ` taken back through the activation by the chain rule.
///
/// (A blanket impl over all `PredictionLoss` types would forbid [`CrossEntropy`]'s own,
/// activation-specific impls under Rust's coherence rules, hence one impl per loss.)
macro_rules! loss_for_every_activation {
    ($loss:ty) => {
        impl<T: Float, A: Activation> Loss<T, A> for $loss {
            #[inline]
            fn value(&self, _z: &[T], a: &[T], y: &[T]) -> T {
                self.loss(a, y)
            }

            #[inline]
            fn delta(&self, activation: &A, z: &[T], a: &[T], y: &[T], delta: &mut [T]) {
                // ∂L/∂ŷ first, then the chain rule through the activation, both in `delta`.
                self.gradient(a, y, delta);
                activation.backward(z, a, delta);
            }
        }
    };
}

loss_for_every_activation!(Mse);
loss_for_every_activation!(BinaryCrossEntropy);

/// Mean squared error: `L = (1/N) Σ (ŷᵢ − yᵢ)²`, `∂L/∂ŷᵢ = 2(ŷᵢ − yᵢ)/N`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Mse;

impl<T: Float> PredictionLoss<T> for Mse {
    fn loss(&self, prediction: &[T], target: &[T]) -> T {
        let n = T::cast(prediction.len() as f64);
        prediction
            .iter()
            .zip(target)
            .map(|(&p, &y)| (p - y) * (p - y))
            .sum::<T>()
            / n
    }

    fn gradient(&self, prediction: &[T], target: &[T], grad: &mut [T]) {
        let scale = T::cast(2.0 / prediction.len() as f64);
        for ((g, &p), &y) in grad.iter_mut().zip(prediction).zip(target) {
            *g = scale * (p - y);
        }
    }
}

/// Binary cross-entropy: `L = −(1/N) Σ [yᵢ ln ŷᵢ + (1 − yᵢ) ln(1 − ŷᵢ)]`, for outputs in (0, 1)
/// such as `sigmoid`'s.
///
/// Safe at the edges as PyTorch's `BCELoss` is: each logarithm is clamped at −100, so a
/// prediction of exactly 0 or 1 gives a large finite loss, and the gradient's denominator
/// `ŷ(1 − ŷ)` is kept at least `1e-12`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct BinaryCrossEntropy;

impl<T: Float> PredictionLoss<T> for BinaryCrossEntropy {
    fn loss(&self, prediction: &[T], target: &[T]) -> T {
        let floor = T::cast(-100.0);
        let n = T::cast(prediction.len() as f64);
        let sum: T = prediction
            .iter()
            .zip(target)
            .map(|(&p, &y)| y * p.ln().max(floor) + (T::one() - y) * (T::one() - p).ln().max(floor))
            .sum();
        -sum / n
    }

    fn gradient(&self, prediction: &[T], target: &[T], grad: &mut [T]) {
        let eps = T::cast(1e-12);
        let n = T::cast(prediction.len() as f64);
        for ((g, &p), &y) in grad.iter_mut().zip(prediction).zip(target) {
            *g = (p - y) / ((p * (T::one() - p)).max(eps) * n);
        }
    }
}

/// Categorical cross-entropy over a [`Softmax`] output: `L = −Σ yᵢ ln ŷᵢ`, with `y` one-hot or a
/// probability distribution.
///
/// The value is computed from the logits `z` (`ln ŷᵢ = zᵢ − logsumexp(z)`), so it stays finite
/// when a probability underflows to 0, and the gradient at the softmax pre-activation is the
/// fused `δᵢ = ŷᵢ·Σⱼyⱼ − yᵢ` (that is `ŷ − y` when the targets sum to 1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CrossEntropy;

impl<T: Float> Loss<T, Softmax> for CrossEntropy {
    fn value(&self, z: &[T], _a: &[T], y: &[T]) -> T {
        let lse = log_sum_exp(z);
        z.iter().zip(y).map(|(&z, &y)| y * (lse - z)).sum()
    }

    fn delta(&self, _activation: &Softmax, _z: &[T], a: &[T], y: &[T], delta: &mut [T]) {
        let total: T = y.iter().copied().sum();
        for ((d, &a), &y) in delta.iter_mut().zip(a).zip(y) {
            *d = a * total - y;
        }
    }
}

/// `ln Σ e^(zᵢ)`, shifted by the maximum so that it never overflows.
pub fn log_sum_exp<T: Float>(z: &[T]) -> T {
    let max = z.iter().fold(T::neg_infinity(), |m, &v| m.max(v));
    if !max.is_finite() {
        return max;
    }
    max + z.iter().map(|&v| (v - max).act_exp()).sum::<T>().ln()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::{Identity, Sigmoid, Tanh};

    #[test]
    fn mse_value_and_gradient() {
        let p = [1.0f64, 2.0];
        let y = [0.0f64, 4.0];
        assert_eq!(Mse.loss(&p, &y), (1.0 + 4.0) / 2.0);
        let mut g = [0.0; 2];
        Mse.gradient(&p, &y, &mut g);
        assert_eq!(g, [1.0, -2.0]);
    }

    #[test]
    fn bce_is_finite_at_the_edges() {
        let l: f32 = BinaryCrossEntropy.loss(&[0.0f32, 1.0], &[1.0, 0.0]);
        assert!(l.is_finite() && l > 50.0, "{l}");
        let mut g = [0.0f32; 2];
        BinaryCrossEntropy.gradient(&[0.0f32, 1.0], &[1.0, 0.0], &mut g);
        assert!(g.iter().all(|g| g.is_finite()));
        assert_eq!(BinaryCrossEntropy.loss(&[0.5f64], &[1.0]), 2.0f64.ln());
    }

    fn fd_check<A: Activation, L: Loss<f64, A>>(loss: &L, act: A, z: [f64; 3], y: [f64; 3]) {
        let f = |z: &[f64; 3]| {
            let mut a = [0.0; 3];
            act.forward(z, &mut a);
            loss.value(z, &a, &y)
        };
        let mut a = [0.0; 3];
        act.forward(&z, &mut a);
        let mut d = [0.0; 3];
        loss.delta(&act, &z, &a, &y, &mut d);
        for j in 0..3 {
            let (mut p, mut m) = (z, z);
            p[j] += 1e-6;
            m[j] -= 1e-6;
            let fd = (f(&p) - f(&m)) / 2e-6;
            assert!(
                (d[j] - fd).abs() < 1e-8 * (1.0 + fd.abs()),
                "{act:?} δ{j}: {} vs {fd}",
                d[j]
            );
        }
    }

    #[test]
    fn output_deltas_match_finite_differences() {
        let z = [0.3, -1.1, 0.8];
        fd_check(&Mse, Identity, z, [1.0, 0.0, -0.5]);
        fd_check(&Mse, Tanh, z, [0.2, 0.0, -0.5]);
        fd_check(&Mse, Softmax, z, [0.0, 1.0, 0.0]);
        fd_check(&BinaryCrossEntropy, Sigmoid, z, [1.0, 0.0, 0.3]);
        fd_check(&BinaryCrossEntropy, Softmax, z, [0.0, 1.0, 0.0]);
        fd_check(&CrossEntropy, Softmax, z, [0.0, 1.0, 0.0]);
        fd_check(&CrossEntropy, Softmax, z, [0.2, 0.5, 0.3]);
        fd_check(&CrossEntropy, Softmax, z, [0.5, 1.0, 0.0]);
    }

    #[test]
    fn softmax_delta_with_mse_on_a_wide_layer() {
        let z: [f64; 20] = core::array::from_fn(|i| (i as f64 * 0.37).sin());
        let y: [f64; 20] = core::array::from_fn(|i| if i == 3 { 1.0 } else { 0.0 });
        let f = |z: &[f64; 20]| {
            let mut a = [0.0; 20];
            Softmax.forward(z, &mut a);
            Mse.loss(&a, &y)
        };
        let mut a = [0.0; 20];
        Softmax.forward(&z, &mut a);
        let mut d = [0.0; 20];
        Loss::<f64, Softmax>::delta(&Mse, &Softmax, &z, &a, &y, &mut d);
        for j in 0..20 {
            let (mut p, mut m) = (z, z);
            p[j] += 1e-6;
            m[j] -= 1e-6;
            let fd = (f(&p) - f(&m)) / 2e-6;
            assert!((d[j] - fd).abs() < 1e-9, "δ{j}: {} vs {fd}", d[j]);
        }
    }

    #[test]
    fn cross_entropy_is_stable_for_huge_logits() {
        let z = [1000.0f32, -1000.0, 0.0];
        let mut a = [0.0f32; 3];
        Softmax.forward(&z, &mut a);
        let l = CrossEntropy.value(&z, &a, &[0.0, 1.0, 0.0]);
        assert_eq!(l, 2000.0);
        assert_eq!(CrossEntropy.value(&z, &a, &[1.0, 0.0, 0.0]), 0.0);
    }

    #[test]
    fn log_sum_exp_values() {
        assert!((log_sum_exp(&[0.0f64, 0.0]) - 2.0f64.ln()).abs() < 1e-15);
        assert_eq!(log_sum_exp(&[1000.0f32, 1000.0]), 1000.0 + 2.0f32.ln());
    }
}
