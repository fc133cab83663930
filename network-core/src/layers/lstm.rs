//! The long short-term memory layer, exactly PyTorch's `torch.nn.LSTM` (one layer,
//! unidirectional): gates in the order i, f, g, o, each `W_i· x + b_i· + W_h· h + b_h·`,
//!
//! ```text
//! i = σ(·), f = σ(·), g = tanh(·), o = σ(·)
//! c' = f ⊙ c + i ⊙ g
//! h' = o ⊙ tanh(c')
//! ```
//!
//! and its backpropagation through time. Both bias vectors are kept as PyTorch keeps them;
//! here each adds straight into a pre-activation, so both get that gate's `δ`.

use crate::kernels;
use crate::kernels::dispatch::{Isa, Portable};
use crate::layers::LayerGradients;
use crate::layers::activation::{Elementwise, Identity, Sigmoid, Tanh};
use crate::layers::gru::gated_tensors;
use crate::layers::init::Rng;
use crate::layers::sequence::StepLayer;
use crate::scalar::Float;

/// An LSTM layer with `IN` inputs and `H` hidden units; its output is the new `h`.
///
/// Each tensor holds the four gates one after the other (i, f, g, o), so that flattened it is
/// PyTorch's tensor: `weight_ih` is `weight_ih_l0`, `[4H, IN]`; `weight_hh` is
/// `weight_hh_l0`, `[4H, H]`; `bias_ih` and `bias_hh` are `[4H]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Lstm<T, const IN: usize, const H: usize> {
    /// `W_ii`, `W_if`, `W_ig`, `W_io`: `H` rows of `IN` each.
    pub weight_ih: [[[T; IN]; H]; 4],
    /// `W_hi`, `W_hf`, `W_hg`, `W_ho`: `H` rows of `H` each.
    pub weight_hh: [[[T; H]; H]; 4],
    /// `b_ii`, `b_if`, `b_ig`, `b_io`.
    pub bias_ih: [[T; H]; 4],
    /// `b_hi`, `b_hf`, `b_hg`, `b_ho`.
    pub bias_hh: [[T; H]; 4],
}

/// `∂L/∂p` for every parameter of an [`Lstm`], in its shapes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LstmGradients<T, const IN: usize, const H: usize> {
    /// `∂L/∂W_ih` (i, f, g, o).
    pub weight_ih: [[[T; IN]; H]; 4],
    /// `∂L/∂W_hh` (i, f, g, o).
    pub weight_hh: [[[T; H]; H]; 4],
    /// `∂L/∂b_ih` (i, f, g, o).
    pub bias_ih: [[T; H]; 4],
    /// `∂L/∂b_hh` (i, f, g, o).
    pub bias_hh: [[T; H]; 4],
}

/// The state an [`Lstm`] carries from step to step: `h` and the cell `c`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LstmState<T, const H: usize> {
    /// The hidden state, the layer's output.
    pub h: [T; H],
    /// The cell state.
    pub c: [T; H],
}

/// What one step of an [`Lstm`] keeps for backpropagation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LstmStep<T, const H: usize> {
    /// The state the step started from.
    pub prev: LstmState<T, H>,
    /// The gates i, f, g, o.
    pub gates: [[T; H]; 4],
    /// `tanh(c')`.
    pub tc: [T; H],
    /// The new `h'`, the step's output.
    pub h: [T; H],
}

impl<T: Float, const H: usize> LstmState<T, H> {
    /// `h = 0`, `c = 0`.
    pub fn zeroed() -> Self {
        LstmState {
            h: [T::zero(); H],
            c: [T::zero(); H],
        }
    }
}

impl<T: Float, const H: usize> Default for LstmState<T, H> {
    fn default() -> Self {
        Self::zeroed()
    }
}

impl<T: Float, const H: usize> LstmStep<T, H> {
    /// A trace of zeros.
    pub fn zeroed() -> Self {
        LstmStep {
            prev: LstmState::zeroed(),
            gates: [[T::zero(); H]; 4],
            tc: [T::zero(); H],
            h: [T::zero(); H],
        }
    }
}

impl<T: Float, const IN: usize, const H: usize> Lstm<T, IN, H> {
    /// Number of parameters: `4H·IN + 4H·H + 4H + 4H`, as PyTorch counts them.
    pub const PARAMS: usize = 4 * H * IN + 4 * H * H + 8 * H;

    /// A layer whose parameters are all zero.
    pub fn zeroed() -> Self {
        Lstm {
            weight_ih: [[[T::zero(); IN]; H]; 4],
            weight_hh: [[[T::zero(); H]; H]; 4],
            bias_ih: [[T::zero(); H]; 4],
            bias_hh: [[T::zero(); H]; 4],
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

    /// One time step: the new `h` (also the output), advancing `state`.
    #[inline]
    pub fn step(&self, state: &mut LstmState<T, H>, x: &[T; IN]) -> [T; H] {
        self.step_with(None::<Portable>, state, x)
    }

    /// [`step`](Self::step) inside a step compiled for the instruction set `s`
    /// ([`kernels::dispatch`]): the same results, without choosing the kernel again.
    #[inline(always)]
    pub fn step_isa<S: Isa>(&self, s: S, state: &mut LstmState<T, H>, x: &[T; IN]) -> [T; H] {
        self.step_with(Some(s), state, x)
    }

    /// One time step keeping the gates in `trace`, advancing `state`.
    #[inline]
    pub fn step_trace(&self, state: &mut LstmState<T, H>, x: &[T; IN], trace: &mut LstmStep<T, H>) {
        self.step_trace_with(None::<Portable>, state, x, trace)
    }

    /// [`step_trace`](Self::step_trace) inside a step compiled for `s`, as
    /// [`step_isa`](Self::step_isa).
    #[inline(always)]
    pub fn step_trace_isa<S: Isa>(
        &self,
        s: S,
        state: &mut LstmState<T, H>,
        x: &[T; IN],
        trace: &mut LstmStep<T, H>,
    ) {
        self.step_trace_with(Some(s), state, x, trace)
    }

    /// A step with the kernel of `s`, or of the CPU's level when `None`.
    #[inline(always)]
    fn step_with<S: Isa>(&self, s: Option<S>, state: &mut LstmState<T, H>, x: &[T; IN]) -> [T; H] {
        let mut y = [T::zero(); H];
        if self.simd_step(s, state, x, &mut y, None) {
            return y;
        }
        let (_, _, new) = self.cell(state, x);
        *state = new;
        new.h
    }

    /// [`step_with`](Self::step_with) keeping the gates in `trace`.
    #[inline(always)]
    fn step_trace_with<S: Isa>(
        &self,
        s: Option<S>,
        state: &mut LstmState<T, H>,
        x: &[T; IN],
        trace: &mut LstmStep<T, H>,
    ) {
        let prev_state = *state;
        let LstmStep { prev, gates, tc, h } = trace;
        if self.simd_step(s, state, x, h, Some((gates, tc))) {
            *prev = prev_state;
            return;
        }
        let (gates, tc, new) = self.cell(state, x);
        *trace = LstmStep {
            prev: *state,
            gates,
            tc,
            h: new.h,
        };
        *state = new;
    }

    /// The step in `f32` SIMD lanes ([`kernels::recurrent`]) where the CPU has AVX2 or
    /// AVX-512: `state` advanced, `y` a copy of its `h` for the next layer, the gates and
    /// `tanh(c')` in `trace`. `false` (nothing done) for other scalars and CPUs. With `s`, the
    /// kernel of that instruction set; without, of the CPU's level.
    #[inline(always)]
    #[allow(clippy::type_complexity)]
    fn simd_step<S: Isa>(
        &self,
        s: Option<S>,
        state: &mut LstmState<T, H>,
        x: &[T; IN],
        y: &mut [T; H],
        trace: Option<(&mut [[T; H]; 4], &mut [T; H])>,
    ) -> bool {
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        {
            use kernels::recurrent::{LstmGates, f32s, f32s_mut, f32s_rows_mut, lstm, tensors};
            let gates = match trace {
                None => None,
                Some((g, tc)) => match (f32s_rows_mut(g), f32s_mut(tc)) {
                    (Some(gates), Some(tc)) => Some(LstmGates { gates, tc }),
                    _ => return false,
                },
            };
            let t = tensors(
                self.weight_ih.as_flattened().as_flattened(),
                self.weight_hh.as_flattened().as_flattened(),
                self.bias_ih.as_flattened(),
                self.bias_hh.as_flattened(),
            );
            if let (Some(t), Some(x), Some(h), Some(c), Some(y)) = (
                t,
                f32s(x),
                f32s_mut(&mut state.h),
                f32s_mut(&mut state.c),
                f32s_mut(y),
            ) {
                return match s {
                    Some(s) => s.lstm(t, x, h, c, y, gates),
                    None => lstm(kernels::recurrent::level(), t, x, h, c, y, gates),
                };
            }
            false
        }
        #[cfg(not(all(feature = "std", target_arch = "x86_64")))]
        {
            let _ = (s, state, x, y, trace);
            false
        }
    }

    /// The gates, `tanh(c')` and the new state, each computed for all units in one pass
    /// (loops the compiler vectorises, transcendental functions included).
    #[inline(always)]
    fn cell(&self, state: &LstmState<T, H>, x: &[T; IN]) -> ([[T; H]; 4], [T; H], LstmState<T, H>) {
        let mut pre = self.bias_ih;
        for (p, &b) in pre
            .as_flattened_mut()
            .iter_mut()
            .zip(self.bias_hh.as_flattened())
        {
            *p += b;
        }
        let flat = pre.as_flattened_mut();
        kernels::add_xwt(x, self.weight_ih.as_flattened().as_flattened(), IN, flat);
        kernels::add_xwt(
            &state.h,
            self.weight_hh.as_flattened().as_flattened(),
            H,
            flat,
        );
        let mut gates = [[T::zero(); H]; 4];
        for (g, &p) in gates[..2]
            .as_flattened_mut()
            .iter_mut()
            .zip(pre[..2].as_flattened())
        {
            *g = Sigmoid.apply(p);
        }
        for (g, &p) in gates[2].iter_mut().zip(&pre[2]) {
            *g = Tanh.apply(p);
        }
        for (g, &p) in gates[3].iter_mut().zip(&pre[3]) {
            *g = Sigmoid.apply(p);
        }
        let mut new = LstmState::zeroed();
        let [i, f, g, o] = &gates;
        for ((((c, &i), &f), &g), &c_prev) in new.c.iter_mut().zip(i).zip(f).zip(g).zip(&state.c) {
            *c = f * c_prev + i * g;
        }
        let mut tc = [T::zero(); H];
        for (t, &c) in tc.iter_mut().zip(&new.c) {
            *t = Tanh.apply(c);
        }
        for ((h, &o), &t) in new.h.iter_mut().zip(o).zip(&tc) {
            *h = o * t;
        }
        (gates, tc, new)
    }

    /// Backpropagation through one step (see [`StepLayer::step_backward`]): `dh` is
    /// `∂L/∂h'` from the output; `carry` holds `∂L/∂h'` and `∂L/∂c'` from the next step on
    /// entry and `∂L/∂h`, `∂L/∂c` on return.
    #[inline]
    pub fn step_backward(
        &self,
        grads: &mut LstmGradients<T, IN, H>,
        x: &[T; IN],
        trace: &LstmStep<T, H>,
        dh: &[T; H],
        carry: &mut LstmState<T, H>,
    ) -> [T; IN] {
        let one = T::one();
        let mut d = [[T::zero(); H]; 4];
        for j in 0..H {
            let gh = dh[j] + carry.h[j];
            let [i, f, g, o] = [0, 1, 2, 3].map(|k| trace.gates[k][j]);
            let tc = trace.tc[j];
            let dc = carry.c[j] + gh * o * (one - tc * tc);
            d[0][j] = dc * g * i * (one - i);
            d[1][j] = dc * trace.prev.c[j] * f * (one - f);
            d[2][j] = dc * i * (one - g * g);
            d[3][j] = gh * tc * o * (one - o);
            carry.c[j] = dc * f;
        }
        for (b, d) in grads.bias_ih.iter_mut().zip(&d) {
            for (b, &d) in b.iter_mut().zip(d) {
                *b += d;
            }
        }
        for (b, d) in grads.bias_hh.iter_mut().zip(&d) {
            for (b, &d) in b.iter_mut().zip(d) {
                *b += d;
            }
        }
        let d = d.as_flattened();
        kernels::add_outer(
            one,
            d,
            4 * H,
            x,
            IN,
            grads.weight_ih.as_flattened_mut().as_flattened_mut(),
        );
        kernels::add_outer(
            one,
            d,
            4 * H,
            &trace.prev.h,
            H,
            grads.weight_hh.as_flattened_mut().as_flattened_mut(),
        );
        carry.h = [T::zero(); H];
        let w_hh = self.weight_hh.as_flattened().as_flattened();
        kernels::add_wt_delta(one, d, 4 * H, w_hh, H, &mut carry.h);
        let mut dx = [T::zero(); IN];
        let w_ih = self.weight_ih.as_flattened().as_flattened();
        kernels::add_wt_delta(one, d, 4 * H, w_ih, IN, &mut dx);
        dx
    }
}

impl<T: Float, const IN: usize, const H: usize> Default for LstmGradients<T, IN, H> {
    fn default() -> Self {
        LstmGradients {
            weight_ih: [[[T::zero(); IN]; H]; 4],
            weight_hh: [[[T::zero(); H]; H]; 4],
            bias_ih: [[T::zero(); H]; 4],
            bias_hh: [[T::zero(); H]; 4],
        }
    }
}

impl<T: Float, const IN: usize, const H: usize> Default for Lstm<T, IN, H> {
    fn default() -> Self {
        Self::zeroed()
    }
}

impl<T: Float, const IN: usize, const H: usize> LayerGradients<T> for LstmGradients<T, IN, H> {
    #[inline]
    fn tensor(&self, i: usize) -> &[T] {
        gated_tensors!(self, i, as_flattened, &[])
    }

    #[inline]
    fn tensor_mut(&mut self, i: usize) -> &mut [T] {
        gated_tensors!(self, i, as_flattened_mut, &mut [])
    }
}

impl<T: Float, const IN: usize, const H: usize> StepLayer<T> for Lstm<T, IN, H> {
    const KIND: &'static str = "lstm";
    const INPUTS: usize = IN;
    const OUTPUTS: usize = H;
    const PARAMS: usize = 4 * H * IN + 4 * H * H + 8 * H;
    const TENSOR_NAMES: &'static [&'static str] =
        &["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"];
    const TENSOR_SHAPES: &'static [&'static [usize]] =
        &[&[4 * H, IN], &[4 * H, H], &[4 * H], &[4 * H]];

    type Config = ();
    type Input = [T; IN];
    type Output = [T; H];
    type State = LstmState<T, H>;
    type Step = LstmStep<T, H>;
    type Gradients = LstmGradients<T, IN, H>;
    type Activation = Identity;

    fn zeroed(_config: ()) -> Self {
        Lstm::zeroed()
    }

    fn init_in_place(&mut self, rng: &mut Rng) {
        Lstm::init_in_place(self, rng)
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
    fn zero_state() -> LstmState<T, H> {
        LstmState::zeroed()
    }

    #[inline(always)]
    fn zero_step() -> LstmStep<T, H> {
        LstmStep::zeroed()
    }

    #[inline(always)]
    fn step(&self, state: &mut LstmState<T, H>, x: &[T; IN]) -> [T; H] {
        Lstm::step(self, state, x)
    }

    #[inline(always)]
    fn step_trace(&self, state: &mut LstmState<T, H>, x: &[T; IN], trace: &mut LstmStep<T, H>) {
        Lstm::step_trace(self, state, x, trace)
    }

    #[inline(always)]
    fn step_isa<S: Isa>(&self, s: S, state: &mut LstmState<T, H>, x: &[T; IN]) -> [T; H] {
        Lstm::step_isa(self, s, state, x)
    }

    #[inline(always)]
    fn step_trace_isa<S: Isa>(
        &self,
        s: S,
        state: &mut LstmState<T, H>,
        x: &[T; IN],
        trace: &mut LstmStep<T, H>,
    ) {
        Lstm::step_trace_isa(self, s, state, x, trace)
    }

    #[inline(always)]
    fn step_za(trace: &LstmStep<T, H>) -> (&[T; H], &[T; H]) {
        (&trace.h, &trace.h)
    }

    #[inline(always)]
    fn step_delta(&self, _trace: &LstmStep<T, H>, _grad: &mut [T; H]) {}

    #[inline(always)]
    fn step_backward(
        &self,
        grads: &mut LstmGradients<T, IN, H>,
        x: &[T; IN],
        trace: &LstmStep<T, H>,
        delta: &[T; H],
        carry: &mut LstmState<T, H>,
    ) -> [T; IN] {
        Lstm::step_backward(self, grads, x, trace, delta, carry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::sequence::check;

    fn random<const IN: usize, const H: usize>(seed: u64) -> Lstm<f64, IN, H> {
        let mut l = Lstm::zeroed();
        l.init_in_place(&mut Rng::new(seed));
        for i in 0..4 {
            StepLayer::tensor_mut(&mut l, i)
                .iter_mut()
                .for_each(|p| *p *= 2.0);
        }
        l
    }

    #[test]
    fn descriptors_are_pytorchs() {
        type L = Lstm<f32, 3, 5>;
        assert_eq!(
            <L as StepLayer<f32>>::PARAMS,
            4 * 5 * 3 + 4 * 5 * 5 + 2 * 20
        );
        assert_eq!(
            <L as StepLayer<f32>>::TENSOR_SHAPES,
            [&[20usize, 3][..], &[20, 5], &[20], &[20]]
        );
        let l = L::zeroed();
        let lens: [usize; 4] = core::array::from_fn(|i| StepLayer::tensor(&l, i).len());
        assert_eq!(lens.iter().sum::<usize>(), <L as StepLayer<f32>>::PARAMS);
    }

    #[test]
    fn a_step_is_pytorchs_formula() {
        let l = random::<2, 3>(3);
        let x = [0.3, -0.9];
        let start = LstmState {
            h: [0.2, -0.4, 0.7],
            c: [1.0, -0.5, 0.1],
        };
        let mut s = start;
        let out = l.step(&mut s, &x);
        let sig = |v: f64| 1.0 / (1.0 + (-v).exp());
        let dot = |w: &[f64], v: &[f64]| w.iter().zip(v).map(|(a, b)| a * b).sum::<f64>();
        #[allow(clippy::needless_range_loop)]
        for j in 0..3 {
            let p = |k: usize| {
                dot(&l.weight_ih[k][j], &x)
                    + l.bias_ih[k][j]
                    + dot(&l.weight_hh[k][j], &start.h)
                    + l.bias_hh[k][j]
            };
            let c = sig(p(1)) * start.c[j] + sig(p(0)) * p(2).tanh();
            let h = sig(p(3)) * c.tanh();
            assert!((s.c[j] - c).abs() < 1e-14 && (out[j] - h).abs() < 1e-14);
            assert_eq!(s.h[j], out[j]);
        }
    }

    #[test]
    fn bptt_matches_finite_differences() {
        fn slot<const H: usize>(s: &mut LstmState<f64, H>, k: usize) -> &mut f64 {
            if k < H { &mut s.h[k] } else { &mut s.c[k - H] }
        }
        check::bptt(&random::<3, 4>(1), 1, 8, slot::<4>, 21);
        check::bptt(&random::<3, 4>(2), 9, 8, slot::<4>, 22);
        check::bptt(&random::<1, 5>(3), 20, 10, slot::<5>, 23);
        check::bptt(&random::<4, 2>(4), 13, 4, slot::<2>, 24);
    }

    /// The SIMD step at every level this CPU has equals the portable code up to the rounding
    /// of sums taken in another order, over widths that fill the vectors and widths that
    /// leave lanes over.
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    #[test]
    fn simd_cells_match_the_portable_cell() {
        use crate::kernels::recurrent::{self as rec, LstmGates};
        use crate::kernels::simd::{Level, supported};

        fn close<const N: usize>(got: &[f32; N], want: &[f32; N], what: &str) {
            for (j, (g, w)) in got.iter().zip(want).enumerate() {
                let tol = 2e-5 * w.abs().max(1.0);
                assert!((g - w).abs() <= tol, "{what}[{j}]: {g} vs {w}");
            }
        }

        fn check<const IN: usize, const H: usize>(seed: u64) {
            let l64 = random::<IN, H>(seed);
            let mut l = Lstm::<f32, IN, H>::zeroed();
            for i in 0..4 {
                for (p, &q) in StepLayer::tensor_mut(&mut l, i)
                    .iter_mut()
                    .zip(StepLayer::tensor(&l64, i))
                {
                    *p = q as f32;
                }
            }
            let t = rec::tensors(
                l.weight_ih.as_flattened().as_flattened(),
                l.weight_hh.as_flattened().as_flattened(),
                l.bias_ih.as_flattened(),
                l.bias_hh.as_flattened(),
            )
            .unwrap();
            for level in [Level::Avx512, Level::Avx2] {
                if !supported(level) {
                    std::eprintln!("{level:?} not supported here: skipped");
                    continue;
                }
                let mut rng = Rng::new(seed + 100);
                let mut s = LstmState::<f32, H>::zeroed();
                s.h.iter_mut().for_each(|v| *v = rng.uniform(-0.9, 0.9));
                s.c.iter_mut().for_each(|v| *v = rng.uniform(-2.0, 2.0));
                for step in 0..6 {
                    let x: [f32; IN] = core::array::from_fn(|_| rng.uniform(-1.5, 1.5));
                    let (gates, tc, want) = l.cell(&s, &x);
                    let mut got = s;
                    let (mut g, mut t_c) = ([[0.0; H]; 4], [0.0; H]);
                    let out = LstmGates {
                        gates: &mut g,
                        tc: &mut t_c,
                    };
                    let mut y = [0.0; H];
                    assert!(rec::lstm(
                        level,
                        t,
                        &x,
                        &mut got.h,
                        &mut got.c,
                        &mut y,
                        Some(out)
                    ));
                    assert_eq!(y, got.h, "the state's h and its copy");
                    let what = std::format!("{level:?} H={H} IN={IN} step {step}");
                    close(&got.h, &want.h, &std::format!("{what} h"));
                    close(&got.c, &want.c, &std::format!("{what} c"));
                    close(&t_c, &tc, &std::format!("{what} tanh c"));
                    for k in 0..4 {
                        close(&g[k], &gates[k], &std::format!("{what} gate {k}"));
                    }
                    let mut plain = s;
                    assert!(rec::lstm(
                        level,
                        t,
                        &x,
                        &mut plain.h,
                        &mut plain.c,
                        &mut y,
                        None
                    ));
                    assert_eq!(plain, got, "{what}: with and without the trace");
                    s = want;
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
    }
}
