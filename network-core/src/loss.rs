//! Loss functions, and how each one meets the output layer's activation.
//!
//! A loss is a unit struct. What backpropagation needs from it is `δ = ∂L/∂z` at the last
//! layer's pre-activation; that depends on the loss *and* the last activation, so [`Loss`] is
//! implemented for pairs. Losses that only look at the prediction ([`Mse`],
//! [`BinaryCrossEntropy`]) implement [`PredictionLoss`] and work with every activation through
//! the chain rule ([`Huber`] and [`Mae`] too). [`CrossEntropy`] is defined only over a
//! [`Softmax`] output or an [`Identity`] one read as logits, where the gradient fuses into the
//! stable `softmax(z) − y`; pairing it with anything else does not compile.

use crate::layers::Layer;
use crate::layers::activation::{Activation, Identity, Softmax};
use crate::scalar::Float;

/// A loss `L(ŷ, y)` as seen from a network whose last layer has activation `A`.
///
/// All slices have the output width: `z` the last pre-activation, `a = ŷ` the prediction,
/// `y` the target.
#[diagnostic::on_unimplemented(
    message = "the loss `{Self}` cannot train a network whose last layer has activation `{A}`",
    label = "this loss does not fit the network's output activation",
    note = "`CrossEntropy` needs a `softmax` last layer, or an `identity` one whose outputs are \
            read as logits; `Mse`, `Mae`, `Huber` and `BinaryCrossEntropy` fit any last layer"
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
loss_for_every_activation!(Mae);
loss_for_every_activation!(Huber);

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

/// Mean absolute error: `L = (1/N) Σ |ŷᵢ − yᵢ|`, `∂L/∂ŷᵢ = sign(ŷᵢ − yᵢ)/N`, with the
/// subgradient 0 where `ŷᵢ = yᵢ` (as PyTorch's `L1Loss`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Mae;

impl<T: Float> PredictionLoss<T> for Mae {
    fn loss(&self, prediction: &[T], target: &[T]) -> T {
        let n = T::cast(prediction.len() as f64);
        prediction
            .iter()
            .zip(target)
            .map(|(&p, &y)| (p - y).abs())
            .sum::<T>()
            / n
    }

    fn gradient(&self, prediction: &[T], target: &[T], grad: &mut [T]) {
        let inv = T::one() / T::cast(prediction.len() as f64);
        for ((g, &p), &y) in grad.iter_mut().zip(prediction).zip(target) {
            *g = sign(p - y) * inv;
        }
    }
}

/// `−1`, `0` or `1`: the sign, with 0 at 0 (a subgradient of `|x|`).
fn sign<T: Float>(x: T) -> T {
    if x > T::zero() {
        T::one()
    } else if x < T::zero() {
        -T::one()
    } else {
        T::zero()
    }
}

/// The Huber loss with threshold `δ` (PyTorch's `HuberLoss`, mean over the outputs): with
/// `d = ŷ − y`, each output costs `d²/2` if `|d| ≤ δ` and `δ·(|d| − δ/2)` beyond, so the loss is
/// quadratic near the target and linear (robust to outliers) far from it.
/// `∂L/∂ŷᵢ = clamp(dᵢ, −δ, δ)/N`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Huber {
    /// The threshold `δ > 0` between the quadratic and the linear part.
    pub delta: f64,
}

impl Huber {
    /// A Huber loss with threshold `delta`.
    pub const fn new(delta: f64) -> Self {
        Huber { delta }
    }
}

impl Default for Huber {
    /// `δ = 1`, PyTorch's default.
    fn default() -> Self {
        Huber::new(1.0)
    }
}

impl<T: Float> PredictionLoss<T> for Huber {
    fn loss(&self, prediction: &[T], target: &[T]) -> T {
        let delta = T::cast(self.delta);
        let half = T::cast(0.5);
        let n = T::cast(prediction.len() as f64);
        prediction
            .iter()
            .zip(target)
            .map(|(&p, &y)| {
                let d = (p - y).abs();
                if d <= delta {
                    half * d * d
                } else {
                    delta * (d - half * delta)
                }
            })
            .sum::<T>()
            / n
    }

    fn gradient(&self, prediction: &[T], target: &[T], grad: &mut [T]) {
        let delta = T::cast(self.delta);
        let inv = T::one() / T::cast(prediction.len() as f64);
        for ((g, &p), &y) in grad.iter_mut().zip(prediction).zip(target) {
            *g = (p - y).max(-delta).min(delta) * inv;
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

/// Cross-entropy from logits: on an [`Identity`] last layer the outputs `z` are read as
/// unnormalised log-probabilities, `L = −Σ yᵢ·(zᵢ − logsumexp(z))` (PyTorch's
/// `CrossEntropyLoss` on logits, for one sample). Stable for any finite logits;
/// `δᵢ = softmax(z)ᵢ·Σⱼyⱼ − yᵢ`. Apply [`Softmax`] to the network's output to read
/// probabilities.
impl<T: Float> Loss<T, Identity> for CrossEntropy {
    fn value(&self, z: &[T], _a: &[T], y: &[T]) -> T {
        let lse = log_sum_exp(z);
        z.iter().zip(y).map(|(&z, &y)| y * (lse - z)).sum()
    }

    fn delta(&self, _activation: &Identity, z: &[T], _a: &[T], y: &[T], delta: &mut [T]) {
        Softmax.forward(z, delta);
        let total: T = y.iter().copied().sum();
        for (d, &y) in delta.iter_mut().zip(y) {
            *d = *d * total - y;
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

/// The loss of a mini-batch at its last layer `layer`, row by row: returns `Σ loss` and writes
/// each row's `δ` into `delta`. `pre`, `out`, `ys` and `delta` have the same length.
#[inline(always)]
pub fn loss_rows<T: Float, L: Layer<T>, F: Loss<T, L::Activation>>(
    loss: &F,
    layer: &L,
    pre: &[L::Pre],
    out: &[L::Output],
    ys: &[L::Output],
    delta: &mut [L::Output],
) -> T {
    let mut total = T::zero();
    for s in 0..ys.len() {
        let (z, a) = L::batch_za(&pre[s], &out[s]);
        let y = ys[s].as_ref();
        total += loss.value(z, a, y);
        loss.delta(layer.activation(), z, a, y, delta[s].as_mut());
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::activation::{Identity, Sigmoid, Tanh};

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
        fd_check(&CrossEntropy, Identity, z, [0.0, 1.0, 0.0]);
        fd_check(&CrossEntropy, Identity, z, [0.2, 0.5, 0.3]);
        fd_check(&CrossEntropy, Identity, z, [0.5, 1.0, 0.0]);
        // Away from the kinks, where the derivative exists.
        fd_check(&Mae, Identity, z, [1.0, 0.0, -0.5]);
        fd_check(&Mae, Tanh, z, [0.2, 0.0, -0.5]);
        fd_check(&Huber::default(), Identity, z, [1.0, 0.0, -2.5]);
        fd_check(&Huber::new(0.5), Sigmoid, z, [0.9, 0.0, -0.5]);
        fd_check(&Huber::new(0.1), Tanh, z, [0.25, -0.3, 0.7]);
    }

    #[test]
    fn mae_values_and_subgradient_at_zero() {
        assert_eq!(Mae.loss(&[1.0f64, 2.0, 3.0], &[0.0, 4.0, 3.0]), 1.0);
        let mut g = [9.0f64; 3];
        Mae.gradient(&[1.0, 2.0, 3.0], &[0.0, 4.0, 3.0], &mut g);
        assert_eq!(g, [1.0 / 3.0, -1.0 / 3.0, 0.0]);
    }

    #[test]
    fn huber_is_quadratic_then_linear() {
        let h = Huber::new(1.0);
        // d = 0.5 → 0.125; d = −3 → 1·(3 − 0.5) = 2.5; mean over 2 outputs.
        assert_eq!(h.loss(&[0.5f64, -3.0], &[0.0, 0.0]), (0.125 + 2.5) / 2.0);
        let mut g = [0.0f64; 2];
        h.gradient(&[0.5, -3.0], &[0.0, 0.0], &mut g);
        assert_eq!(g, [0.25, -0.5]);
        // At |d| = δ both branches meet: δ²/2.
        assert_eq!(Huber::new(2.0).loss(&[2.0f64], &[0.0]), 2.0);
    }

    #[test]
    fn cross_entropy_from_logits_is_stable_and_matches_softmax() {
        let z = [1000.0f32, -1000.0, 0.0];
        let y = [0.0f32, 1.0, 0.0];
        let l = Loss::<f32, Identity>::value(&CrossEntropy, &z, &z, &y);
        assert_eq!(l, 2000.0);
        let mut d = [0.0f32; 3];
        Loss::<f32, Identity>::delta(&CrossEntropy, &Identity, &z, &z, &y, &mut d);
        assert_eq!(d, [1.0, -1.0, 0.0]);
        let z = [-1000.0f64, -1000.0];
        let l = Loss::<f64, Identity>::value(&CrossEntropy, &z, &z, &[1.0, 0.0]);
        assert!((l - 2.0f64.ln()).abs() < 1e-12, "{l}");
        // Same value and δ as softmax + cross-entropy on moderate logits.
        let z = [0.3f64, -1.2, 2.0];
        let y = [0.1f64, 0.6, 0.3];
        let mut a = [0.0; 3];
        Softmax.forward(&z, &mut a);
        let (mut d1, mut d2) = ([0.0; 3], [0.0; 3]);
        Loss::<f64, Identity>::delta(&CrossEntropy, &Identity, &z, &z, &y, &mut d1);
        Loss::<f64, Softmax>::delta(&CrossEntropy, &Softmax, &z, &a, &y, &mut d2);
        assert_eq!(
            Loss::<f64, Identity>::value(&CrossEntropy, &z, &z, &y),
            Loss::<f64, Softmax>::value(&CrossEntropy, &z, &a, &y)
        );
        for (p, q) in d1.iter().zip(&d2) {
            assert!((p - q).abs() < 1e-15);
        }
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
        let l = Loss::<f32, Softmax>::value(&CrossEntropy, &z, &a, &[0.0, 1.0, 0.0]);
        assert_eq!(l, 2000.0);
        assert_eq!(
            Loss::<f32, Softmax>::value(&CrossEntropy, &z, &a, &[1.0, 0.0, 0.0]),
            0.0
        );
    }

    #[test]
    fn log_sum_exp_values() {
        assert!((log_sum_exp(&[0.0f64, 0.0]) - 2.0f64.ln()).abs() < 1e-15);
        assert_eq!(log_sum_exp(&[1000.0f32, 1000.0]), 1000.0 + 2.0f32.ln());
    }
}
