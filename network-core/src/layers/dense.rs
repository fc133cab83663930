//! The dense (fully connected) layer: `z = W·x + b`, `a = f(z)`, and its gradients.

use crate::kernels;
use crate::kernels::dispatch::{Isa, Portable};
pub use crate::kernels::dot;
use crate::layers::activation::Activation;
use crate::layers::frozen::{Freeze, FrozenLayer};
use crate::layers::init::Rng;
use crate::layers::{Layer, LayerGradients, TraceOutput};
use crate::scalar::Float;

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

    /// Re-initialises the layer in place exactly as [`init`](Self::init) would build it
    /// (same draws from `rng`), without a temporary copy of the layer.
    pub fn init_in_place(&mut self, rng: &mut Rng) {
        let b = self.activation.init().bound(IN, OUT);
        for w in self.weight.as_flattened_mut() {
            *w = rng.uniform(-b, b);
        }
        self.bias = [T::zero(); OUT];
    }

    /// The pre-activation `z = W·x + b`.
    #[inline]
    pub fn preactivation(&self, x: &[T; IN]) -> [T; OUT] {
        let mut z = self.bias;
        kernels::add_xwt(x, self.weight.as_flattened(), IN, &mut z);
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

    /// [`forward`](Self::forward) inside a forward pass compiled for the instruction set `s`
    /// ([`kernels::dispatch`]): the same results, the activation in `s`'s vector lanes.
    #[inline(always)]
    pub fn forward_isa<S: Isa>(&self, s: S, x: &[T; IN]) -> [T; OUT] {
        let mut z = self.bias;
        let w = self.weight.as_flattened();
        if !s.add_wx(w, x, &mut z) {
            kernels::add_xwt(x, w, IN, &mut z);
        }
        let mut a = [T::zero(); OUT];
        self.activation.forward_isa(s, &z, &mut a);
        a
    }

    /// [`forward_trace`](Self::forward_trace) inside a forward pass compiled for `s`, as
    /// [`forward_isa`](Self::forward_isa): the same results.
    #[inline(always)]
    pub fn forward_trace_isa<S: Isa>(&self, s: S, x: &[T; IN]) -> LayerTrace<T, OUT> {
        let mut z = self.bias;
        let w = self.weight.as_flattened();
        if !s.add_wx(w, x, &mut z) {
            kernels::add_xwt(x, w, IN, &mut z);
        }
        let mut a = [T::zero(); OUT];
        self.activation.forward_isa(s, &z, &mut a);
        LayerTrace { z, a }
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
        kernels::add_wt_delta(
            T::one(),
            delta,
            OUT,
            self.weight.as_flattened(),
            IN,
            &mut gx,
        );
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

    /// The SGD update of one sample, applied in place without materialising the gradient:
    /// `W −= lr · δ ⊗ x`, `b −= lr · δ`. With the portable kernels it rounds exactly as
    /// computing the gradient and then `p −= lr·g` does.
    #[inline]
    pub fn sgd_update(&mut self, x: &[T; IN], delta: &[T; OUT], lr: T) {
        kernels::add_outer(-lr, delta, OUT, x, IN, self.weight.as_flattened_mut());
        for (b, &d) in self.bias.iter_mut().zip(delta) {
            *b -= lr * d;
        }
    }

    /// The forward pass of a mini-batch: row `s` of `z` and `a` gets sample `x[s]`'s
    /// pre-activation and activation. All three slices have the same length.
    #[inline]
    pub fn forward_batch(&self, x: &[[T; IN]], z: &mut [[T; OUT]], a: &mut [[T; OUT]]) {
        debug_assert!(x.len() == z.len() && z.len() == a.len());
        z.fill(self.bias);
        kernels::add_xwt(
            x.as_flattened(),
            self.weight.as_flattened(),
            IN,
            z.as_flattened_mut(),
        );
        for (z, a) in z.iter().zip(a.iter_mut()) {
            self.activation.forward(z, a);
        }
    }

    /// Back-propagates a mini-batch of `δ` into the layer below: row `s` of `out` becomes
    /// `f′(z_below[s]) ⊙ (Wᵀ·δ[s])`, as [`delta_below`](Self::delta_below) does per sample.
    #[inline]
    pub fn delta_below_batch<B: Activation>(
        &self,
        delta: &[[T; OUT]],
        act: &B,
        z_below: &[[T; IN]],
        a_below: &[[T; IN]],
        out: &mut [[T; IN]],
    ) {
        Layer::input_gradient_batch(self, delta, out);
        for ((g, z), a) in out.iter_mut().zip(z_below).zip(a_below) {
            act.backward(z, a, g);
        }
    }

    /// The SGD update of a mini-batch without materialising the gradient:
    /// `W −= scale · Σₛ δₛ ⊗ xₛ`, `b −= scale · Σₛ δₛ` (`scale` is `lr / batch` for the mean).
    #[inline]
    pub fn sgd_update_batch(&mut self, x: &[[T; IN]], delta: &[[T; OUT]], scale: T) {
        debug_assert_eq!(x.len(), delta.len());
        kernels::add_outer(
            -scale,
            delta.as_flattened(),
            OUT,
            x.as_flattened(),
            IN,
            self.weight.as_flattened_mut(),
        );
        for (j, b) in self.bias.iter_mut().enumerate() {
            let sum = delta.iter().fold(T::zero(), |s, d| s + d[j]);
            *b -= scale * sum;
        }
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
        kernels::add_outer(T::one(), delta, OUT, x, IN, self.weight.as_flattened_mut());
        for (b, &d) in self.bias.iter_mut().zip(delta) {
            *b += d;
        }
    }

    /// Adds a mini-batch's gradients: `∂L/∂W += Σₛ δₛ ⊗ xₛ`, `∂L/∂b += Σₛ δₛ`.
    #[inline]
    pub fn accumulate_batch(&mut self, x: &[[T; IN]], delta: &[[T; OUT]]) {
        debug_assert_eq!(x.len(), delta.len());
        kernels::add_outer(
            T::one(),
            delta.as_flattened(),
            OUT,
            x.as_flattened(),
            IN,
            self.weight.as_flattened_mut(),
        );
        for d in delta {
            for (b, &d) in self.bias.iter_mut().zip(d) {
                *b += d;
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

impl<T: Float, const IN: usize, const OUT: usize, A: Activation> Layer<T> for Dense<T, IN, OUT, A> {
    const KIND: &'static str = "dense";
    const INPUTS: usize = IN;
    const OUTPUTS: usize = OUT;
    const PARAMS: usize = IN * OUT + OUT;
    const TENSOR_NAMES: &'static [&'static str] = &["weight", "bias"];
    const TENSOR_SHAPES: &'static [&'static [usize]] = &[&[OUT, IN], &[OUT]];

    type Config = A;
    type Input = [T; IN];
    type Output = [T; OUT];
    type Trace = LayerTrace<T, OUT>;
    type Pre = [T; OUT];
    type Gradients = DenseGradients<T, IN, OUT>;
    type Activation = A;

    fn zeroed(activation: A) -> Self {
        Dense::zeroed(activation)
    }

    fn init(activation: A, rng: &mut Rng) -> Self {
        Dense::init(activation, rng)
    }

    fn init_in_place(&mut self, rng: &mut Rng) {
        Dense::init_in_place(self, rng)
    }

    #[inline]
    fn tensor(&self, i: usize) -> &[T] {
        match i {
            0 => self.weight.as_flattened(),
            1 => &self.bias,
            _ => &[],
        }
    }

    #[inline]
    fn tensor_mut(&mut self, i: usize) -> &mut [T] {
        match i {
            0 => self.weight.as_flattened_mut(),
            1 => &mut self.bias,
            _ => &mut [],
        }
    }

    #[inline(always)]
    fn activation(&self) -> &A {
        &self.activation
    }

    #[inline(always)]
    fn forward(&self, x: &[T; IN]) -> [T; OUT] {
        Dense::forward(self, x)
    }

    #[inline(always)]
    fn forward_trace(&self, x: &[T; IN]) -> LayerTrace<T, OUT> {
        Dense::forward_trace(self, x)
    }

    #[inline(always)]
    fn delta(&self, trace: &LayerTrace<T, OUT>, grad: &mut [T; OUT]) {
        self.activation.backward(&trace.z, &trace.a, grad);
    }

    #[inline(always)]
    fn input_gradient(&self, delta: &[T; OUT]) -> [T; IN] {
        Dense::input_gradient(self, delta)
    }

    #[inline(always)]
    fn accumulate(
        &self,
        grads: &mut DenseGradients<T, IN, OUT>,
        x: &[T; IN],
        _trace: &LayerTrace<T, OUT>,
        delta: &[T; OUT],
    ) {
        grads.accumulate(x, delta)
    }

    #[inline(always)]
    fn update_sgd(&mut self, x: &[T; IN], _trace: &LayerTrace<T, OUT>, delta: &[T; OUT], lr: T) {
        Dense::sgd_update(self, x, delta, lr)
    }

    #[inline(always)]
    fn forward_batch(&self, x: &[[T; IN]], pre: &mut [[T; OUT]], out: &mut [[T; OUT]]) {
        Dense::forward_batch(self, x, pre, out)
    }

    #[inline(always)]
    fn batch_za<'r>(pre: &'r [T; OUT], out: &'r [T; OUT]) -> (&'r [T], &'r [T]) {
        (pre, out)
    }

    #[inline(always)]
    fn delta_batch(&self, pre: &[[T; OUT]], out: &[[T; OUT]], grad: &mut [[T; OUT]]) {
        for ((g, z), a) in grad.iter_mut().zip(pre).zip(out) {
            self.activation.backward(z, a, g);
        }
    }

    #[inline(always)]
    fn input_gradient_batch(&self, delta: &[[T; OUT]], out: &mut [[T; IN]]) {
        out.fill([T::zero(); IN]);
        kernels::add_wt_delta(
            T::one(),
            delta.as_flattened(),
            OUT,
            self.weight.as_flattened(),
            IN,
            out.as_flattened_mut(),
        );
    }

    #[inline(always)]
    fn accumulate_batch(
        &self,
        grads: &mut DenseGradients<T, IN, OUT>,
        x: &[[T; IN]],
        _pre: &[[T; OUT]],
        delta: &[[T; OUT]],
    ) {
        grads.accumulate_batch(x, delta)
    }

    #[inline(always)]
    fn update_sgd_batch(&mut self, x: &[[T; IN]], _pre: &[[T; OUT]], delta: &[[T; OUT]], scale: T) {
        Dense::sgd_update_batch(self, x, delta, scale)
    }
}

/// A [`Dense`] layer in its inference form ([`Freeze`]): the same function, the weights held
/// column by column, so that one sample's product is one multiply-add of the whole output
/// vector per input, with no horizontal sum.
///
/// `weight_t[i][j]` connects input `i` to output neuron `j`: the transpose of
/// [`Dense::weight`]. On x86-64 the layer is aligned to 64 bytes, `weight_t` first.
///
/// ```
/// use network_core::{Dense, Freeze, Tanh};
///
/// let layer: Dense<f32, 3, 2, Tanh> = Dense {
///     weight: [[0.5, -1.0, 0.25], [1.5, 0.75, -0.5]],
///     bias: [0.1, -0.2],
///     activation: Tanh,
/// };
/// let frozen = layer.freeze();
/// assert_eq!(frozen.weight_t, [[0.5, 1.5], [-1.0, 0.75], [0.25, -0.5]]);
/// let (x, a) = ([0.3, -0.6, 0.9], layer.forward(&[0.3, -0.6, 0.9]));
/// for (f, a) in frozen.forward(&x).iter().zip(&a) {
///     assert!((f - a).abs() <= 1e-6);
/// }
/// assert_eq!(frozen.thaw(), layer);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
// On x86-64, the columns from a cache line's start (`repr(C)` keeps them first): where the
// layer lies then never splits a column's vector loads across two lines (8 -> 8 measured
// 2.6 to 3.4 ns per call from one process to the next, with the layer where the stack put
// it). Elsewhere no vector kernel reads them, and a chip's RAM keeps the padding.
#[cfg_attr(target_arch = "x86_64", repr(C, align(64)))]
#[cfg_attr(not(target_arch = "x86_64"), repr(C))]
pub struct FrozenDense<T, const IN: usize, const OUT: usize, A> {
    /// Weights, `IN` columns of `OUT`.
    pub weight_t: [[T; OUT]; IN],
    /// Biases, one per output neuron.
    pub bias: [T; OUT],
    /// The activation applied to `z`.
    pub activation: A,
}

impl<T: Float, const IN: usize, const OUT: usize, A: Activation> FrozenDense<T, IN, OUT, A> {
    /// The layer's output `a = f(W·x + b)` inside a forward pass compiled for the instruction
    /// set `s` ([`kernels::dispatch`]): [`Dense::forward_isa`]'s result within rounding (the
    /// sums run in another order).
    #[inline(always)]
    pub fn forward_isa<S: Isa>(&self, s: S, x: &[T; IN]) -> [T; OUT] {
        let mut z = self.bias;
        let wt = self.weight_t.as_flattened();
        if OUT == 1 {
            // One output: the column is the trainable layer's row, and its dot product (sums
            // side by side, one horizontal sum) beats a chain of `IN` dependent additions
            // into one lane; the same code as the trainable layer's.
            if !s.add_wx(wt, x, &mut z) {
                kernels::add_xwt(x, wt, IN, &mut z);
            }
        } else if OUT < 4 && IN >= 8 {
            // Two or three outputs fill a small part of a vector: four columns side by side
            // (64 -> 2 in 19 ns rather than 33 column by column, and 21 for the trainable
            // layer, on a Zen 4 with AVX-512).
            narrow::<T, IN, OUT, 4>(&self.weight_t, x, &mut z);
        } else if !s.add_cols(wt, x, &mut z) {
            kernels::add_cols(wt, x, &mut z);
        }
        let mut a = [T::zero(); OUT];
        self.activation.forward_isa(s, &z, &mut a);
        a
    }

    /// The layer's output `a = f(W·x + b)` in the portable code; a frozen network runs
    /// [`forward_isa`](Self::forward_isa) with the best instruction set of the CPU instead.
    #[inline]
    pub fn forward(&self, x: &[T; IN]) -> [T; OUT] {
        self.forward_isa(Portable, x)
    }

    /// The trainable layer this one was frozen from (the weights transposed back).
    pub fn thaw(&self) -> Dense<T, IN, OUT, A> {
        let mut weight = [[T::zero(); IN]; OUT];
        for (i, col) in self.weight_t.iter().enumerate() {
            for (row, &w) in weight.iter_mut().zip(col) {
                row[i] = w;
            }
        }
        Dense {
            weight,
            bias: self.bias,
            activation: self.activation,
        }
    }
}

/// `z += Σᵢ x[i]·wt[i]` with `K` columns side by side, each into sums of its own (`K` a power
/// of two, `K·OUT ≤ 16`), added pairwise at the end: `K` short chains of additions rather
/// than one of `IN`. A block of `K` columns is `K·OUT` contiguous weights, multiplied lane by
/// lane with the inputs each repeated `OUT` times.
#[inline(always)]
fn narrow<T: Float, const IN: usize, const OUT: usize, const K: usize>(
    wt: &[[T; OUT]; IN],
    x: &[T; IN],
    z: &mut [T; OUT],
) {
    const L: usize = 16;
    let n = K * OUT;
    debug_assert!(n <= L);
    let mut acc = [T::zero(); L];
    let (cols, wtail) = wt.as_chunks::<K>();
    let (xs, xtail) = x.as_chunks::<K>();
    for (c, xv) in cols.iter().zip(xs) {
        // One block at a time: left free, LLVM vectorises across blocks instead, gathering
        // each lane's weights one by one.
        core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
        let w = c.as_flattened();
        let mut xr = [T::zero(); L];
        for k in 0..K {
            for j in 0..OUT {
                xr[k * OUT + j] = xv[k];
            }
        }
        for i in 0..n {
            acc[i] += w[i] * xr[i];
        }
    }
    for (k, (col, &xi)) in wtail.iter().zip(xtail).enumerate() {
        for j in 0..OUT {
            acc[k * OUT + j] += col[j] * xi;
        }
    }
    let mut width = K;
    while width > 1 {
        width /= 2;
        for i in 0..width * OUT {
            acc[i] += acc[i + width * OUT];
        }
    }
    for (z, &a) in z.iter_mut().zip(&acc) {
        *z += a;
    }
}

impl<T: Float, const IN: usize, const OUT: usize, A: Activation> Freeze<T>
    for Dense<T, IN, OUT, A>
{
    type Frozen = FrozenDense<T, IN, OUT, A>;

    fn freeze(&self) -> FrozenDense<T, IN, OUT, A> {
        let mut frozen = FrozenDense {
            weight_t: [[T::zero(); OUT]; IN],
            bias: self.bias,
            activation: self.activation,
        };
        self.freeze_into(&mut frozen);
        frozen
    }

    fn freeze_into(&self, frozen: &mut FrozenDense<T, IN, OUT, A>) {
        for (j, row) in self.weight.iter().enumerate() {
            for (col, &w) in frozen.weight_t.iter_mut().zip(row) {
                col[j] = w;
            }
        }
        frozen.bias = self.bias;
        frozen.activation = self.activation;
    }
}

impl<T: Float, const IN: usize, const OUT: usize, A: Activation> FrozenLayer<T>
    for FrozenDense<T, IN, OUT, A>
{
    type Input = [T; IN];
    type Output = [T; OUT];
    type State = ();

    #[inline(always)]
    fn step_isa<S: Isa>(&self, s: S, _state: &mut (), x: &[T; IN]) -> [T; OUT] {
        FrozenDense::forward_isa(self, s, x)
    }
}

impl<T, const N: usize> TraceOutput for LayerTrace<T, N> {
    type Output = [T; N];

    #[inline(always)]
    fn output(&self) -> &[T; N] {
        &self.a
    }

    #[inline(always)]
    fn output_za(&self) -> (&[T; N], &[T; N]) {
        (&self.z, &self.a)
    }
}

impl<T: Float, const IN: usize, const OUT: usize> LayerGradients<T> for DenseGradients<T, IN, OUT> {
    #[inline]
    fn tensor(&self, i: usize) -> &[T] {
        match i {
            0 => self.weight.as_flattened(),
            1 => &self.bias,
            _ => &[],
        }
    }

    #[inline]
    fn tensor_mut(&mut self, i: usize) -> &mut [T] {
        match i {
            0 => self.weight.as_flattened_mut(),
            1 => &mut self.bias,
            _ => &mut [],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::activation::{Identity, Relu, Tanh};

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

    /// A 3 → 2 layer and the 2 → 3 tanh layer below it, with varied values.
    fn pair() -> (Dense<f64, 3, 2, Identity>, Dense<f64, 2, 3, Tanh>) {
        let below = Dense {
            weight: [[0.5, -1.0], [0.25, 0.75], [-0.5, 0.125]],
            bias: [0.1, -0.2, 0.3],
            activation: Tanh,
        };
        (layer(), below)
    }

    #[test]
    fn layer_descriptors_are_pytorchs() {
        type L = Dense<f32, 3, 2, Identity>;
        assert_eq!(<L as Layer<f32>>::KIND, "dense");
        assert_eq!(<L as Layer<f32>>::PARAMS, 8);
        assert_eq!(<L as Layer<f32>>::TENSOR_NAMES, ["weight", "bias"]);
        assert_eq!(
            <L as Layer<f32>>::TENSOR_SHAPES,
            [&[2usize, 3][..], &[2][..]]
        );
        let l = layer();
        assert_eq!(Layer::tensor(&l, 0), [1.0, 2.0, 3.0, -1.0, 0.5, 0.0]);
        assert_eq!(Layer::tensor(&l, 1), [0.5, -0.25]);
        assert!(Layer::tensor(&l, 2).is_empty());
    }

    #[test]
    fn pass_delta_is_delta_below() {
        let (l, below) = pair();
        let x = [0.3, -0.7];
        let trace = below.forward_trace(&x);
        let d = [2.0, -4.0];
        assert_eq!(
            l.pass_delta(&d, &below, &trace),
            l.delta_below(&d, &below.activation, &trace)
        );
    }

    /// The batched forms give each row exactly what the per-sample forms give that sample, and
    /// the fused updates exactly what accumulating and then `p −= scale·g` gives.
    #[test]
    fn batched_forms_match_the_per_sample_ones() {
        let (l, below) = pair();
        let xs = [[0.3, -0.7], [1.5, 0.2], [-0.4, 0.9]];
        let ds = [[2.0, -4.0], [0.5, 0.0], [-1.0, 3.0]];
        let (mut pre, mut out) = ([[0.0; 3]; 3], [[0.0; 3]; 3]);
        below.forward_batch(&xs, &mut pre, &mut out);
        let mut passed = [[0.0; 3]; 3];
        l.pass_delta_batch(&ds, &below, &pre, &out, &mut passed);
        let mut grads = DenseGradients::<f64, 3, 2>::zeroed();
        let mut by_sample = DenseGradients::<f64, 3, 2>::zeroed();
        Layer::accumulate_batch(&l, &mut grads, &out, &[[0.0; 2]; 3], &ds);
        for s in 0..3 {
            let trace = below.forward_trace(&xs[s]);
            assert_eq!((pre[s], out[s]), (trace.z, trace.a), "forward, row {s}");
            assert_eq!(
                passed[s],
                l.pass_delta(&ds[s], &below, &trace),
                "δ, row {s}"
            );
            let own = l.forward_trace(&trace.a);
            Layer::accumulate(&l, &mut by_sample, &trace.a, &own, &ds[s]);
        }
        assert_eq!(grads, by_sample);
        let mut fused = l;
        fused.update_sgd_batch(&out, &[[0.0; 2]; 3], &ds, 0.25);
        let mut stepped = l;
        for (p, g) in stepped
            .weight
            .as_flattened_mut()
            .iter_mut()
            .chain(&mut stepped.bias)
            .zip(grads.weight.as_flattened().iter().chain(&grads.bias))
        {
            *p -= 0.25 * g;
        }
        assert_eq!(fused, stepped);
    }
}
