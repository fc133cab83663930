//! The dense (fully connected) layer: `z = W·x + b`, `a = f(z)`, and its gradients.

use crate::activation::Activation;
use crate::float::Float;
use crate::init::Rng;

/// A fully connected layer with `IN` inputs, `OUT` outputs and activation `A`.
///
/// `weight[j][i]` connects input `i` to output neuron `j`: one row per output neuron, the layout
/// of PyTorch's `nn.Linear.weight`, so `z = W·x + b` is a dot product per row.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dense<T, const IN: usize, const OUT: usize, A> {
    /// Weights, `OUT` rows of `IN`.
    pub weight: [[T; IN]; OUT],
    /// Biases, one per output neuron.
    pub bias: [T; OUT],
    /// The activation applied to `z`.
    pub activation: A,
}

/// What a layer's forward pass leaves for backpropagation: `z` and `a = f(z)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LayerTrace<T, const N: usize> {
    /// The pre-activation `z = W·x + b`.
    pub z: [T; N],
    /// The activation `a = f(z)`, the layer's output.
    pub a: [T; N],
}

/// `∂L/∂W` and `∂L/∂b` of one [`Dense`] layer, in the same shapes as its parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DenseGradients<T, const IN: usize, const OUT: usize> {
    /// `∂L/∂W`: `weight[j][i] = Σ δⱼ · xᵢ` over the samples seen.
    pub weight: [[T; IN]; OUT],
    /// `∂L/∂b`: `bias[j] = Σ δⱼ` over the samples seen, since `∂zⱼ/∂bⱼ = 1`.
    pub bias: [T; OUT],
}

impl<T: Float, const IN: usize, const OUT: usize, A: Activation> Dense<T, IN, OUT, A> {
    /// Number of parameters: `IN · OUT` weights plus `OUT` biases.
    pub const PARAMS: usize = IN * OUT + OUT;

    /// A layer whose weights and biases are all zero.
    pub fn zeroed(activation: A) -> Self {
        Dense {
            weight: [[T::zero(); IN]; OUT],
            bias: [T::zero(); OUT],
            activation,
        }
    }

    /// A layer with weights drawn from `rng` by the activation's [`Init`](crate::Init) scheme
    /// (row by row) and zero biases.
    pub fn init(activation: A, rng: &mut Rng) -> Self {
        let mut layer = Self::zeroed(activation);
        let b = activation.init().bound(IN, OUT);
        for w in layer.weight.as_flattened_mut() {
            *w = rng.uniform(-b, b);
        }
        layer
    }

    /// The pre-activation `z = W·x + b`.
    #[inline]
    pub fn preactivation(&self, x: &[T; IN]) -> [T; OUT] {
        let mut z = self.bias;
        for (z, row) in z.iter_mut().zip(&self.weight) {
            *z += dot(row, x);
        }
        z
    }

    /// The layer's output `a = f(W·x + b)`.
    #[inline]
    pub fn forward(&self, x: &[T; IN]) -> [T; OUT] {
        let z = self.preactivation(x);
        let mut a = [T::zero(); OUT];
        self.activation.forward(&z, &mut a);
        a
    }

    /// The forward pass, keeping `z` and `a` for [`backward`](Self::input_gradient).
    #[inline]
    pub fn forward_trace(&self, x: &[T; IN]) -> LayerTrace<T, OUT> {
        let z = self.preactivation(x);
        let mut a = [T::zero(); OUT];
        self.activation.forward(&z, &mut a);
        LayerTrace { z, a }
    }

    /// `∂L/∂x = Wᵀ·δ`: the gradient with respect to this layer's input, given `δ = ∂L/∂z`.
    #[inline]
    pub fn input_gradient(&self, delta: &[T; OUT]) -> [T; IN] {
        // Row-wise axpy (gx += δⱼ · Wⱼ) walks W in memory order.
        let mut gx = [T::zero(); IN];
        for (row, &d) in self.weight.iter().zip(delta) {
            for (g, &w) in gx.iter_mut().zip(row) {
                *g += d * w;
            }
        }
        gx
    }

    /// Back-propagates `δ = ∂L/∂z` of this layer into `δ` of the layer below it, whose trace is
    /// `below` and whose activation is `act`: `δ_below = f′(z_below) ⊙ (Wᵀ·δ)`.
    #[inline]
    pub fn delta_below<B: Activation>(
        &self,
        delta: &[T; OUT],
        act: &B,
        below: &LayerTrace<T, IN>,
    ) -> [T; IN] {
        let mut grad = self.input_gradient(delta);
        act.backward(&below.z, &below.a, &mut grad);
        grad
    }
}

impl<T: Float, const IN: usize, const OUT: usize> DenseGradients<T, IN, OUT> {
    /// All-zero gradients.
    pub fn zeroed() -> Self {
        DenseGradients {
            weight: [[T::zero(); IN]; OUT],
            bias: [T::zero(); OUT],
        }
    }

    /// Adds one sample's gradients, given the layer's input `x` and `δ = ∂L/∂z`:
    /// `∂L/∂b += δ` and `∂L/∂W += δ ⊗ x`.
    #[inline]
    pub fn accumulate(&mut self, x: &[T; IN], delta: &[T; OUT]) {
        for ((row, b), &d) in self.weight.iter_mut().zip(&mut self.bias).zip(delta) {
            *b += d;
            for (w, &xi) in row.iter_mut().zip(x) {
                *w += d * xi;
            }
        }
    }
}

impl<T: Float, const IN: usize, const OUT: usize> Default for DenseGradients<T, IN, OUT> {
    fn default() -> Self {
        Self::zeroed()
    }
}

impl<T: Float, const IN: usize, const OUT: usize, A: Activation> Default for Dense<T, IN, OUT, A> {
    fn default() -> Self {
        Self::zeroed(A::default())
    }
}

impl<T: Float, const N: usize> LayerTrace<T, N> {
    /// A trace of zeros.
    pub fn zeroed() -> Self {
        LayerTrace {
            z: [T::zero(); N],
            a: [T::zero(); N],
        }
    }
}

impl<T: Float, const N: usize> Default for LayerTrace<T, N> {
    fn default() -> Self {
        Self::zeroed()
    }
}

/// `Σ aᵢ·bᵢ` with four independent accumulators, so the additions pipeline and vectorise.
#[inline]
pub fn dot<T: Float>(a: &[T], b: &[T]) -> T {
    debug_assert_eq!(a.len(), b.len());
    let mut acc = [T::zero(); 4];
    let (ac, ar) = a.as_chunks::<4>();
    let (bc, br) = b.as_chunks::<4>();
    for (x, y) in ac.iter().zip(bc) {
        for k in 0..4 {
            acc[k] += x[k] * y[k];
        }
    }
    let mut tail = T::zero();
    for (&x, &y) in ar.iter().zip(br) {
        tail += x * y;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::{Identity, Relu, Tanh};

    fn layer() -> Dense<f64, 3, 2, Identity> {
        Dense {
            weight: [[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]],
            bias: [0.5, -0.25],
            activation: Identity,
        }
    }

    #[test]
    fn forward_is_wx_plus_b() {
        assert_eq!(
            layer().forward(&[1.0, 1.0, 2.0]),
            [1.0 + 2.0 + 6.0 + 0.5, -1.0 + 0.5 - 0.25]
        );
    }

    #[test]
    fn input_gradient_is_w_transpose_delta() {
        assert_eq!(
            layer().input_gradient(&[2.0, -4.0]),
            [2.0 + 4.0, 4.0 - 2.0, 6.0]
        );
    }

    #[test]
    fn accumulate_adds_outer_product_and_delta() {
        let mut g = DenseGradients::<f64, 3, 2>::zeroed();
        g.accumulate(&[1.0, 2.0, 3.0], &[0.5, -1.0]);
        g.accumulate(&[1.0, 0.0, 0.0], &[1.0, 1.0]);
        assert_eq!(g.weight, [[1.5, 1.0, 1.5], [0.0, -2.0, -3.0]]);
        assert_eq!(g.bias, [1.5, 0.0]);
    }

    #[test]
    fn delta_below_applies_the_derivative_below() {
        let l = layer();
        let below = LayerTrace {
            z: [1.0, -1.0, 2.0],
            a: [1.0, 0.0, 2.0],
        };
        assert_eq!(l.delta_below(&[2.0, -4.0], &Relu, &below), [6.0, 0.0, 6.0]);
    }

    #[test]
    fn dot_handles_every_tail_length() {
        for n in 0..11 {
            let a: [f64; 10] = core::array::from_fn(|i| i as f64 + 1.0);
            let b: [f64; 10] = core::array::from_fn(|i| 2.0 - i as f64);
            let want: f64 = a[..n].iter().zip(&b[..n]).map(|(x, y)| x * y).sum();
            assert_eq!(dot(&a[..n], &b[..n]), want);
        }
    }

    #[test]
    fn init_respects_the_bound_and_zeroes_bias() {
        let mut rng = Rng::new(9);
        let l = Dense::<f32, 20, 10, Tanh>::init(Tanh, &mut rng);
        let b = (6.0f64 / 30.0).sqrt() as f32;
        assert!(l.weight.as_flattened().iter().all(|w| w.abs() <= b));
        assert!(l.weight.as_flattened().iter().any(|w| w.abs() > 0.8 * b));
        assert_eq!(l.bias, [0.0; 10]);
    }
}
