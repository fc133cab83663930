//! Activation functions and their derivatives.
//!
//! Each activation is a small `Copy` value (a unit struct, or [`LeakyRelu`] with its slope) that
//! a [`Dense`](crate::Dense) layer stores beside its parameters. Element-wise activations
//! implement [`Elementwise`] (a scalar function and its derivative) and get [`Activation`] from
//! it; [`Softmax`], which couples its outputs, implements [`Activation`] directly.

use crate::kernels::dispatch::Isa;
use crate::layers::init::Init;
use crate::scalar::Float;
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

    /// [`forward`](Self::forward) inside a forward pass compiled for the instruction set `s`
    /// ([`kernels::dispatch`](crate::kernels::dispatch)): the same results, but for `tanh`
    /// and `sigmoid`, whose vector code runs there at every width (within 2 ulps).
    #[inline(always)]
    fn forward_isa<T: Float, S: Isa>(&self, s: S, z: &[T], a: &mut [T]) {
        let _ = s;
        self.forward(z, a);
    }
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

    /// `a[i] = f(z[i])` over a layer (both slices of its width): [`apply`](Self::apply) lane
    /// by lane unless the activation has a vector version.
    #[inline(always)]
    fn apply_layer<T: Float>(&self, z: &[T], a: &mut [T]) {
        for (a, &z) in a.iter_mut().zip(z) {
            *a = self.apply(z);
        }
    }

    /// [`apply_layer`](Self::apply_layer) in a forward pass compiled for `s`, through `s`'s
    /// vector lanes where the activation has a vector version.
    #[inline(always)]
    fn apply_layer_isa<T: Float, S: Isa>(&self, s: S, z: &[T], a: &mut [T]) {
        let _ = s;
        self.apply_layer(z, a);
    }
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
        self.apply_layer(z, a);
    }

    #[inline]
    fn backward<T: Float>(&self, z: &[T], a: &[T], grad: &mut [T]) {
        debug_assert!(z.len() == a.len() && a.len() == grad.len());
        for ((g, &z), &a) in grad.iter_mut().zip(z).zip(a) {
            *g *= self.derivative(z, a);
        }
    }

    #[inline(always)]
    fn forward_isa<T: Float, S: Isa>(&self, s: S, z: &[T], a: &mut [T]) {
        debug_assert_eq!(z.len(), a.len());
        self.apply_layer_isa(s, z, a);
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
        // e^(−|z|) never overflows; pick the form whose denominator stays ≥ 1. Choosing the
        // numerator first leaves one division, and a select LLVM vectorises over a layer.
        let e = (-z.abs()).act_exp();
        let num = if z >= T::zero() { T::one() } else { e };
        num / (T::one() + e)
    }

    #[inline(always)]
    fn derivative<T: Float>(&self, _z: T, a: T) -> T {
        a * (T::one() - a)
    }

    /// `f32` layers of 32 or more take 8 or 16 lanes at a time where the CPU has AVX2 or
    /// AVX-512 (`kernels::act_simd`), within 2 ulps of the correctly rounded
    /// result, not always [`apply`](Self::apply)'s bits.
    #[inline(always)]
    fn apply_layer<T: Float>(&self, z: &[T], a: &mut [T]) {
        if !crate::kernels::sigmoid_layer(z, a) {
            for (a, &z) in a.iter_mut().zip(z) {
                *a = self.apply(z);
            }
        }
    }

    #[inline(always)]
    fn apply_layer_isa<T: Float, S: Isa>(&self, s: S, z: &[T], a: &mut [T]) {
        if !s.sigmoid(z, a) {
            self.apply_layer(z, a);
        }
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

    /// `f32` layers of 32 or more take 8 or 16 lanes at a time where the CPU has AVX2 or
    /// AVX-512 (`kernels::act_simd`), within 2 ulps of the correctly rounded
    /// result, not always [`apply`](Self::apply)'s bits.
    #[inline(always)]
    fn apply_layer<T: Float>(&self, z: &[T], a: &mut [T]) {
        if !crate::kernels::tanh_layer(z, a) {
            for (a, &z) in a.iter_mut().zip(z) {
                *a = self.apply(z);
            }
        }
    }

    #[inline(always)]
    fn apply_layer_isa<T: Float, S: Isa>(&self, s: S, z: &[T], a: &mut [T]) {
        if !s.tanh(z, a) {
            self.apply_layer(z, a);
        }
    }
}

/// He/Kaiming init for the ReLU-like activations below (`gelu`, `silu`, `elu`, `softplus`):
/// each is ≈ `z` for large `z` and ≈ 0 (or a small negative bound) for negative `z`, so it
/// halves the variance much as `relu` does.
const RELU_LIKE: Init = Init::HeUniform {
    negative_slope: 0.0,
};

/// `1/√2`.
const FRAC_1_SQRT_2: f64 = core::f64::consts::FRAC_1_SQRT_2;
/// `1/√(2π)`, the standard normal density at 0.
const FRAC_1_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

/// The GELU, exact form: `f(z) = z·Φ(z) = z·(1 + erf(z/√2))/2`, with `Φ` the standard normal
/// distribution function (PyTorch's `GELU()`, `approximate='none'`).
/// `f′(z) = Φ(z) + z·φ(z)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Gelu;

impl Elementwise for Gelu {
    const NAME: &'static str = "gelu";

    fn init(&self) -> Init {
        RELU_LIKE
    }

    #[inline(always)]
    fn apply<T: Float>(&self, z: T) -> T {
        T::cast(0.5) * z * (T::one() + (z * T::cast(FRAC_1_SQRT_2)).erf())
    }

    #[inline(always)]
    fn derivative<T: Float>(&self, z: T, _a: T) -> T {
        let cdf = T::cast(0.5) * (T::one() + (z * T::cast(FRAC_1_SQRT_2)).erf());
        let pdf = T::cast(FRAC_1_SQRT_2PI) * (T::cast(-0.5) * z * z).exp();
        cdf + z * pdf
    }
}

/// The GELU, tanh approximation: `f(z) = z·(1 + tanh(u))/2` with
/// `u = √(2/π)·(z + 0.044715·z³)` (PyTorch's `GELU(approximate='tanh')`, GPT-2's `gelu_new`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct GeluTanh;

impl GeluTanh {
    const SQRT_2_OVER_PI: f64 = 0.797_884_560_802_865_4;
    const CUBIC: f64 = 0.044_715;
}

impl Elementwise for GeluTanh {
    const NAME: &'static str = "gelu_tanh";

    fn init(&self) -> Init {
        RELU_LIKE
    }

    #[inline(always)]
    fn apply<T: Float>(&self, z: T) -> T {
        let u = T::cast(Self::SQRT_2_OVER_PI) * (z + T::cast(Self::CUBIC) * z * z * z);
        T::cast(0.5) * z * (T::one() + u.tanh())
    }

    #[inline(always)]
    fn derivative<T: Float>(&self, z: T, _a: T) -> T {
        let c = T::cast(Self::SQRT_2_OVER_PI);
        let k = T::cast(Self::CUBIC);
        let t = (c * (z + k * z * z * z)).tanh();
        let du = c * (T::one() + T::cast(3.0) * k * z * z);
        T::cast(0.5) * (T::one() + t) + T::cast(0.5) * z * (T::one() - t * t) * du
    }
}

/// `f(z) = ln(1 + e^z)`, a smooth ReLU, computed as `max(z, 0) + ln(1 + e^(−|z|))` so it
/// neither overflows for large `z` nor loses the tail for very negative `z`.
/// `f′(z) = σ(z)`, the logistic sigmoid.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Softplus;

impl Elementwise for Softplus {
    const NAME: &'static str = "softplus";

    fn init(&self) -> Init {
        RELU_LIKE
    }

    #[inline(always)]
    fn apply<T: Float>(&self, z: T) -> T {
        z.max(T::zero()) + (-z.abs()).exp().ln_1p()
    }

    #[inline(always)]
    fn derivative<T: Float>(&self, z: T, _a: T) -> T {
        Sigmoid.apply(z)
    }
}

/// The ELU: `f(z) = z` for `z > 0`, `α·(e^z − 1)` otherwise. `elu` in the macro means `α = 1`
/// (PyTorch's default); `elu(α)` sets it. `f′(z) = 1` for `z > 0`, `f(z) + α` otherwise.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Elu {
    /// The scale `α` of the negative part, which saturates at `−α`.
    pub alpha: f64,
}

impl Elu {
    /// The `α` `elu` has when none is written.
    pub const DEFAULT_ALPHA: f64 = 1.0;

    /// An ELU saturating at `−alpha`.
    pub const fn new(alpha: f64) -> Self {
        Elu { alpha }
    }
}

impl Default for Elu {
    fn default() -> Self {
        Elu::new(Self::DEFAULT_ALPHA)
    }
}

impl Elementwise for Elu {
    const NAME: &'static str = "elu";

    fn init(&self) -> Init {
        RELU_LIKE
    }

    #[inline(always)]
    fn apply<T: Float>(&self, z: T) -> T {
        if z > T::zero() {
            z
        } else {
            T::cast(self.alpha) * z.exp_m1()
        }
    }

    #[inline(always)]
    fn derivative<T: Float>(&self, z: T, a: T) -> T {
        if z > T::zero() {
            T::one()
        } else {
            a + T::cast(self.alpha)
        }
    }
}

/// SiLU, also called swish: `f(z) = z·σ(z)`, `f′(z) = σ(z)·(1 + z·(1 − σ(z)))`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Silu;

impl Elementwise for Silu {
    const NAME: &'static str = "silu";

    fn init(&self) -> Init {
        RELU_LIKE
    }

    #[inline(always)]
    fn apply<T: Float>(&self, z: T) -> T {
        z * Sigmoid.apply(z)
    }

    #[inline(always)]
    fn derivative<T: Float>(&self, z: T, _a: T) -> T {
        let s = Sigmoid.apply(z);
        s * (T::one() + z * (T::one() - s))
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
        check_derivative(Gelu);
        check_derivative(GeluTanh);
        check_derivative(Softplus);
        check_derivative(Elu::default());
        check_derivative(Elu::new(0.5));
        check_derivative(Silu);
    }

    #[test]
    fn new_activation_values() {
        // Reference values from PyTorch's definitions, worked out in f64.
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        // gelu(1) = Φ(1) = 0.841344746068543 (standard normal table).
        assert!(close(Gelu.apply(1.0), 0.841_344_746_068_542_9));
        // gelu(−1) = −Φ(−1) = −(1 − Φ(1)).
        assert!(close(Gelu.apply(-1.0), -0.158_655_253_931_457_1));
        assert_eq!(Gelu.apply(0.0f32), 0.0);
        let u = (2.0 / core::f64::consts::PI).sqrt() * (1.0 + 0.044715);
        assert!(close(GeluTanh.apply(1.0), 0.5 * (1.0 + u.tanh())));
        assert!(close(Softplus.apply(0.0), 2.0f64.ln()));
        assert!(close(Elu::default().apply(-1.0), (-1.0f64).exp() - 1.0));
        assert!(close(
            Elu::new(2.0).apply(-1.0),
            2.0 * ((-1.0f64).exp() - 1.0)
        ));
        assert_eq!(Elu::default().apply(3.0f64), 3.0);
        assert!(close(Silu.apply(2.0), 2.0 / (1.0 + (-2.0f64).exp())));
        // The f32 erf path agrees with the f64 one.
        assert!((Gelu.apply(0.7f32) as f64 - Gelu.apply(0.7f64)).abs() < 1e-6);
    }

    #[test]
    fn smooth_activations_are_stable_at_extremes() {
        assert_eq!(Softplus.apply(1000.0f32), 1000.0);
        assert_eq!(Softplus.apply(-1000.0f32), 0.0);
        assert!(Softplus.apply(-30.0f64) > 0.0);
        assert!((Softplus.apply(-30.0f64) - (-30.0f64).exp()).abs() < 1e-25);
        assert_eq!(Gelu.apply(-1000.0f32), 0.0);
        assert_eq!(Gelu.apply(1000.0f32), 1000.0);
        assert_eq!(GeluTanh.apply(1000.0f32), 1000.0);
        assert_eq!(Silu.apply(-1000.0f32), 0.0);
        assert_eq!(Silu.apply(1000.0f32), 1000.0);
        assert_eq!(Elu::default().apply(-1000.0f32), -1.0);
        for z in [-1000.0f32, -50.0, 50.0, 1000.0] {
            for d in [
                Gelu.derivative(z, Gelu.apply(z)),
                GeluTanh.derivative(z, GeluTanh.apply(z)),
                Softplus.derivative(z, Softplus.apply(z)),
                Silu.derivative(z, Silu.apply(z)),
                Elu::default().derivative(z, Elu::default().apply(z)),
            ] {
                assert!(d.is_finite(), "derivative at {z}: {d}");
            }
        }
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
