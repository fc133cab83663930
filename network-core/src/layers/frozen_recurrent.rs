//! The recurrent layers in their inference form: [`FrozenGru`] and [`FrozenLstm`].
//!
//! The trainable [`Gru`] and [`Lstm`] keep PyTorch's tensors, a row per unit and gate; their
//! step sums each row's products across vector lanes. The frozen forms hold the same weights
//! by columns: for every input `x[i]` and every hidden unit `h[j]`, the weights it multiplies
//! in all gates, one gate's `H` after the other. A step is then one multiply-add of each
//! gate's whole pre-activation vector per column, with `x[i]` or `h[j]` broadcast, and no
//! horizontal sums. The biases that only ever add are summed once, when freezing: `b_ir + b_hr`
//! and `b_iz + b_hz` for the GRU, `b_i· + b_h·` for every LSTM gate. The GRU's `b_hn` stays
//! apart, as `r` multiplies `W_hn h + b_hn`.
//!
//! A frozen step computes what the trainable step computes, within rounding: the sums run in
//! another order, and in `f32` with AVX2 or AVX-512 the gates are the vector functions of
//! [`act_simd`](crate::kernels::act_simd), within 2 ulps.

use crate::kernels;
use crate::kernels::dispatch::{Isa, Portable};
use crate::layers::activation::{Elementwise, Sigmoid, Tanh};
use crate::layers::frozen::{Freeze, FrozenLayer};
use crate::layers::gru::Gru;
use crate::layers::lstm::{Lstm, LstmState};
use crate::scalar::Float;

/// A [`Gru`] in its inference form (see the [module](self)): `IN` inputs, `H` hidden units,
/// the weights by columns.
#[derive(Clone, Copy, Debug, PartialEq)]
// The columns from a cache line's start on x86-64, where the vector kernels read them (as
// `FrozenDense`); elsewhere a chip's RAM keeps the padding.
#[cfg_attr(target_arch = "x86_64", repr(C, align(64)))]
#[cfg_attr(not(target_arch = "x86_64"), repr(C))]
pub struct FrozenGru<T, const IN: usize, const H: usize> {
    /// `W_hh` by columns: `w_hh[j][g]` holds the weights of `h[j]` in gate `g` (r, z, n), one
    /// per unit.
    pub w_hh: [[[T; H]; 3]; H],
    /// `W_ih` by columns: `w_ih[i][g]` holds the weights of `x[i]` in gate `g`.
    pub w_ih: [[[T; H]; 3]; IN],
    /// `b_ir + b_hr`, `b_iz + b_hz`, `b_in`.
    pub bias: [[T; H]; 3],
    /// `b_hn`, which `r` multiplies with `W_hn h`.
    pub b_hn: [T; H],
}

/// An [`Lstm`] in its inference form (see the [module](self)): `IN` inputs, `H` hidden units,
/// the weights by columns.
#[derive(Clone, Copy, Debug, PartialEq)]
// The columns from a cache line's start on x86-64, where the vector kernels read them (as
// `FrozenDense`); elsewhere a chip's RAM keeps the padding.
#[cfg_attr(target_arch = "x86_64", repr(C, align(64)))]
#[cfg_attr(not(target_arch = "x86_64"), repr(C))]
pub struct FrozenLstm<T, const IN: usize, const H: usize> {
    /// `W_hh` by columns: `w_hh[j][g]` holds the weights of `h[j]` in gate `g` (i, f, g, o),
    /// one per unit.
    pub w_hh: [[[T; H]; 4]; H],
    /// `W_ih` by columns: `w_ih[i][g]` holds the weights of `x[i]` in gate `g`.
    pub w_ih: [[[T; H]; 4]; IN],
    /// `b_i· + b_h·` for each gate.
    pub bias: [[T; H]; 4],
}

/// `w` (`G` gates of `H` rows of `N`) by columns: `out[i][g][k] = w[g][k][i]`.
#[inline]
fn columns<T: Float, const G: usize, const N: usize, const H: usize>(
    w: &[[[T; N]; H]; G],
) -> [[[T; H]; G]; N] {
    let mut out = [[[T::zero(); H]; G]; N];
    for (g, rows) in w.iter().enumerate() {
        for (k, row) in rows.iter().enumerate() {
            for (i, &v) in row.iter().enumerate() {
                out[i][g][k] = v;
            }
        }
    }
    out
}

/// [`columns`] into `out`, in place (for `freeze_into`, which keeps a large layer off the
/// stack).
#[inline]
fn columns_into<T: Float, const G: usize, const N: usize, const H: usize>(
    w: &[[[T; N]; H]; G],
    out: &mut [[[T; H]; G]; N],
) {
    for (g, rows) in w.iter().enumerate() {
        for (k, row) in rows.iter().enumerate() {
            for (i, &v) in row.iter().enumerate() {
                out[i][g][k] = v;
            }
        }
    }
}

/// `z += Σⱼ x[j]·wt[j]` with `s`'s kernel, else the portable loop.
#[inline(always)]
fn add_cols<T: Float, S: Isa>(s: S, wt: &[T], x: &[T], z: &mut [T]) {
    if !s.add_cols(wt, x, z) {
        kernels::add_cols(wt, x, z);
    }
}

impl<T: Float, const IN: usize, const H: usize> FrozenGru<T, IN, H> {
    /// One time step: the new hidden state (also the output) from `h` and `x`, as
    /// [`Gru::step`] computes it.
    #[inline]
    pub fn step(&self, h: &mut [T; H], x: &[T; IN]) -> [T; H] {
        self.step_with(None::<Portable>, h, x)
    }

    /// [`step`](Self::step) inside a step compiled for the instruction set `s`
    /// ([`kernels::dispatch`]).
    #[inline(always)]
    pub fn step_isa<S: Isa>(&self, s: S, h: &mut [T; H], x: &[T; IN]) -> [T; H] {
        self.step_with(Some(s), h, x)
    }

    /// A step with the column kernel of `s`, or of the CPU's level when `None`; the portable
    /// step where there is none.
    #[inline(always)]
    fn step_with<S: Isa>(&self, s: Option<S>, h: &mut [T; H], x: &[T; IN]) -> [T; H] {
        if self.simd_step(s, h, x) {
            return *h;
        }
        match s {
            Some(s) => self.step_portable(s, h, x),
            None => self.step_portable(Portable, h, x),
        }
    }

    /// The step in `f32` SIMD lanes ([`kernels::recurrent_cols`]) where the CPU has AVX2 or
    /// AVX-512, `h` advanced; `false` (nothing done) for other scalars and CPUs. With `s`, the
    /// kernel of that instruction set; without, of the CPU's level.
    #[inline(always)]
    fn simd_step<S: Isa>(&self, s: Option<S>, h: &mut [T; H], x: &[T; IN]) -> bool {
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        {
            use kernels::recurrent::{f32s, f32s_mut};
            use kernels::recurrent_cols as rc;
            if let (Some(t), Some(x), Some(h)) = (self.f32_cols(), f32s(x), f32s_mut(h)) {
                return match s {
                    Some(s) => s.gru_cols(t, x, h),
                    None => rc::gru(kernels::simd::level(), t, x, h),
                };
            }
            false
        }
        #[cfg(not(all(feature = "std", target_arch = "x86_64")))]
        {
            let _ = (s, h, x);
            false
        }
    }

    /// The tensors as `f32` slices when `T` is `f32`.
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    #[inline(always)]
    fn f32_cols(&self) -> Option<kernels::recurrent_cols::Cols<'_>> {
        Some(kernels::recurrent_cols::Cols {
            w_ih: T::as_f32s(self.w_ih.as_flattened().as_flattened())?,
            w_hh: T::as_f32s(self.w_hh.as_flattened().as_flattened())?,
            bias: T::as_f32s(self.bias.as_flattened())?,
            b_hn: T::as_f32s(&self.b_hn)?,
        })
    }

    /// The step in loops over whole gate vectors, `s`'s vector lanes for the column products
    /// and the gates where it has them.
    #[inline(always)]
    fn step_portable<S: Isa>(&self, s: S, h: &mut [T; H], x: &[T; IN]) -> [T; H] {
        let mut gi = self.bias;
        add_cols(
            s,
            self.w_ih.as_flattened().as_flattened(),
            x,
            gi.as_flattened_mut(),
        );
        let mut gh = [[T::zero(); H]; 3];
        gh[2] = self.b_hn;
        add_cols(
            s,
            self.w_hh.as_flattened().as_flattened(),
            h,
            gh.as_flattened_mut(),
        );
        let mut pre = [[T::zero(); H]; 2];
        for ((p, &i), &g) in pre
            .as_flattened_mut()
            .iter_mut()
            .zip(gi[..2].as_flattened())
            .zip(gh[..2].as_flattened())
        {
            *p = i + g;
        }
        let mut rz = [[T::zero(); H]; 2];
        Sigmoid.apply_layer_isa(s, pre.as_flattened(), rz.as_flattened_mut());
        let [r, z] = &rz;
        let mut npre = [T::zero(); H];
        for (((p, &i), &g), &r) in npre.iter_mut().zip(&gi[2]).zip(&gh[2]).zip(r) {
            *p = i + r * g;
        }
        let mut n = [T::zero(); H];
        Tanh.apply_layer_isa(s, &npre, &mut n);
        for (((h, &n), &z), o) in h.iter_mut().zip(&n).zip(z).zip(&mut pre[0]) {
            *h = (T::one() - z) * n + z * *h;
            *o = *h;
        }
        pre[0]
    }
}

impl<T: Float, const IN: usize, const H: usize> FrozenLstm<T, IN, H> {
    /// One time step: the new `h` (also the output), advancing `state`, as [`Lstm::step`]
    /// computes it.
    #[inline]
    pub fn step(&self, state: &mut LstmState<T, H>, x: &[T; IN]) -> [T; H] {
        self.step_with(None::<Portable>, state, x)
    }

    /// [`step`](Self::step) inside a step compiled for the instruction set `s`
    /// ([`kernels::dispatch`]).
    #[inline(always)]
    pub fn step_isa<S: Isa>(&self, s: S, state: &mut LstmState<T, H>, x: &[T; IN]) -> [T; H] {
        self.step_with(Some(s), state, x)
    }

    /// A step with the column kernel of `s`, or of the CPU's level when `None`; the portable
    /// step where there is none.
    #[inline(always)]
    fn step_with<S: Isa>(&self, s: Option<S>, state: &mut LstmState<T, H>, x: &[T; IN]) -> [T; H] {
        if self.simd_step(s, state, x) {
            return state.h;
        }
        match s {
            Some(s) => self.step_portable(s, state, x),
            None => self.step_portable(Portable, state, x),
        }
    }

    /// The step in `f32` SIMD lanes, as [`FrozenGru`]'s.
    #[inline(always)]
    fn simd_step<S: Isa>(&self, s: Option<S>, state: &mut LstmState<T, H>, x: &[T; IN]) -> bool {
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        {
            use kernels::recurrent::{f32s, f32s_mut};
            use kernels::recurrent_cols as rc;
            if let (Some(t), Some(x), Some(h), Some(c)) = (
                self.f32_cols(),
                f32s(x),
                f32s_mut(&mut state.h),
                f32s_mut(&mut state.c),
            ) {
                return match s {
                    Some(s) => s.lstm_cols(t, x, h, c),
                    None => rc::lstm(kernels::simd::level(), t, x, h, c),
                };
            }
            false
        }
        #[cfg(not(all(feature = "std", target_arch = "x86_64")))]
        {
            let _ = (s, state, x);
            false
        }
    }

    /// The tensors as `f32` slices when `T` is `f32`.
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    #[inline(always)]
    fn f32_cols(&self) -> Option<kernels::recurrent_cols::Cols<'_>> {
        Some(kernels::recurrent_cols::Cols {
            w_ih: T::as_f32s(self.w_ih.as_flattened().as_flattened())?,
            w_hh: T::as_f32s(self.w_hh.as_flattened().as_flattened())?,
            bias: T::as_f32s(self.bias.as_flattened())?,
            b_hn: &[],
        })
    }

    /// The step in loops over whole gate vectors, as [`FrozenGru`]'s.
    #[inline(always)]
    fn step_portable<S: Isa>(&self, s: S, state: &mut LstmState<T, H>, x: &[T; IN]) -> [T; H] {
        let mut pre = self.bias;
        let flat = pre.as_flattened_mut();
        add_cols(s, self.w_ih.as_flattened().as_flattened(), x, flat);
        add_cols(s, self.w_hh.as_flattened().as_flattened(), &state.h, flat);
        let mut gates = [[T::zero(); H]; 4];
        Sigmoid.apply_layer_isa(s, pre[..2].as_flattened(), gates[..2].as_flattened_mut());
        Tanh.apply_layer_isa(s, &pre[2], &mut gates[2]);
        Sigmoid.apply_layer_isa(s, &pre[3], &mut gates[3]);
        let [i, f, g, o] = &gates;
        for (((c, &i), &f), &g) in state.c.iter_mut().zip(i).zip(f).zip(g) {
            *c = f * *c + i * g;
        }
        let mut tc = [T::zero(); H];
        Tanh.apply_layer_isa(s, &state.c, &mut tc);
        for ((h, &o), &t) in state.h.iter_mut().zip(o).zip(&tc) {
            *h = o * t;
        }
        state.h
    }
}

impl<T: Float, const IN: usize, const H: usize> Freeze<T> for Gru<T, IN, H> {
    type Frozen = FrozenGru<T, IN, H>;

    fn freeze(&self) -> FrozenGru<T, IN, H> {
        let mut bias = self.bias_ih;
        for (b, h) in bias[..2]
            .as_flattened_mut()
            .iter_mut()
            .zip(self.bias_hh[..2].as_flattened())
        {
            *b += *h;
        }
        FrozenGru {
            w_hh: columns(&self.weight_hh),
            w_ih: columns(&self.weight_ih),
            bias,
            b_hn: self.bias_hh[2],
        }
    }

    fn freeze_into(&self, frozen: &mut FrozenGru<T, IN, H>) {
        columns_into(&self.weight_ih, &mut frozen.w_ih);
        columns_into(&self.weight_hh, &mut frozen.w_hh);
        frozen.bias = self.bias_ih;
        for (b, h) in frozen.bias[..2]
            .as_flattened_mut()
            .iter_mut()
            .zip(self.bias_hh[..2].as_flattened())
        {
            *b += *h;
        }
        frozen.b_hn = self.bias_hh[2];
    }
}

impl<T: Float, const IN: usize, const H: usize> Freeze<T> for Lstm<T, IN, H> {
    type Frozen = FrozenLstm<T, IN, H>;

    fn freeze(&self) -> FrozenLstm<T, IN, H> {
        let mut bias = self.bias_ih;
        for (b, h) in bias
            .as_flattened_mut()
            .iter_mut()
            .zip(self.bias_hh.as_flattened())
        {
            *b += *h;
        }
        FrozenLstm {
            w_hh: columns(&self.weight_hh),
            w_ih: columns(&self.weight_ih),
            bias,
        }
    }

    fn freeze_into(&self, frozen: &mut FrozenLstm<T, IN, H>) {
        columns_into(&self.weight_ih, &mut frozen.w_ih);
        columns_into(&self.weight_hh, &mut frozen.w_hh);
        frozen.bias = self.bias_ih;
        for (b, h) in frozen
            .bias
            .as_flattened_mut()
            .iter_mut()
            .zip(self.bias_hh.as_flattened())
        {
            *b += *h;
        }
    }
}

impl<T: Float, const IN: usize, const H: usize> FrozenLayer<T> for FrozenGru<T, IN, H> {
    type Input = [T; IN];
    type Output = [T; H];
    type State = [T; H];

    #[inline(always)]
    fn step_isa<S: Isa>(&self, s: S, state: &mut [T; H], x: &[T; IN]) -> [T; H] {
        FrozenGru::step_isa(self, s, state, x)
    }
}

impl<T: Float, const IN: usize, const H: usize> FrozenLayer<T> for FrozenLstm<T, IN, H> {
    type Input = [T; IN];
    type Output = [T; H];
    type State = LstmState<T, H>;

    #[inline(always)]
    fn step_isa<S: Isa>(&self, s: S, state: &mut LstmState<T, H>, x: &[T; IN]) -> [T; H] {
        FrozenLstm::step_isa(self, s, state, x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::init::Rng;
    use crate::layers::sequence::StepLayer;

    /// A layer of `L`'s kind with PyTorch's initialisation, doubled so that the gates are
    /// well away from linear, the biases of the two tensors different.
    fn random<T: Float, L: StepLayer<T, Config = ()>>(seed: u64) -> L {
        let mut l = L::zeroed(());
        l.init_in_place(&mut Rng::new(seed));
        for i in 0..4 {
            l.tensor_mut(i).iter_mut().for_each(|p| *p = *p + *p);
        }
        l
    }

    /// `got` within `rel` of `want`, relative with an absolute floor of `rel`.
    fn close<T: Float>(got: &[T], want: &[T], rel: f64, what: &str) {
        for (k, (&g, &w)) in got.iter().zip(want).enumerate() {
            let (g, w) = (g.to_f64().unwrap(), w.to_f64().unwrap());
            assert!(
                (g - w).abs() <= rel * w.abs().max(1.0),
                "{what}[{k}]: {g} vs {w}"
            );
        }
    }

    /// Inputs in ±1.5, a different one every step.
    fn inputs<T: Float, const IN: usize>(rng: &mut Rng) -> [T; IN] {
        core::array::from_fn(|_| rng.uniform(-1.5, 1.5))
    }

    pub(super) fn gru_steps<T: Float, S: Isa, const IN: usize, const H: usize>(
        s: Option<S>,
        seed: u64,
        rel: f64,
    ) {
        let l: Gru<T, IN, H> = random(seed);
        let f = l.freeze();
        let mut rng = Rng::new(seed + 1000);
        let (mut h, mut hf) = ([T::zero(); H], [T::zero(); H]);
        for t in 0..50 {
            let x = inputs::<T, IN>(&mut rng);
            let want = l.step(&mut h, &x);
            let got = match s {
                Some(s) => f.step_isa(s, &mut hf, &x),
                None => f.step(&mut hf, &x),
            };
            assert_eq!(got, hf, "the output is the state");
            close(&got, &want, rel, &std::format!("gru {IN}->{H} step {t}"));
            // Each side follows its own state: differences would grow if the steps differed.
        }
    }

    pub(super) fn lstm_steps<T: Float, S: Isa, const IN: usize, const H: usize>(
        s: Option<S>,
        seed: u64,
        rel: f64,
    ) {
        let l: Lstm<T, IN, H> = random(seed);
        let f = l.freeze();
        let mut rng = Rng::new(seed + 1000);
        let (mut st, mut sf) = (LstmState::zeroed(), LstmState::zeroed());
        for t in 0..50 {
            let x = inputs::<T, IN>(&mut rng);
            let want = l.step(&mut st, &x);
            let got = match s {
                Some(s) => f.step_isa(s, &mut sf, &x),
                None => f.step(&mut sf, &x),
            };
            assert_eq!(got, sf.h, "the output is the state's h");
            let what = std::format!("lstm {IN}->{H} step {t}");
            close(&got, &want, rel, &what);
            close(&sf.c, &st.c, rel, &std::format!("{what} c"));
        }
    }

    #[test]
    fn freezing_transposes_and_sums_the_biases() {
        let l: Gru<f64, 2, 3> = random(1);
        let f = l.freeze();
        for g in 0..3 {
            for k in 0..3 {
                for i in 0..2 {
                    assert_eq!(f.w_ih[i][g][k], l.weight_ih[g][k][i]);
                }
                for j in 0..3 {
                    assert_eq!(f.w_hh[j][g][k], l.weight_hh[g][k][j]);
                }
            }
        }
        assert_eq!(f.bias[0][1], l.bias_ih[0][1] + l.bias_hh[0][1]);
        assert_eq!(f.bias[2], l.bias_ih[2]);
        assert_eq!(f.b_hn, l.bias_hh[2]);
        let l: Lstm<f64, 2, 3> = random(2);
        let f = l.freeze();
        assert_eq!(f.w_hh[2][3][1], l.weight_hh[3][1][2]);
        assert_eq!(f.w_ih[1][2][0], l.weight_ih[2][0][1]);
        assert_eq!(f.bias[3][2], l.bias_ih[3][2] + l.bias_hh[3][2]);
    }

    #[test]
    fn f64_steps_match_the_trainable_layers() {
        let p = None::<Portable>;
        gru_steps::<f64, Portable, 1, 1>(p, 1, 1e-12);
        gru_steps::<f64, Portable, 1, 8>(p, 2, 1e-12);
        gru_steps::<f64, Portable, 3, 5>(p, 3, 1e-12);
        gru_steps::<f64, Portable, 2, 20>(p, 4, 1e-12);
        gru_steps::<f64, Portable, 1, 40>(Some(Portable), 5, 1e-12);
        lstm_steps::<f64, Portable, 1, 1>(p, 6, 1e-12);
        lstm_steps::<f64, Portable, 1, 16>(p, 7, 1e-12);
        lstm_steps::<f64, Portable, 3, 5>(p, 8, 1e-12);
        lstm_steps::<f64, Portable, 2, 40>(Some(Portable), 9, 1e-12);
    }

    #[test]
    fn f32_steps_match_the_trainable_layers() {
        let p = None::<Portable>;
        gru_steps::<f32, Portable, 1, 1>(p, 1, 2e-5);
        gru_steps::<f32, Portable, 1, 8>(p, 2, 2e-5);
        gru_steps::<f32, Portable, 1, 16>(p, 3, 2e-5);
        gru_steps::<f32, Portable, 3, 5>(p, 4, 2e-5);
        gru_steps::<f32, Portable, 2, 20>(Some(Portable), 5, 2e-5);
        gru_steps::<f32, Portable, 1, 32>(p, 6, 2e-5);
        lstm_steps::<f32, Portable, 1, 1>(p, 7, 2e-5);
        lstm_steps::<f32, Portable, 1, 16>(p, 8, 2e-5);
        lstm_steps::<f32, Portable, 3, 5>(p, 9, 2e-5);
        lstm_steps::<f32, Portable, 1, 40>(Some(Portable), 10, 2e-5);
    }

    /// The trait's step is the inherent one.
    #[test]
    fn the_frozen_layer_trait_steps() {
        let f = random::<f32, Gru<f32, 2, 4>>(3).freeze();
        let (mut a, mut b) = ([0.1f32; 4], [0.1f32; 4]);
        let x = [0.5, -0.5];
        assert_eq!(
            FrozenLayer::step_isa(&f, Portable, &mut a, &x),
            f.step_isa(Portable, &mut b, &x)
        );
        assert_eq!(a, b);
        let f = random::<f32, Lstm<f32, 2, 4>>(4).freeze();
        let (mut a, mut b) = (LstmState::zeroed(), LstmState::zeroed());
        assert_eq!(
            FrozenLayer::step_isa(&f, Portable, &mut a, &x),
            f.step_isa(Portable, &mut b, &x)
        );
        assert_eq!(a, b);
    }

    /// Every kernel this CPU has (each width at each level), and the dispatched step of a
    /// sequence network built of the layer, against the portable frozen step and the
    /// trainable step, each following its own state over 50 steps.
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    mod simd {
        use super::*;
        use crate::kernels::dispatch::{self, InferSteps};
        use crate::kernels::recurrent_cols::{self as rc, Lanes};
        use crate::kernels::simd::{Level, supported};

        const REL: f64 = 2e-5;

        /// The kernels this CPU has.
        fn kernels() -> std::vec::Vec<(Level, Lanes)> {
            let mut k = std::vec::Vec::new();
            if supported(Level::Avx512) {
                k.push((Level::Avx512, Lanes::Sixteen));
                k.push((Level::Avx512, Lanes::Eight));
            }
            if supported(Level::Avx2) {
                k.push((Level::Avx2, Lanes::Eight));
            }
            if k.is_empty() {
                std::eprintln!("no SIMD level on this CPU: skipped");
            }
            k
        }

        /// A one-layer sequence network, for `dispatch::step`'s instruction-set tokens.
        struct Net<L>(L);

        impl<const IN: usize, const H: usize> InferSteps for Net<FrozenGru<f32, IN, H>> {
            type Input = [f32; IN];
            type Output = [f32; H];
            type State = [f32; H];
            fn step_isa<S: Isa>(&self, s: S, h: &mut [f32; H], x: &[f32; IN]) -> [f32; H] {
                FrozenLayer::step_isa(&self.0, s, h, x)
            }
        }

        impl<const IN: usize, const H: usize> InferSteps for Net<FrozenLstm<f32, IN, H>> {
            type Input = [f32; IN];
            type Output = [f32; H];
            type State = LstmState<f32, H>;
            fn step_isa<S: Isa>(
                &self,
                s: S,
                st: &mut LstmState<f32, H>,
                x: &[f32; IN],
            ) -> [f32; H] {
                FrozenLayer::step_isa(&self.0, s, st, x)
            }
        }

        fn gru<const IN: usize, const H: usize>(seed: u64) {
            let l: Gru<f32, IN, H> = random(seed);
            let f = l.freeze();
            let net = Net(f);
            let t = f.f32_cols().unwrap();
            for (level, lanes) in kernels() {
                let what = std::format!("gru {IN}->{H} {level:?} {lanes:?}");
                let mut rng = Rng::new(seed + 1000);
                let (mut h, mut hp, mut ht, mut hd) = ([0.0f32; H], [0.0; H], [0.0; H], [0.0; H]);
                for step in 0..50 {
                    let x = inputs::<f32, IN>(&mut rng);
                    assert!(rc::gru_lanes(level, lanes, t, &x, &mut h), "{what}");
                    f.step_isa(Portable, &mut hp, &x);
                    l.step(&mut ht, &x);
                    let y = dispatch::step(&net, &mut hd, &x);
                    assert_eq!(y, hd, "{what}: the output is the state");
                    let what = std::format!("{what} step {step}");
                    close(&h, &hp, REL, &std::format!("{what} vs portable"));
                    close(&h, &ht, REL, &std::format!("{what} vs trainable"));
                    close(
                        &hd,
                        &ht,
                        REL,
                        &std::format!("{what} dispatched vs trainable"),
                    );
                }
            }
        }

        fn lstm<const IN: usize, const H: usize>(seed: u64) {
            let l: Lstm<f32, IN, H> = random(seed);
            let f = l.freeze();
            let net = Net(f);
            let t = f.f32_cols().unwrap();
            for (level, lanes) in kernels() {
                let what = std::format!("lstm {IN}->{H} {level:?} {lanes:?}");
                let mut rng = Rng::new(seed + 1000);
                let z = LstmState::<f32, H>::zeroed();
                let (mut s, mut sp, mut st, mut sd) = (z, z, z, z);
                for step in 0..50 {
                    let x = inputs::<f32, IN>(&mut rng);
                    assert!(
                        rc::lstm_lanes(level, lanes, t, &x, &mut s.h, &mut s.c),
                        "{what}"
                    );
                    f.step_isa(Portable, &mut sp, &x);
                    l.step(&mut st, &x);
                    let y = dispatch::step(&net, &mut sd, &x);
                    assert_eq!(y, sd.h, "{what}: the output is the state's h");
                    let what = std::format!("{what} step {step}");
                    for (a, b, w) in [
                        (&s, &sp, "portable"),
                        (&s, &st, "trainable"),
                        (&sd, &st, "dispatched"),
                    ] {
                        close(&a.h, &b.h, REL, &std::format!("{what} h vs {w}"));
                        close(&a.c, &b.c, REL, &std::format!("{what} c vs {w}"));
                    }
                }
            }
        }

        #[test]
        fn gru_kernels_match_the_portable_and_trainable_steps() {
            gru::<1, 1>(1);
            gru::<1, 3>(2);
            gru::<1, 8>(3);
            gru::<1, 16>(4);
            gru::<1, 20>(5);
            gru::<1, 32>(6);
            gru::<1, 40>(7);
            gru::<1, 64>(8);
            gru::<3, 5>(9);
            gru::<2, 16>(10);
            gru::<4, 40>(11);
        }

        #[test]
        fn lstm_kernels_match_the_portable_and_trainable_steps() {
            lstm::<1, 1>(1);
            lstm::<1, 3>(2);
            lstm::<1, 8>(3);
            lstm::<1, 16>(4);
            lstm::<1, 20>(5);
            lstm::<1, 32>(6);
            lstm::<1, 40>(7);
            lstm::<1, 64>(8);
            lstm::<3, 5>(9);
            lstm::<2, 16>(10);
            lstm::<4, 40>(11);
        }

        /// Wider than the kernels take, or the wrong lengths: left to the portable code.
        #[test]
        fn what_the_kernels_leave() {
            let f = random::<f32, Gru<f32, 1, 65>>(1).freeze();
            let mut h = [0.0; 65];
            for (level, lanes) in kernels() {
                assert!(!rc::gru_lanes(
                    level,
                    lanes,
                    f.f32_cols().unwrap(),
                    &[1.0],
                    &mut h
                ));
            }
            let f = random::<f32, Gru<f32, 1, 8>>(1).freeze();
            let mut t = f.f32_cols().unwrap();
            t.bias = &t.bias[1..];
            let mut h = [0.0; 8];
            assert!(!rc::gru(Level::Avx2, t, &[1.0], &mut h));
            assert!(!rc::gru(
                Level::Portable,
                f.f32_cols().unwrap(),
                &[1.0],
                &mut h
            ));
        }
    }
}
