//! Activation functions and their derivatives.
//!
//! Each activation is a small `Copy` value (a unit struct, or [`LeakyRelu`] with its slope) that
//! a [`Dense`](crate::Dense) layer stores beside its parameters. Element-wise activations
//! implement [`Elementwise`] (a scalar function and its derivative) and get [`Activation`] from
//! it; [`Softmax`], which couples its outputs, implements [`Activation`] directly.

use crate::float::Float;
use crate::init::Init;
use core::fmt::Debug;

/// A layer's activation function `a = f(z)`, applied to a whole layer.
pub trait Activation: Copy + Debug + PartialEq + Default {
    /// The name the `network!` macro knows it by (`"relu"`, `"tanh"`, ...).
    fn name(&self) -> &'static str;

    /// How [`Dense::init`](crate::Dense::init) draws the weights of a layer with this activation.
    fn init(&self) -> Init;

    /// Computes `a = f(z)`. Both slices have the layer's width.
    fn forward<T: Float>(&self, z: &[T], a: &mut [T]);

    /// Chain rule through the activation, in place: `grad` holds `∂L/∂a` on entry and
    /// `∂L/∂z = J_f(z)ᵀ · ∂L/∂a` on return (for an element-wise `f`, `f′(z) ⊙ ∂L/∂a`).
    /// `a` is `f(z)`, passed so derivatives can reuse it.
    fn backward<T: Float>(&self, z: &[T], a: &[T], grad: &mut [T]);
}

/// An activation that acts on each neuron alone: `aᵢ = f(zᵢ)`.
pub trait Elementwise: Copy + Debug + PartialEq + Default {
    /// The name the `network!` macro knows it by.
    const NAME: &'static str;

    /// How weights feeding this activation are initialised.
    fn init(&self) -> Init;

    /// `f(z)`.
    fn apply<T: Float>(&self, z: T) -> T;

    /// `f′(z)`, given both `z` and `a = f(z)` so that each function uses the cheaper one
    /// (`σ′ = a(1 − a)`, `tanh′ = 1 − a²`).
    fn derivative<T: Float>(&self, z: T, a: T) -> T;
}

impl<E: Elementwise> Activation for E {
    #[inline]
    fn name(&self) -> &'static str {
        E::NAME
    }

    #[inline]
    fn init(&self) -> Init {
        Elementwise::init(self)
    }

    #[inline]
    fn forward<T: Float>(&self, z: &[T], a: &mut [T]) {
        debug_assert_eq!(z.len(), a.len());
        for (a, &z) in a.iter_mut().zip(z) {
            *a = self.apply(z);
        }
    }

    #[inline]
    fn backward<T: Float>(&self, z: &[T], a: &[T], grad: &mut [T]) {
        debug_assert!(z.len() == a.len() && a.len() == grad.len());
        for ((g, &z), &a) in grad.iter_mut().zip(z).zip(a) {
            *g *= self.derivative(z, a);
        }
    }
}

/// `f(z) = z`: a linear layer (regression outputs, logits).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Identity;

impl Elementwise for Identity {
    const NAME: &'static str = "identity";

    fn init(&self) -> Init {
        Init::GlorotUniform
    }

    #[inline(always)]
    fn apply<T: Float>(&self, z: T) -> T {
        z
    }

    #[inline(always)]
    fn derivative<T: Float>(&self, _z: T, _a: T) -> T {
        T::one()
    }
}

/// `f(z) = max(0, z)`. The derivative at 0 is taken as 0, as in PyTorch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Relu;

impl Elementwise for Relu {
    const NAME: &'static str = "relu";

    fn init(&self) -> Init {
        Init::HeUniform {
            negative_slope: 0.0,
        }
    }

    #[inline(always)]
    fn apply<T: Float>(&self, z: T) -> T {
        if z > T::zero() { z } else { T::zero() }
    }

    #[inline(always)]
    fn derivative<T: Float>(&self, z: T, _a: T) -> T {
        if z > T::zero() { T::one() } else { T::zero() }
    }
}

/// `f(z) = z` for `z > 0`, `α·z` otherwise. `leaky_relu` in the macro means `α = 0.01`
/// (PyTorch's default); `leaky_relu(α)` sets it. The derivative at 0 is taken as `α`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LeakyRelu {
    /// The slope `α` for negative inputs.
    pub alpha: f64,
}

impl LeakyRelu {
    /// The slope `leaky_relu` has when none is written.
    pub const DEFAULT_ALPHA: f64 = 0.01;

    /// A leaky ReLU with slope `alpha` for negative inputs.
    pub const fn new(alpha: f64) -> Self {
        LeakyRelu { alpha }
    }
}

impl Default for LeakyRelu {
    fn default() -> Self {
        LeakyRelu::new(Self::DEFAULT_ALPHA)
    }
}

impl Elementwise for LeakyRelu {
    const NAME: &'static str = "leaky_relu";

    fn init(&self) -> Init {
        Init::HeUniform {
            negative_slope: self.alpha,
        }
    }

    #[inline(always)]
    fn apply<T: Float>(&self, z: T) -> T {
        if z > T::zero() {
            z
        } else {
            z * T::cast(self.alpha)
        }
    }

    #[inline(always)]
    fn derivative<T: Float>(&self, z: T, _a: T) -> T {
        if z > T::zero() {
            T::one()
        } else {
            T::cast(self.alpha)
        }
    }
}

/// `f(z) = 1 / (1 + e^(−z))`, computed without overflow for any `z`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Sigmoid;

impl Elementwise for Sigmoid {
    const NAME: &'static str = "sigmoid";

    fn init(&self) -> Init {
        Init::GlorotUniform
    }

    #[inline(always)]
    fn apply<T: Float>(&self, z: T) -> T {
        // e^(−|z|) never overflows; pick the form whose denominator stays ≥ 1.
        let e = (-z.abs()).act_exp();
        if z >= T::zero() {
            T::one() / (T::one() + e)
        } else {
            e / (T::one() + e)
        }
    }

    #[inline(always)]
    fn derivative<T: Float>(&self, _z: T, a: T) -> T {
        a * (T::one() - a)
    }
}

/// `f(z) = tanh(z)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Tanh;

impl Elementwise for Tanh {
    const NAME: &'static str = "tanh";

    fn init(&self) -> Init {
        Init::GlorotUniform
    }

    #[inline(always)]
    fn apply<T: Float>(&self, z: T) -> T {
        z.act_tanh()
    }

    #[inline(always)]
    fn derivative<T: Float>(&self, _z: T, a: T) -> T {
        T::one() - a * a
    }
}

/// `aᵢ = e^(zᵢ) / Σⱼ e^(zⱼ)`: a probability distribution over the layer's outputs.
///
/// The `network!` macro only allows it on the last layer. Paired with
/// [`CrossEntropy`](crate::CrossEntropy) the output gradient is the fused, stable `ŷ − y`;
/// with any other loss, [`backward`](Activation::backward) applies the full Jacobian.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Softmax;

impl Activation for Softmax {
    fn name(&self) -> &'static str {
        "softmax"
    }

    fn init(&self) -> Init {
        Init::GlorotUniform
    }

    #[inline]
    fn forward<T: Float>(&self, z: &[T], a: &mut [T]) {
        debug_assert_eq!(z.len(), a.len());
        // Shifting by the maximum keeps every exponent ≤ 0: no overflow, same result.
        let max = z.iter().fold(T::neg_infinity(), |m, &v| m.max(v));
        let mut sum = T::zero();
        for (a, &z) in a.iter_mut().zip(z) {
            *a = (z - max).act_exp();
            sum += *a;
        }
        let inv = T::one() / sum;
        for a in a.iter_mut() {
            *a *= inv;
        }
    }

    #[inline]
    fn backward<T: Float>(&self, _z: &[T], a: &[T], grad: &mut [T]) {
        // ∂aᵢ/∂zⱼ = aᵢ(δᵢⱼ − aⱼ), so (Jᵀg)ⱼ = aⱼ(gⱼ − Σᵢ gᵢaᵢ).
        let dot: T = a.iter().zip(grad.iter()).map(|(&a, &g)| a * g).sum();
        for (g, &a) in grad.iter_mut().zip(a) {
            *g = a * (*g - dot);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Central difference of `f` at `z`.
    fn numeric<E: Elementwise>(act: E, z: f64) -> f64 {
        let h = 1e-6;
        (act.apply(z + h) - act.apply(z - h)) / (2.0 * h)
    }

    fn check_derivative<E: Elementwise>(act: E) {
        // Points away from the kinks of relu and leaky_relu, where no derivative exists.
        for &z in &[-3.0, -1.3, -0.4, -0.05, 0.07, 0.5, 1.1, 2.9] {
            let a = act.apply(z);
            let analytic = act.derivative(z, a);
            let fd = numeric(act, z);
            assert!(
                (analytic - fd).abs() <= 1e-8 * (1.0 + fd.abs()),
                "{}: f'({z}) = {analytic}, finite differences say {fd}",
                E::NAME
            );
        }
    }

    #[test]
    fn derivatives_match_finite_differences() {
        check_derivative(Identity);
        check_derivative(Relu);
        check_derivative(LeakyRelu::default());
        check_derivative(LeakyRelu::new(0.3));
        check_derivative(Sigmoid);
        check_derivative(Tanh);
    }

    #[test]
    fn values() {
        assert_eq!(Relu.apply(-2.0f32), 0.0);
        assert_eq!(Relu.apply(2.0f32), 2.0);
        assert_eq!(LeakyRelu::default().apply(-2.0f64), -0.02);
        assert_eq!(LeakyRelu::new(0.2).apply(-1.0f64), -0.2);
        assert_eq!(Sigmoid.apply(0.0f64), 0.5);
        assert!((Tanh.apply(0.5f64) - 0.5f64.tanh()).abs() < 1e-15);
    }

    #[test]
    fn sigmoid_is_stable_at_extremes() {
        assert_eq!(Sigmoid.apply(1000.0f32), 1.0);
        assert_eq!(Sigmoid.apply(-1000.0f32), 0.0);
        assert!(Sigmoid.apply(-80.0f32) > 0.0);
        assert!(Sigmoid.apply(-80.0f64).is_finite());
        assert!((Sigmoid.apply(-3.0f64) - 1.0 / (1.0 + 3.0f64.exp())).abs() < 1e-16);
    }

    #[test]
    fn softmax_sums_to_one_and_is_stable() {
        let z = [1000.0f32, 999.0, -1000.0];
        let mut a = [0.0; 3];
        Softmax.forward(&z, &mut a);
        assert!(a.iter().all(|v| v.is_finite()));
        assert!((a.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!((a[0] / a[1] - core::f32::consts::E).abs() < 1e-4);
    }

    #[test]
    fn softmax_backward_matches_finite_differences() {
        let z = [0.3f64, -1.2, 2.0, 0.0];
        let g = [0.7f64, -0.1, 0.4, 1.3];
        let mut a = [0.0; 4];
        Softmax.forward(&z, &mut a);
        let mut gz = g;
        Softmax.backward(&z, &a, &mut gz);
        // L(z) = g · softmax(z); its gradient is Jᵀg.
        let l = |z: &[f64; 4]| {
            let mut a = [0.0; 4];
            Softmax.forward(z, &mut a);
            a.iter().zip(&g).map(|(a, g)| a * g).sum::<f64>()
        };
        for j in 0..4 {
            let (mut p, mut m) = (z, z);
            p[j] += 1e-6;
            m[j] -= 1e-6;
            let fd = (l(&p) - l(&m)) / 2e-6;
            assert!(
                (gz[j] - fd).abs() < 1e-9,
                "component {j}: {} vs {fd}",
                gz[j]
            );
        }
    }

    #[test]
    fn names() {
        assert_eq!(Activation::name(&Relu), "relu");
        assert_eq!(Activation::name(&LeakyRelu::default()), "leaky_relu");
        assert_eq!(Softmax.name(), "softmax");
    }
}
