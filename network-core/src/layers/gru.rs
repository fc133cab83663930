//! The gated recurrent unit, exactly PyTorch's `torch.nn.GRU` (one layer, unidirectional):
//! gates in the order r, z, n,
//!
//! ```text
//! r  = σ(W_ir x + b_ir + W_hr h + b_hr)
//! z  = σ(W_iz x + b_iz + W_hz h + b_hz)
//! n  = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
//! h' = (1 − z) ⊙ n + z ⊙ h
//! ```
//!
//! and its backpropagation through time. Both bias vectors are kept, as PyTorch keeps them,
//! because their gradients differ for `n`: `b_hn` sits inside the product with `r`, so
//! `∂L/∂b_hn = r ⊙ δ_n` while `∂L/∂b_in = δ_n` (`δ_n` being the gradient at `n`'s
//! pre-activation).

use crate::kernels;
use crate::kernels::dispatch::{Isa, Portable};
use crate::layers::LayerGradients;
use crate::layers::activation::{Elementwise, Identity, Sigmoid, Tanh};
use crate::layers::init::Rng;
use crate::layers::sequence::StepLayer;
use crate::scalar::Float;

/// A GRU layer with `IN` inputs and `H` hidden units; its output is the new hidden state.
///
/// Each tensor holds the three gates one after the other (r, z, n), so that flattened it is
/// PyTorch's tensor: `weight_ih` is `weight_ih_l0`, `[3H, IN]`; `weight_hh` is
/// `weight_hh_l0`, `[3H, H]`; `bias_ih` and `bias_hh` are `[3H]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gru<T, const IN: usize, const H: usize> {
    /// `W_ir`, `W_iz`, `W_in`: `H` rows of `IN` each.
    pub weight_ih: [[[T; IN]; H]; 3],
    /// `W_hr`, `W_hz`, `W_hn`: `H` rows of `H` each.
    pub weight_hh: [[[T; H]; H]; 3],
    /// `b_ir`, `b_iz`, `b_in`.
    pub bias_ih: [[T; H]; 3],
    /// `b_hr`, `b_hz`, `b_hn`.
    pub bias_hh: [[T; H]; 3],
}

/// `∂L/∂p` for every parameter of a [`Gru`], in its shapes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GruGradients<T, const IN: usize, const H: usize> {
    /// `∂L/∂W_ih` (r, z, n).
    pub weight_ih: [[[T; IN]; H]; 3],
    /// `∂L/∂W_hh` (r, z, n).
    pub weight_hh: [[[T; H]; H]; 3],
    /// `∂L/∂b_ih` (r, z, n).
    pub bias_ih: [[T; H]; 3],
    /// `∂L/∂b_hh` (r, z, n).
    pub bias_hh: [[T; H]; 3],
}

/// What one step of a [`Gru`] keeps for backpropagation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GruStep<T, const H: usize> {
    /// The hidden state the step started from.
    pub h_prev: [T; H],
    /// The reset gate `r`.
    pub r: [T; H],
    /// The update gate `z`.
    pub z: [T; H],
    /// The candidate `n`.
    pub n: [T; H],
    /// `W_hn h + b_hn`, which `r` multiplies.
    pub hn: [T; H],
    /// The new hidden state `h'`, the step's output.
    pub h: [T; H],
}

/// The four tensors of a GRU or an LSTM (`G` gates) as flat slices, in PyTorch's order.
macro_rules! gated_tensors {
    ($self:ident, $i:ident, $flat:ident, $empty:expr) => {
        match $i {
            0 => $self.weight_ih.$flat().$flat(),
            1 => $self.weight_hh.$flat().$flat(),
            2 => $self.bias_ih.$flat(),
            3 => $self.bias_hh.$flat(),
            _ => $empty,
        }
    };
}
pub(crate) use gated_tensors;

impl<T: Float, const IN: usize, const H: usize> Gru<T, IN, H> {
    /// Number of parameters: `3H·IN + 3H·H + 3H + 3H`, as PyTorch counts them.
    pub const PARAMS: usize = 3 * H * IN + 3 * H * H + 6 * H;

    /// A layer whose parameters are all zero.
    pub fn zeroed() -> Self {
        Gru {
            weight_ih: [[[T::zero(); IN]; H]; 3],
            weight_hh: [[[T::zero(); H]; H]; 3],
            bias_ih: [[T::zero(); H]; 3],
            bias_hh: [[T::zero(); H]; 3],
        }
    }

    /// PyTorch's initialisation: every parameter uniform in `±1/√H`, drawn tensor by tensor
    /// in `state_dict` order, each row by row.
    pub fn init_in_place(&mut self, rng: &mut Rng) {
        let b = 1.0 / num_traits::Float::sqrt(H as f64);
        for i in 0..4 {
            for p in StepLayer::tensor_mut(self, i) {
                *p = rng.uniform(-b, b);
            }
        }
    }

    /// One time step: the new hidden state (also the output) from `h` and `x`.
    #[inline]
    pub fn step(&self, h: &mut [T; H], x: &[T; IN]) -> [T; H] {
        self.step_with(None::<Portable>, h, x)
    }

    /// [`step`](Self::step) inside a step compiled for the instruction set `s`
    /// ([`kernels::dispatch`]): the same results, without choosing the kernel again.
    #[inline(always)]
    pub fn step_isa<S: Isa>(&self, s: S, h: &mut [T; H], x: &[T; IN]) -> [T; H] {
        self.step_with(Some(s), h, x)
    }

    /// One time step keeping the gates in `trace`; `h` becomes the new hidden state.
    #[inline]
    pub fn step_trace(&self, h: &mut [T; H], x: &[T; IN], trace: &mut GruStep<T, H>) {
        self.step_trace_with(None::<Portable>, h, x, trace)
    }

    /// [`step_trace`](Self::step_trace) inside a step compiled for `s`, as
    /// [`step_isa`](Self::step_isa).
    #[inline(always)]
    pub fn step_trace_isa<S: Isa>(
        &self,
        s: S,
        h: &mut [T; H],
        x: &[T; IN],
        trace: &mut GruStep<T, H>,
    ) {
        self.step_trace_with(Some(s), h, x, trace)
    }

    /// A step with the kernel of `s`, or of the CPU's level when `None`.
    #[inline(always)]
    fn step_with<S: Isa>(&self, s: Option<S>, h: &mut [T; H], x: &[T; IN]) -> [T; H] {
        let mut y = [T::zero(); H];
        if self.simd_step(s, h, x, &mut y, None) {
            return y;
        }
        *h = self.cell(h, x).h;
        *h
    }

    /// [`step_with`](Self::step_with) keeping the gates in `trace`.
    #[inline(always)]
    fn step_trace_with<S: Isa>(
        &self,
        s: Option<S>,
        h: &mut [T; H],
        x: &[T; IN],
        trace: &mut GruStep<T, H>,
    ) {
        let prev = *h;
        let GruStep {
            h_prev,
            r,
            z,
            n,
            hn,
            h: out,
        } = trace;
        if self.simd_step(s, h, x, out, Some([r, z, n, hn])) {
            *h_prev = prev;
        } else {
            *trace = self.cell(h, x);
            *h = trace.h;
        }
    }

    /// The step in `f32` SIMD lanes ([`kernels::recurrent`]) where the CPU has AVX2 or
    /// AVX-512: `h` advanced, `y` a copy of it for the next layer, the gates `r`, `z`, `n`,
    /// `hn` in `gates`. `false` (nothing done) for other scalars and CPUs. With `s`, the
    /// kernel of that instruction set; without, of the CPU's level.
    #[inline(always)]
    fn simd_step<S: Isa>(
        &self,
        s: Option<S>,
        h: &mut [T; H],
        x: &[T; IN],
        y: &mut [T; H],
        gates: Option<[&mut [T; H]; 4]>,
    ) -> bool {
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        {
            use kernels::recurrent::{GruGates, f32s, f32s_mut, gru};
            let gates = match gates {
                None => None,
                Some([r, z, n, hn]) => {
                    match (f32s_mut(r), f32s_mut(z), f32s_mut(n), f32s_mut(hn)) {
                        (Some(r), Some(z), Some(n), Some(hn)) => Some(GruGates { r, z, n, hn }),
                        _ => return false,
                    }
                }
            };
            if let (Some(t), Some(x), Some(h), Some(y)) =
                (self.f32_tensors(), f32s(x), f32s_mut(h), f32s_mut(y))
            {
                return match s {
                    Some(s) => s.gru(t, x, h, y, gates),
                    None => gru(kernels::recurrent::level(), t, x, h, y, gates),
                };
            }
            false
        }
        #[cfg(not(all(feature = "std", target_arch = "x86_64")))]
        {
            let _ = (s, h, x, y, gates);
            false
        }
    }

    /// The four tensors as `f32` slices when `T` is `f32`.
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    #[inline(always)]
    fn f32_tensors(&self) -> Option<kernels::recurrent::Tensors<'_>> {
        kernels::recurrent::tensors(
            self.weight_ih.as_flattened().as_flattened(),
            self.weight_hh.as_flattened().as_flattened(),
            self.bias_ih.as_flattened(),
            self.bias_hh.as_flattened(),
        )
    }

    /// The step from `h`: the gates `r`, `z`, `n`, `W_hn h + b_hn` and the new state, each
    /// computed for all units in one pass (loops the compiler vectorises, transcendental
    /// functions included).
    #[inline(always)]
    fn cell(&self, h: &[T; H], x: &[T; IN]) -> GruStep<T, H> {
        let mut gi = self.bias_ih;
        kernels::add_xwt(
            x,
            self.weight_ih.as_flattened().as_flattened(),
            IN,
            gi.as_flattened_mut(),
        );
        let mut gh = self.bias_hh;
        kernels::add_xwt(
            h,
            self.weight_hh.as_flattened().as_flattened(),
            H,
            gh.as_flattened_mut(),
        );
        let mut rz = [[T::zero(); H]; 2];
        for ((o, i), g) in rz
            .as_flattened_mut()
            .iter_mut()
            .zip(gi.as_flattened())
            .zip(gh.as_flattened())
        {
            *o = Sigmoid.apply(*i + *g);
        }
        let [r, z] = rz;
        let mut n = [T::zero(); H];
        for (((n, &i), &g), &r) in n.iter_mut().zip(&gi[2]).zip(&gh[2]).zip(&r) {
            *n = Tanh.apply(i + r * g);
        }
        let mut new = [T::zero(); H];
        for (((o, &n), &z), &h) in new.iter_mut().zip(&n).zip(&z).zip(h) {
            *o = (T::one() - z) * n + z * h;
        }
        GruStep {
            h_prev: *h,
            r,
            z,
            n,
            hn: gh[2],
            h: new,
        }
    }

    /// Backpropagation through one step (see [`StepLayer::step_backward`]): `dh` is
    /// `∂L/∂h'` from the output, `carry` holds `∂L/∂h'` from the next step on entry and
    /// `∂L/∂h` on return.
    #[inline]
    pub fn step_backward(
        &self,
        grads: &mut GruGradients<T, IN, H>,
        x: &[T; IN],
        trace: &GruStep<T, H>,
        dh: &[T; H],
        carry: &mut [T; H],
    ) -> [T; IN] {
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        {
            use kernels::recurrent::{GruTrace, f32s, f32s_mut, gru_backward, tensors_mut};
            let mut dx = [T::zero(); IN];
            let g = &mut *grads;
            if let (Some(t), Some(g), Some(x), Some(dh), Some(carry), Some(dxs)) = (
                self.f32_tensors(),
                tensors_mut(
                    g.weight_ih.as_flattened_mut().as_flattened_mut(),
                    g.weight_hh.as_flattened_mut().as_flattened_mut(),
                    g.bias_ih.as_flattened_mut(),
                    g.bias_hh.as_flattened_mut(),
                ),
                f32s(x),
                f32s(dh),
                f32s_mut(carry),
                f32s_mut(&mut dx),
            ) && let (Some(h_prev), Some(r), Some(z), Some(n), Some(hn)) = (
                f32s(&trace.h_prev),
                f32s(&trace.r),
                f32s(&trace.z),
                f32s(&trace.n),
                f32s(&trace.hn),
            ) {
                let tr = GruTrace {
                    h_prev,
                    r,
                    z,
                    n,
                    hn,
                };
                if gru_backward(kernels::recurrent::level(), t, g, x, tr, dh, carry, dxs) {
                    return dx;
                }
            }
        }
        self.step_backward_portable(grads, x, trace, dh, carry)
    }

    /// [`step_backward`](Self::step_backward) in portable code.
    #[inline(always)]
    fn step_backward_portable(
        &self,
        grads: &mut GruGradients<T, IN, H>,
        x: &[T; IN],
        trace: &GruStep<T, H>,
        dh: &[T; H],
        carry: &mut [T; H],
    ) -> [T; IN] {
        let one = T::one();
        // δ of the pre-activations as the input side sees them (r, z, n) and as the hidden
        // side sees them: the same for r and z, `r ⊙ δ_n` for n, where `r` multiplies.
        let mut di = [[T::zero(); H]; 3];
        let mut dhh = [[T::zero(); H]; 3];
        for j in 0..H {
            let g = dh[j] + carry[j];
            let (r, z, n) = (trace.r[j], trace.z[j], trace.n[j]);
            let dn = g * (one - z) * (one - n * n);
            let dz = g * (trace.h_prev[j] - n) * z * (one - z);
            let dr = dn * trace.hn[j] * r * (one - r);
            di[0][j] = dr;
            di[1][j] = dz;
            di[2][j] = dn;
            dhh[0][j] = dr;
            dhh[1][j] = dz;
            dhh[2][j] = dn * r;
            carry[j] = g * z;
        }
        for (b, d) in grads.bias_ih.iter_mut().zip(&di) {
            for (b, &d) in b.iter_mut().zip(d) {
                *b += d;
            }
        }
        for (b, d) in grads.bias_hh.iter_mut().zip(&dhh) {
            for (b, &d) in b.iter_mut().zip(d) {
                *b += d;
            }
        }
        let (di, dhh) = (di.as_flattened(), dhh.as_flattened());
        kernels::add_outer(
            one,
            di,
            3 * H,
            x,
            IN,
            grads.weight_ih.as_flattened_mut().as_flattened_mut(),
        );
        kernels::add_outer(
            one,
            dhh,
            3 * H,
            &trace.h_prev,
            H,
            grads.weight_hh.as_flattened_mut().as_flattened_mut(),
        );
        let w_hh = self.weight_hh.as_flattened().as_flattened();
        kernels::add_wt_delta(one, dhh, 3 * H, w_hh, H, carry);
        let mut dx = [T::zero(); IN];
        let w_ih = self.weight_ih.as_flattened().as_flattened();
        kernels::add_wt_delta(one, di, 3 * H, w_ih, IN, &mut dx);
        dx
    }
}

impl<T: Float, const H: usize> GruStep<T, H> {
    /// A trace of zeros.
    pub fn zeroed() -> Self {
        let z = [T::zero(); H];
        GruStep {
            h_prev: z,
            r: z,
            z,
            n: z,
            hn: z,
            h: z,
        }
    }
}

impl<T: Float, const IN: usize, const H: usize> Default for GruGradients<T, IN, H> {
    fn default() -> Self {
        GruGradients {
            weight_ih: [[[T::zero(); IN]; H]; 3],
            weight_hh: [[[T::zero(); H]; H]; 3],
            bias_ih: [[T::zero(); H]; 3],
            bias_hh: [[T::zero(); H]; 3],
        }
    }
}

impl<T: Float, const IN: usize, const H: usize> Default for Gru<T, IN, H> {
    fn default() -> Self {
        Self::zeroed()
    }
}

impl<T: Float, const IN: usize, const H: usize> LayerGradients<T> for GruGradients<T, IN, H> {
    #[inline]
    fn tensor(&self, i: usize) -> &[T] {
        gated_tensors!(self, i, as_flattened, &[])
    }

    #[inline]
    fn tensor_mut(&mut self, i: usize) -> &mut [T] {
        gated_tensors!(self, i, as_flattened_mut, &mut [])
    }
}

impl<T: Float, const IN: usize, const H: usize> StepLayer<T> for Gru<T, IN, H> {
    const KIND: &'static str = "gru";
    const INPUTS: usize = IN;
    const OUTPUTS: usize = H;
    const PARAMS: usize = 3 * H * IN + 3 * H * H + 6 * H;
    const TENSOR_NAMES: &'static [&'static str] =
        &["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"];
    const TENSOR_SHAPES: &'static [&'static [usize]] =
        &[&[3 * H, IN], &[3 * H, H], &[3 * H], &[3 * H]];

    type Config = ();
    type Input = [T; IN];
    type Output = [T; H];
    type State = [T; H];
    type Step = GruStep<T, H>;
    type Gradients = GruGradients<T, IN, H>;
    type Activation = Identity;

    fn zeroed(_config: ()) -> Self {
        Gru::zeroed()
    }

    fn init_in_place(&mut self, rng: &mut Rng) {
        Gru::init_in_place(self, rng)
    }

    #[inline]
    fn tensor(&self, i: usize) -> &[T] {
        gated_tensors!(self, i, as_flattened, &[])
    }

    #[inline]
    fn tensor_mut(&mut self, i: usize) -> &mut [T] {
        gated_tensors!(self, i, as_flattened_mut, &mut [])
    }

    #[inline(always)]
    fn activation(&self) -> &Identity {
        &Identity
    }

    #[inline(always)]
    fn zero_state() -> [T; H] {
        [T::zero(); H]
    }

    #[inline(always)]
    fn zero_step() -> GruStep<T, H> {
        GruStep::zeroed()
    }

    #[inline(always)]
    fn step(&self, state: &mut [T; H], x: &[T; IN]) -> [T; H] {
        Gru::step(self, state, x)
    }

    #[inline(always)]
    fn step_trace(&self, state: &mut [T; H], x: &[T; IN], trace: &mut GruStep<T, H>) {
        Gru::step_trace(self, state, x, trace)
    }

    #[inline(always)]
    fn step_isa<S: Isa>(&self, s: S, state: &mut [T; H], x: &[T; IN]) -> [T; H] {
        Gru::step_isa(self, s, state, x)
    }

    #[inline(always)]
    fn step_trace_isa<S: Isa>(
        &self,
        s: S,
        state: &mut [T; H],
        x: &[T; IN],
        trace: &mut GruStep<T, H>,
    ) {
        Gru::step_trace_isa(self, s, state, x, trace)
    }

    #[inline(always)]
    fn step_za(trace: &GruStep<T, H>) -> (&[T; H], &[T; H]) {
        (&trace.h, &trace.h)
    }

    #[inline(always)]
    fn step_delta(&self, _trace: &GruStep<T, H>, _grad: &mut [T; H]) {}

    #[inline(always)]
    fn step_backward(
        &self,
        grads: &mut GruGradients<T, IN, H>,
        x: &[T; IN],
        trace: &GruStep<T, H>,
        delta: &[T; H],
        carry: &mut [T; H],
    ) -> [T; IN] {
        Gru::step_backward(self, grads, x, trace, delta, carry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::sequence::check;

    fn random<const IN: usize, const H: usize>(seed: u64) -> Gru<f64, IN, H> {
        let mut l = Gru::zeroed();
        l.init_in_place(&mut Rng::new(seed));
        // Larger than the init's ±1/√H so that every gate is well away from linear.
        for i in 0..4 {
            StepLayer::tensor_mut(&mut l, i)
                .iter_mut()
                .for_each(|p| *p *= 2.0);
        }
        l
    }

    #[test]
    fn descriptors_are_pytorchs() {
        type L = Gru<f32, 3, 5>;
        assert_eq!(
            <L as StepLayer<f32>>::PARAMS,
            3 * 5 * 3 + 3 * 5 * 5 + 2 * 15
        );
        assert_eq!(
            <L as StepLayer<f32>>::TENSOR_SHAPES,
            [&[15usize, 3][..], &[15, 5], &[15], &[15]]
        );
        let l = L::zeroed();
        let lens: [usize; 4] = core::array::from_fn(|i| StepLayer::tensor(&l, i).len());
        assert_eq!(lens, [45, 75, 15, 15]);
        assert_eq!(lens.iter().sum::<usize>(), <L as StepLayer<f32>>::PARAMS);
    }

    #[test]
    fn init_is_uniform_within_one_over_sqrt_h_and_seeded() {
        let (a, b) = (random::<2, 4>(7), random::<2, 4>(7));
        assert_eq!(a, b);
        for i in 0..4 {
            let t = StepLayer::tensor(&a, i);
            assert!(t.iter().all(|p| p.abs() <= 2.0 * 0.5));
            assert!(t.iter().any(|p| p.abs() > 0.25));
        }
    }

    /// One step by the formulas, written out for one unit.
    #[test]
    fn a_step_is_pytorchs_formula() {
        let l = random::<2, 3>(3);
        let (x, h) = ([0.3, -0.9], [0.2, -0.4, 0.7]);
        let mut s = h;
        let out = l.step(&mut s, &x);
        assert_eq!(out, s);
        let sig = |v: f64| 1.0 / (1.0 + (-v).exp());
        let dot = |w: &[f64], v: &[f64]| w.iter().zip(v).map(|(a, b)| a * b).sum::<f64>();
        for j in 0..3 {
            let g = |k: usize| dot(&l.weight_ih[k][j], &x) + l.bias_ih[k][j];
            let hh = |k: usize| dot(&l.weight_hh[k][j], &h) + l.bias_hh[k][j];
            let r = sig(g(0) + hh(0));
            let z = sig(g(1) + hh(1));
            let n = (g(2) + r * hh(2)).tanh();
            let want = (1.0 - z) * n + z * h[j];
            assert!((out[j] - want).abs() < 1e-14, "{j}: {} vs {want}", out[j]);
        }
    }

    #[test]
    fn bptt_matches_finite_differences() {
        fn slot<const H: usize>(s: &mut [f64; H], k: usize) -> &mut f64 {
            &mut s[k]
        }
        check::bptt(&random::<3, 4>(1), 1, 4, slot::<4>, 11);
        check::bptt(&random::<3, 4>(2), 7, 4, slot::<4>, 12);
        check::bptt(&random::<1, 5>(3), 20, 5, slot::<5>, 13);
        check::bptt(&random::<4, 2>(4), 12, 2, slot::<2>, 14);
    }

    /// `b_hn` sits inside `r ⊙ (W_hn h + b_hn)`: its gradient is `r ⊙ δ_n`, not `δ_n`.
    #[test]
    fn the_two_n_biases_get_different_gradients() {
        let l = random::<2, 3>(5);
        let mut h = [0.1, 0.5, -0.3];
        let mut t = GruStep::zeroed();
        l.step_trace(&mut h, &[0.4, -0.2], &mut t);
        let mut g = GruGradients::default();
        let mut carry = [0.0; 3];
        l.step_backward(&mut g, &[0.4, -0.2], &t, &[1.0, -0.5, 0.25], &mut carry);
        for j in 0..3 {
            assert!((g.bias_hh[2][j] - t.r[j] * g.bias_ih[2][j]).abs() < 1e-15);
            assert_eq!(g.bias_hh[0][j], g.bias_ih[0][j]);
            assert_eq!(g.bias_hh[1][j], g.bias_ih[1][j]);
        }
        assert!((0..3).all(|j| g.bias_hh[2][j] != g.bias_ih[2][j]));
    }

    /// The SIMD step and step backward at every level this CPU has equal the portable code
    /// up to the rounding of sums taken in another order, over widths that fill the vectors
    /// and widths that leave lanes over.
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    #[test]
    fn simd_cells_match_the_portable_cell() {
        use crate::kernels::recurrent::{self as rec, GruGates, GruTrace};
        use crate::kernels::simd::{Level, supported};

        fn close<const N: usize>(got: &[f32; N], want: &[f32; N], what: &str) {
            for (j, (g, w)) in got.iter().zip(want).enumerate() {
                let tol = 2e-5 * w.abs().max(1.0);
                assert!((g - w).abs() <= tol, "{what}[{j}]: {g} vs {w}");
            }
        }

        fn check<const IN: usize, const H: usize>(seed: u64) {
            let l64 = random::<IN, H>(seed);
            let mut l = Gru::<f32, IN, H>::zeroed();
            for i in 0..4 {
                for (p, &q) in StepLayer::tensor_mut(&mut l, i)
                    .iter_mut()
                    .zip(StepLayer::tensor(&l64, i))
                {
                    *p = q as f32;
                }
            }
            let t = l.f32_tensors().unwrap();
            for level in [Level::Avx512, Level::Avx2] {
                if !supported(level) {
                    std::eprintln!("{level:?} not supported here: skipped");
                    continue;
                }
                let mut rng = Rng::new(seed + 100);
                let mut h: [f32; H] = core::array::from_fn(|_| rng.uniform(-0.9, 0.9));
                let mut grads = GruGradients::<f32, IN, H>::default();
                for p in 0..4 {
                    grads
                        .tensor_mut(p)
                        .iter_mut()
                        .for_each(|g| *g = rng.uniform(-0.1, 0.1));
                }
                let mut carry: [f32; H] = core::array::from_fn(|_| rng.uniform(-0.5, 0.5));
                for step in 0..6 {
                    let x: [f32; IN] = core::array::from_fn(|_| rng.uniform(-1.5, 1.5));
                    let want = l.cell(&h, &x);
                    let mut got = GruStep::zeroed();
                    let gates = GruGates {
                        r: &mut got.r,
                        z: &mut got.z,
                        n: &mut got.n,
                        hn: &mut got.hn,
                    };
                    let mut state = h;
                    assert!(rec::gru(level, t, &x, &mut state, &mut got.h, Some(gates)));
                    assert_eq!(state, got.h, "the state and its copy");
                    let what = std::format!("{level:?} H={H} IN={IN} step {step}");
                    close(&got.h, &want.h, &std::format!("{what} h"));
                    close(&got.r, &want.r, &std::format!("{what} r"));
                    close(&got.z, &want.z, &std::format!("{what} z"));
                    close(&got.n, &want.n, &std::format!("{what} n"));
                    close(&got.hn, &want.hn, &std::format!("{what} hn"));
                    let (mut plain, mut y) = (h, [0.0; H]);
                    assert!(rec::gru(level, t, &x, &mut plain, &mut y, None));
                    assert_eq!(plain, got.h, "{what}: with and without the trace");
                    assert_eq!(y, got.h, "{what}: the copy");

                    let dh: [f32; H] = core::array::from_fn(|_| rng.uniform(-1.0, 1.0));
                    let (mut g_want, mut c_want) = (grads, carry);
                    let dx_want =
                        l.step_backward_portable(&mut g_want, &x, &want, &dh, &mut c_want);
                    let mut dx = [0.0; IN];
                    let gm = &mut grads;
                    let g = rec::tensors_mut(
                        gm.weight_ih.as_flattened_mut().as_flattened_mut(),
                        gm.weight_hh.as_flattened_mut().as_flattened_mut(),
                        gm.bias_ih.as_flattened_mut(),
                        gm.bias_hh.as_flattened_mut(),
                    )
                    .unwrap();
                    let tr = GruTrace {
                        h_prev: &want.h_prev,
                        r: &want.r,
                        z: &want.z,
                        n: &want.n,
                        hn: &want.hn,
                    };
                    assert!(rec::gru_backward(
                        level, t, g, &x, tr, &dh, &mut carry, &mut dx
                    ));
                    close(&dx, &dx_want, &std::format!("{what} dx"));
                    close(&carry, &c_want, &std::format!("{what} carry"));
                    for p in 0..4 {
                        for (k, (g, w)) in grads.tensor(p).iter().zip(g_want.tensor(p)).enumerate()
                        {
                            let tol = 2e-5 * w.abs().max(1.0);
                            assert!((g - w).abs() <= tol, "{what} grad {p}[{k}]: {g} vs {w}");
                        }
                    }
                    h = want.h;
                }
            }
        }
        check::<1, 1>(1);
        check::<1, 5>(2);
        check::<1, 8>(3);
        check::<1, 16>(4);
        check::<1, 20>(5);
        check::<1, 32>(6);
        check::<1, 40>(7);
        check::<3, 16>(8);
        check::<2, 5>(9);
        check::<4, 33>(10);
        check::<2, 60>(11);
        // Wider than the kernels take: left to the portable code.
        let wide = Gru::<f32, 1, 130>::zeroed();
        let mut h = [0.0; 130];
        let mut y = [0.0; 130];
        let t = wide.f32_tensors().unwrap();
        assert!(!rec::gru(Level::Avx512, t, &[1.0], &mut h, &mut y, None));
    }
}
