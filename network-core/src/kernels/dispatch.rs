//! One run-time choice of instruction set for a whole forward pass.
//!
//! A default build compiles for the baseline x86-64 (SSE2). Calling a SIMD kernel per layer
//! costs a call, a check of the CPU level and a round trip of the layer's vector through
//! memory, which small layers cannot pay back. [`forward`] instead checks the level once
//! per pass (cached, [`simd::level`](super::simd::level)) and runs the network's whole
//! straight-line forward pass inside a function compiled for AVX2+FMA or AVX-512: LLVM
//! inlines the layers there and compiles their portable loops with wide vectors. The
//! instruction set reaches the layers as an [`Isa`] token, through which the activations call
//! the vector versions of [`act_simd`](super::act_simd) at every width.
//!
//! A sequence network's time step ([`InferSteps`], [`step`]) is chosen the same way, once per
//! step rather than once per layer: the recurrent layers' kernels
//! ([`recurrent`](super::recurrent)) and the dense layers inline into one function, where the
//! vector a layer hands the next stays in registers. [`step_block`] chooses once per buffer
//! and loops inside that function, where the recurrent state and the weights stay in
//! registers from one step to the next.
//!
//! The passes that keep a trace for training ([`Forward`], [`Steps`]) extend those that do
//! not ([`Infer`], [`InferSteps`]): a frozen network (`{Name}Frozen`, the layers'
//! [`FrozenLayer`](crate::FrozenLayer) forms) has only the latter, and runs through the same
//! [`forward`], [`forward_batch`], [`step`] and [`step_block`].
//!
//! The portable code keeps its order of operations (no multiply-add is fused, as Rust never
//! contracts), so every product is bit for bit the one of the portable code; `tanh` and
//! `sigmoid` run the vector code of [`act_simd`](super::act_simd) at every width, and the
//! recurrent gates their own fused versions, whose lanes are within 2 ulps of the correctly
//! rounded result but may differ from the scalar functions' bits.
//!
//! The `unsafe` here: calls of `#[target_feature]` functions, made only after checking that
//! the CPU has the features; the tokens that allow them are created nowhere else.
#![allow(unsafe_code)]

use crate::scalar::Float;

#[cfg(all(feature = "std", target_arch = "x86_64"))]
use super::{
    act_simd, matvec_cols, matvec_simd,
    recurrent::{self, GruGates, LstmGates, Tensors},
    recurrent_cols::{self, Cols},
    simd::{self, Level},
};

mod sealed {
    /// Only this module's tokens are instruction sets.
    pub trait Sealed {}
}

/// The instruction set a forward pass runs with: a token, which [`forward`] creates for a SIMD
/// level only after finding it on the CPU.
pub trait Isa: Copy + sealed::Sealed {
    /// `a = tanh(z)` in vector lanes, within 2 ulps of the correctly rounded result; `false`
    /// (nothing done) when the caller's scalar loop should run instead.
    fn tanh<T: Float>(self, z: &[T], a: &mut [T]) -> bool;

    /// `a = σ(z)` in vector lanes, within 2 ulps of the correctly rounded result; `false`
    /// (nothing done) as for [`tanh`](Self::tanh).
    fn sigmoid<T: Float>(self, z: &[T], a: &mut [T]) -> bool;

    /// `z += W·x` for one sample (`w` of `z.len()` rows of `x.len()`), with the bits of
    /// [`add_xwt`](super::add_xwt); `false` (nothing done) when the caller should call that.
    fn add_wx<T: Float>(self, w: &[T], x: &[T], z: &mut [T]) -> bool;

    /// `z += Σⱼ x[j]·wt[j]` for one sample (`wt` of `x.len()` columns of `z.len()`), as
    /// [`add_cols`](super::add_cols) computes it up to the order of its sums and the fusing of
    /// its multiply-adds (rounding only); `false` (nothing done) when the caller should call
    /// that.
    fn add_cols<T: Float>(self, wt: &[T], x: &[T], z: &mut [T]) -> bool;

    /// One `f32` GRU step with [`recurrent::gru`]'s kernel for this instruction set;
    /// `false` (nothing done) when the caller's portable step should run instead.
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    fn gru<const IN: usize, const H: usize>(
        self,
        t: Tensors,
        x: &[f32; IN],
        h: &mut [f32; H],
        y: &mut [f32; H],
        gates: Option<GruGates<H>>,
    ) -> bool;

    /// One `f32` LSTM step with [`recurrent::lstm`]'s kernel for this instruction set;
    /// `false` (nothing done) as for [`gru`](Self::gru).
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    #[allow(clippy::too_many_arguments)]
    fn lstm<const IN: usize, const H: usize>(
        self,
        t: Tensors,
        x: &[f32; IN],
        h: &mut [f32; H],
        c: &mut [f32; H],
        y: &mut [f32; H],
        gates: Option<LstmGates<H>>,
    ) -> bool;

    /// One frozen `f32` GRU step with [`recurrent_cols::gru`]'s kernel for this instruction
    /// set; `false` (nothing done) when the caller's portable step should run instead.
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    fn gru_cols<const IN: usize, const H: usize>(
        self,
        t: Cols,
        x: &[f32; IN],
        h: &mut [f32; H],
    ) -> bool;

    /// One frozen `f32` LSTM step with [`recurrent_cols::lstm`]'s kernel for this
    /// instruction set; `false` (nothing done) as for [`gru_cols`](Self::gru_cols).
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    fn lstm_cols<const IN: usize, const H: usize>(
        self,
        t: Cols,
        x: &[f32; IN],
        h: &mut [f32; H],
        c: &mut [f32; H],
    ) -> bool;
}

/// The portable code: every target, every scalar type.
#[derive(Clone, Copy, Debug)]
pub struct Portable;

impl sealed::Sealed for Portable {}

impl Isa for Portable {
    #[inline(always)]
    fn tanh<T: Float>(self, _: &[T], _: &mut [T]) -> bool {
        false
    }

    #[inline(always)]
    fn sigmoid<T: Float>(self, _: &[T], _: &mut [T]) -> bool {
        false
    }

    #[inline(always)]
    fn add_wx<T: Float>(self, _: &[T], _: &[T], _: &mut [T]) -> bool {
        false
    }

    #[inline(always)]
    fn add_cols<T: Float>(self, _: &[T], _: &[T], _: &mut [T]) -> bool {
        false
    }

    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    #[inline(always)]
    fn gru<const IN: usize, const H: usize>(
        self,
        _: Tensors,
        _: &[f32; IN],
        _: &mut [f32; H],
        _: &mut [f32; H],
        _: Option<GruGates<H>>,
    ) -> bool {
        false
    }

    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    #[inline(always)]
    fn lstm<const IN: usize, const H: usize>(
        self,
        _: Tensors,
        _: &[f32; IN],
        _: &mut [f32; H],
        _: &mut [f32; H],
        _: &mut [f32; H],
        _: Option<LstmGates<H>>,
    ) -> bool {
        false
    }

    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    #[inline(always)]
    fn gru_cols<const IN: usize, const H: usize>(
        self,
        _: Cols,
        _: &[f32; IN],
        _: &mut [f32; H],
    ) -> bool {
        false
    }

    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    #[inline(always)]
    fn lstm_cols<const IN: usize, const H: usize>(
        self,
        _: Cols,
        _: &[f32; IN],
        _: &mut [f32; H],
        _: &mut [f32; H],
    ) -> bool {
        false
    }
}

/// AVX2 with FMA, found on this CPU (the private field: only this module's dispatching
/// functions, [`forward`] and the others, create one).
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[derive(Clone, Copy, Debug)]
pub struct Avx2(());

/// AVX-512F and VL, AVX2 and FMA, found on this CPU (only the dispatching functions create
/// one).
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[derive(Clone, Copy, Debug)]
pub struct Avx512(());

/// Narrower layers take the vector code a lane at a time (`tanh_few`): one or two lanes take
/// as long alone as in a vector, and a masked load cannot take its data from the scalar stores
/// just before it.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
const MIN_LANES: usize = 4;

/// The `f32` slices of a product `z += W·x` (any layout of `w`) the SIMD kernels take.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[inline(always)]
fn product_f32s<'a, T: Float>(
    w: &'a [T],
    x: &'a [T],
    z: &'a mut [T],
) -> Option<(&'a [f32], &'a [f32], &'a mut [f32])> {
    Some((T::as_f32s(w)?, T::as_f32s(x)?, T::as_f32s_mut(z)?))
}

/// The `f32` slices of a layer the vector activations take (same length).
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[inline(always)]
fn lanes<'a, T: Float>(z: &'a [T], a: &'a mut [T]) -> Option<(&'a [f32], &'a mut [f32])> {
    match (T::as_f32s(z), T::as_f32s_mut(a)) {
        (Some(z), Some(a)) if z.len() == a.len() => Some((z, a)),
        _ => None,
    }
}

#[cfg(all(feature = "std", target_arch = "x86_64"))]
impl sealed::Sealed for Avx2 {}

#[cfg(all(feature = "std", target_arch = "x86_64"))]
impl Isa for Avx2 {
    #[inline(always)]
    fn tanh<T: Float>(self, z: &[T], a: &mut [T]) -> bool {
        let Some((z, a)) = lanes(z, a) else {
            return false;
        };
        // SAFETY: an `Avx2` exists only once `forward` found AVX2 and FMA on this CPU.
        unsafe {
            if z.len() < MIN_LANES {
                act_simd::avx2::tanh_few(z, a)
            } else {
                act_simd::avx2::tanh(z, a)
            }
        };
        true
    }

    #[inline(always)]
    fn sigmoid<T: Float>(self, z: &[T], a: &mut [T]) -> bool {
        let Some((z, a)) = lanes(z, a) else {
            return false;
        };
        // SAFETY: as in `tanh`.
        unsafe {
            if z.len() < MIN_LANES {
                act_simd::avx2::sigmoid_few(z, a)
            } else {
                act_simd::avx2::sigmoid(z, a)
            }
        };
        true
    }

    /// [`matvec_simd::add_wx_avx2`], inlined, for the layers below
    /// [`SIMD_MIN_WORK_PER_SAMPLE`](super::SIMD_MIN_WORK_PER_SAMPLE) weights that it takes
    /// (the portable order, which `add_xwt` uses there); LLVM's vectorisation of the
    /// portable loops transposes such rows with a permute per few weights.
    #[inline(always)]
    fn add_wx<T: Float>(self, w: &[T], x: &[T], z: &mut [T]) -> bool {
        let (n, m) = (x.len(), z.len());
        if !matvec_simd::fits_avx2(n, m) || n * m >= super::SIMD_MIN_WORK_PER_SAMPLE {
            return false;
        }
        let Some((w, x, z)) = product_f32s(w, x, z) else {
            return false;
        };
        // SAFETY: an `Avx2` exists only once `forward` found AVX2 and FMA on this CPU.
        unsafe { matvec_simd::add_wx_avx2(w, x, z) };
        true
    }

    /// [`matvec_cols::add_cols_avx2`], inlined, for the shapes it takes
    /// ([`matvec_cols::fits`]): the output vector stays in registers over all the inputs,
    /// where LLVM's vectorisation of the portable loop loads and stores it once per input.
    #[inline(always)]
    fn add_cols<T: Float>(self, wt: &[T], x: &[T], z: &mut [T]) -> bool {
        if !matvec_cols::fits(x.len(), z.len()) {
            return false;
        }
        let Some((wt, x, z)) = product_f32s(wt, x, z) else {
            return false;
        };
        // SAFETY: an `Avx2` exists only once `forward` found AVX2 and FMA on this CPU.
        unsafe { matvec_cols::add_cols_avx2(wt, x, z) };
        true
    }

    #[inline(always)]
    fn gru<const IN: usize, const H: usize>(
        self,
        t: Tensors,
        x: &[f32; IN],
        h: &mut [f32; H],
        y: &mut [f32; H],
        gates: Option<GruGates<H>>,
    ) -> bool {
        // SAFETY: an `Avx2` exists only once `forward` found AVX2 and FMA on this CPU.
        unsafe { recurrent::gru_known(Level::Avx2, t, x, h, y, gates) }
    }

    #[inline(always)]
    fn lstm<const IN: usize, const H: usize>(
        self,
        t: Tensors,
        x: &[f32; IN],
        h: &mut [f32; H],
        c: &mut [f32; H],
        y: &mut [f32; H],
        gates: Option<LstmGates<H>>,
    ) -> bool {
        // SAFETY: as in `gru`.
        unsafe { recurrent::lstm_known(Level::Avx2, t, x, h, c, y, gates) }
    }

    #[inline(always)]
    fn gru_cols<const IN: usize, const H: usize>(
        self,
        t: Cols,
        x: &[f32; IN],
        h: &mut [f32; H],
    ) -> bool {
        // SAFETY: an `Avx2` exists only once `forward` found AVX2 and FMA on this CPU.
        unsafe { recurrent_cols::gru_known(Level::Avx2, t, x, h) }
    }

    #[inline(always)]
    fn lstm_cols<const IN: usize, const H: usize>(
        self,
        t: Cols,
        x: &[f32; IN],
        h: &mut [f32; H],
        c: &mut [f32; H],
    ) -> bool {
        // SAFETY: as in `gru_cols`.
        unsafe { recurrent_cols::lstm_known(Level::Avx2, t, x, h, c) }
    }
}

#[cfg(all(feature = "std", target_arch = "x86_64"))]
impl sealed::Sealed for Avx512 {}

#[cfg(all(feature = "std", target_arch = "x86_64"))]
impl Isa for Avx512 {
    /// Sixteen lanes at a time; layers of up to 16 whose width is no multiple of 16 in the
    /// 8-lane AVX2 code, with a smaller masked tail, and no 512-bit masked access.
    #[inline(always)]
    fn tanh<T: Float>(self, z: &[T], a: &mut [T]) -> bool {
        let Some((z, a)) = lanes(z, a) else {
            return false;
        };
        if z.len() < MIN_LANES {
            // SAFETY: an `Avx512` exists only once `forward` found AVX-512F, AVX2 and FMA.
            unsafe { act_simd::avx2::tanh_few(z, a) };
        } else if z.len() < 16 {
            // SAFETY: as above.
            unsafe { act_simd::avx2::tanh(z, a) };
        } else {
            // SAFETY: as above.
            unsafe { act_simd::avx512::tanh(z, a) };
        }
        true
    }

    #[inline(always)]
    fn sigmoid<T: Float>(self, z: &[T], a: &mut [T]) -> bool {
        let Some((z, a)) = lanes(z, a) else {
            return false;
        };
        if z.len() < MIN_LANES {
            // SAFETY: as in `tanh`.
            unsafe { act_simd::avx2::sigmoid_few(z, a) };
        } else if z.len() < 16 {
            // SAFETY: as in `tanh`.
            unsafe { act_simd::avx2::sigmoid(z, a) };
        } else {
            // SAFETY: as in `tanh`.
            unsafe { act_simd::avx512::sigmoid(z, a) };
        }
        true
    }

    /// [`matvec_simd`], inlined, for the layers it takes: below
    /// [`SIMD_MIN_WORK_PER_SAMPLE`](super::SIMD_MIN_WORK_PER_SAMPLE) weights in the portable
    /// order, which `add_xwt` uses there (rows of 8, rows and outputs multiples of 16, else
    /// the AVX2 kernel for multiples of 8); from it, in the order of the AVX-512 kernel that
    /// `add_xwt` calls there.
    #[inline(always)]
    fn add_wx<T: Float>(self, w: &[T], x: &[T], z: &mut [T]) -> bool {
        let (n, m) = (x.len(), z.len());
        let small = n * m < super::SIMD_MIN_WORK_PER_SAMPLE;
        let fits = if small {
            matvec_simd::fits8(n, m) || matvec_simd::fits(n, m) || matvec_simd::fits_avx2(n, m)
        } else {
            matvec_simd::fits_fma(n, m)
        };
        if !fits {
            return false;
        }
        let Some((w, x, z)) = product_f32s(w, x, z) else {
            return false;
        };
        // SAFETY: an `Avx512` exists only once `forward` found AVX-512F, AVX2 and FMA on this
        // CPU (and `simd::level`, which `add_xwt` follows, reports AVX-512).
        unsafe {
            if !small {
                matvec_simd::add_wx_fma(w, x, z)
            } else if matvec_simd::fits8(n, m) {
                matvec_simd::add_wx8(w, x, z)
            } else if matvec_simd::fits(n, m) {
                matvec_simd::add_wx(w, x, z)
            } else {
                matvec_simd::add_wx_avx2(w, x, z)
            }
        };
        true
    }

    /// [`matvec_cols::add_cols_avx512`], inlined, for the shapes it takes
    /// ([`matvec_cols::fits`]), as for [`Avx2`]: in 256-bit vectors, with AVX-512's 32
    /// registers. (On a Zen 4, whose 512-bit operations take two 256-bit halves, 512-bit
    /// vectors measured as fast or slower: chained 16 -> 16 layers 14.9 against 18.4 ns a
    /// layer, 64 -> 64 92 against 94 ns; 784 -> 128 3.46 against 3.50 µs.)
    #[inline(always)]
    fn add_cols<T: Float>(self, wt: &[T], x: &[T], z: &mut [T]) -> bool {
        if !matvec_cols::fits(x.len(), z.len()) {
            return false;
        }
        let Some((wt, x, z)) = product_f32s(wt, x, z) else {
            return false;
        };
        // SAFETY: an `Avx512` exists only once `forward` found AVX-512F and VL, AVX2 and FMA
        // on this CPU.
        unsafe { matvec_cols::add_cols_avx512(wt, x, z, false) };
        true
    }

    #[inline(always)]
    fn gru<const IN: usize, const H: usize>(
        self,
        t: Tensors,
        x: &[f32; IN],
        h: &mut [f32; H],
        y: &mut [f32; H],
        gates: Option<GruGates<H>>,
    ) -> bool {
        // SAFETY: an `Avx512` exists only once `forward` found AVX-512F and VL, AVX2
        // and FMA on this CPU.
        unsafe { recurrent::gru_known(Level::Avx512, t, x, h, y, gates) }
    }

    #[inline(always)]
    fn lstm<const IN: usize, const H: usize>(
        self,
        t: Tensors,
        x: &[f32; IN],
        h: &mut [f32; H],
        c: &mut [f32; H],
        y: &mut [f32; H],
        gates: Option<LstmGates<H>>,
    ) -> bool {
        // SAFETY: as in `gru`.
        unsafe { recurrent::lstm_known(Level::Avx512, t, x, h, c, y, gates) }
    }

    #[inline(always)]
    fn gru_cols<const IN: usize, const H: usize>(
        self,
        t: Cols,
        x: &[f32; IN],
        h: &mut [f32; H],
    ) -> bool {
        // SAFETY: an `Avx512` exists only once `forward` found AVX-512F and VL, AVX2
        // and FMA on this CPU.
        unsafe { recurrent_cols::gru_known(Level::Avx512, t, x, h) }
    }

    #[inline(always)]
    fn lstm_cols<const IN: usize, const H: usize>(
        self,
        t: Cols,
        x: &[f32; IN],
        h: &mut [f32; H],
        c: &mut [f32; H],
    ) -> bool {
        // SAFETY: as in `gru_cols`.
        unsafe { recurrent_cols::lstm_known(Level::Avx512, t, x, h, c) }
    }
}

/// A network whose forward pass is written once for every [`Isa`]: the `network!` macro
/// implements it with the straight-line code of `Network::forward` for a network, and of the
/// frozen network's `forward` for its inference form (`{Name}Frozen`).
pub trait Infer {
    /// The input array.
    type Input;
    /// The output array.
    type Output;

    /// The forward pass, with the activations in the vector lanes `s` allows.
    fn forward_isa<S: Isa>(&self, s: S, x: &Self::Input) -> Self::Output;
}

/// A network whose forward pass keeping every layer's `z` and `a` is written once for every
/// [`Isa`] too: the `network!` macro implements it with the code of `forward_trace`.
pub trait Forward: Infer {
    /// What `forward_trace` keeps: the input and every layer's `z` and `a`.
    type Trace;

    /// The forward pass keeping every layer's `z` and `a`, as [`forward_isa`](Infer::forward_isa).
    fn forward_trace_isa<S: Isa>(&self, s: S, x: &Self::Input) -> Self::Trace;
}

/// `net`'s forward pass compiled for the best instruction set of this CPU (the portable code
/// without `std`, or off x86-64).
#[inline]
pub fn forward<N: Infer>(net: &N, x: &N::Input) -> N::Output {
    Simd::detected().forward(net, x)
}

/// [`forward`] over a batch, `ys[s]` the output for `xs[s]`: one choice of instruction set for
/// the whole batch, the loop over samples inside the function compiled for it.
///
/// # Panics
///
/// If the lengths differ.
#[inline]
pub fn forward_batch<N: Infer>(net: &N, xs: &[N::Input], ys: &mut [N::Output]) {
    assert_eq!(
        xs.len(),
        ys.len(),
        "forward_batch needs one output per input"
    );
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    match simd::level() {
        // SAFETY: as in `Simd::forward`.
        Level::Avx512 => {
            return unsafe { avx512_each(net, xs, ys) };
        }
        // SAFETY: the CPU has AVX2 and FMA.
        Level::Avx2 => return unsafe { avx2_each(net, xs, ys) },
        _ => {}
    }
    each(net, Portable, xs, ys)
}

/// The loop of [`forward_batch`] with `s`.
#[inline(always)]
fn each<N: Infer, S: Isa>(net: &N, s: S, xs: &[N::Input], ys: &mut [N::Output]) {
    for (x, y) in xs.iter().zip(ys.iter_mut()) {
        *y = net.forward_isa(s, x);
    }
}

/// [`forward_batch`] compiled for AVX2+FMA.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2,fma")]
fn avx2_each<N: Infer>(net: &N, xs: &[N::Input], ys: &mut [N::Output]) {
    each(net, Avx2(()), xs, ys)
}

/// [`forward_batch`] compiled for AVX-512F and VL (with AVX2+FMA).
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
fn avx512_each<N: Infer>(net: &N, xs: &[N::Input], ys: &mut [N::Output]) {
    each(net, Avx512(()), xs, ys)
}

/// `net`'s forward pass keeping every layer's `z` and `a`, compiled for the best instruction
/// set of this CPU, as [`forward`] does.
#[inline]
pub fn forward_trace<N: Forward>(net: &N, x: &N::Input) -> N::Trace {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    match simd::level() {
        // SAFETY: as in `Simd::forward`.
        Level::Avx512 => return unsafe { avx512_trace(net, x) },
        // SAFETY: the CPU has AVX2 and FMA.
        Level::Avx2 => return unsafe { avx2_trace(net, x) },
        _ => {}
    }
    net.forward_trace_isa(Portable, x)
}

/// The forward pass compiled for AVX2+FMA: `forward_isa` and the layers inline here.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2,fma")]
fn avx2<N: Infer>(net: &N, x: &N::Input) -> N::Output {
    net.forward_isa(Avx2(()), x)
}

/// The forward pass compiled for AVX-512F and VL (with AVX2+FMA): with VL, code on 128 and
/// 256 bits keeps that width (2 -> 8 -> 1 in 32 ns rather than 43 without it, where its
/// 8-lane masks and selects became 512-bit instructions).
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
fn avx512<N: Infer>(net: &N, x: &N::Input) -> N::Output {
    net.forward_isa(Avx512(()), x)
}

/// [`forward_trace`] compiled for AVX2+FMA.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2,fma")]
fn avx2_trace<N: Forward>(net: &N, x: &N::Input) -> N::Trace {
    net.forward_trace_isa(Avx2(()), x)
}

/// [`forward_trace`] compiled for AVX-512F and VL (with AVX2+FMA).
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
fn avx512_trace<N: Forward>(net: &N, x: &N::Input) -> N::Trace {
    net.forward_trace_isa(Avx512(()), x)
}

/// A sequence network whose time step is written once for every [`Isa`]: the `network!`
/// macro implements it with the straight-line step of `SequenceNetwork::step`, each layer
/// through `StepLayer::step_isa` (the recurrent layers' kernels for that instruction set, the
/// dense layers' `forward_isa`), and for the frozen network (`{Name}Frozen`) with its layers'
/// `FrozenLayer::step_isa`.
pub trait InferSteps {
    /// The input of one time step.
    type Input;
    /// The output of one time step.
    type Output;
    /// What the network carries from one step to the next.
    type State;

    /// One time step with the instruction set `s`, advancing `state`.
    fn step_isa<S: Isa>(&self, s: S, state: &mut Self::State, x: &Self::Input) -> Self::Output;
}

/// A sequence network whose time step keeping its trace is written once for every [`Isa`]
/// too: the `network!` macro implements it with the code of `SequenceNetwork::step_trace`.
pub trait Steps: InferSteps {
    /// What one step keeps for backpropagation.
    type Trace;

    /// One time step keeping its trace, as [`step_isa`](InferSteps::step_isa).
    fn step_trace_isa<S: Isa>(
        &self,
        s: S,
        state: &mut Self::State,
        x: &Self::Input,
        trace: &mut Self::Trace,
    );
}

/// `net`'s time step compiled for the best instruction set of this CPU, as [`forward`]
/// chooses it: the layers inline into one function, where the vector a layer hands the next
/// can stay in registers.
#[inline]
pub fn step<N: InferSteps>(net: &N, state: &mut N::State, x: &N::Input) -> N::Output {
    Simd::detected().step(net, state, x)
}

/// [`step`] over a buffer, `ys[t]` the output for `xs[t]`: one choice of instruction set for
/// the whole buffer, the loop inside the function compiled for it.
///
/// # Panics
///
/// If the lengths differ.
#[inline]
pub fn step_block<N: InferSteps>(
    net: &N,
    state: &mut N::State,
    xs: &[N::Input],
    ys: &mut [N::Output],
) {
    assert_eq!(xs.len(), ys.len(), "step_block needs one output per input");
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    match simd::level() {
        // SAFETY: as in `Simd::forward`.
        Level::Avx512 => {
            return unsafe { avx512_block(net, state, xs, ys) };
        }
        // SAFETY: the CPU has AVX2 and FMA.
        Level::Avx2 => return unsafe { avx2_block(net, state, xs, ys) },
        _ => {}
    }
    block(net, Portable, state, xs, ys)
}

/// [`step`] keeping the step's trace.
#[inline]
pub fn step_trace<N: Steps>(net: &N, state: &mut N::State, x: &N::Input, trace: &mut N::Trace) {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    match simd::level() {
        // SAFETY: as in `Simd::forward`.
        Level::Avx512 => {
            return unsafe { avx512_step_trace(net, state, x, trace) };
        }
        // SAFETY: the CPU has AVX2 and FMA.
        Level::Avx2 => return unsafe { avx2_step_trace(net, state, x, trace) },
        _ => {}
    }
    net.step_trace_isa(Portable, state, x, trace)
}

/// The loop of [`step_block`] with `s`.
#[inline(always)]
fn block<N: InferSteps, S: Isa>(
    net: &N,
    s: S,
    state: &mut N::State,
    xs: &[N::Input],
    ys: &mut [N::Output],
) {
    for (x, y) in xs.iter().zip(ys.iter_mut()) {
        *y = net.step_isa(s, state, x);
    }
}

/// [`step`] compiled for AVX2+FMA.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2,fma")]
fn avx2_step<N: InferSteps>(net: &N, state: &mut N::State, x: &N::Input) -> N::Output {
    net.step_isa(Avx2(()), state, x)
}

/// [`step`] compiled for AVX-512F and VL (with AVX2+FMA).
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
fn avx512_step<N: InferSteps>(net: &N, state: &mut N::State, x: &N::Input) -> N::Output {
    net.step_isa(Avx512(()), state, x)
}

/// [`step_block`] compiled for AVX2+FMA.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2,fma")]
fn avx2_block<N: InferSteps>(net: &N, state: &mut N::State, xs: &[N::Input], ys: &mut [N::Output]) {
    block(net, Avx2(()), state, xs, ys)
}

/// [`step_block`] compiled for AVX-512F and VL (with AVX2+FMA).
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
fn avx512_block<N: InferSteps>(
    net: &N,
    state: &mut N::State,
    xs: &[N::Input],
    ys: &mut [N::Output],
) {
    block(net, Avx512(()), state, xs, ys)
}

/// [`step_trace`] compiled for AVX2+FMA.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2,fma")]
fn avx2_step_trace<N: Steps>(net: &N, state: &mut N::State, x: &N::Input, trace: &mut N::Trace) {
    net.step_trace_isa(Avx2(()), state, x, trace)
}

/// [`step_trace`] compiled for AVX-512F and VL (with AVX2+FMA).
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
fn avx512_step_trace<N: Steps>(net: &N, state: &mut N::State, x: &N::Input, trace: &mut N::Trace) {
    net.step_trace_isa(Avx512(()), state, x, trace)
}

/// The instruction set of this CPU, chosen once for a stretch of code by [`with_simd`].
///
/// A network's `forward` (or `step`) chooses the instruction set on every call and calls a
/// function compiled for it, which a default build cannot inline into the caller: for small
/// layers that call (the level check, the jump, the output returned through memory) costs
/// as much as the layer. Inside `with_simd`'s closure the choice is made already: the closure
/// is compiled once per instruction set, each copy inside a function compiled for that set,
/// and a frozen network's `forward_with(simd, x)` (or this token's [`forward`](Self::forward)
/// and [`step`](Self::step)) inlines there, its layers' weights and vectors in the caller's
/// registers, as with `-C target-cpu=native`.
///
/// Only this module makes one ([`with_simd`], and [`forward`] and [`step`] for each call),
/// after finding the instruction set on the CPU; a token that outlives its closure stays
/// valid (the CPU does not change), its calls then simply not inlined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Simd(#[cfg(all(feature = "std", target_arch = "x86_64"))] Level);

impl Simd {
    /// The level this CPU has (capped by `NETWORK_SIMD`), read from its one-byte cache.
    #[inline(always)]
    fn detected() -> Simd {
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        return Simd(simd::level());
        #[cfg(not(all(feature = "std", target_arch = "x86_64")))]
        Simd()
    }

    /// The instruction set: `"avx512"`, `"avx2"` or `"portable"`.
    pub fn name(self) -> &'static str {
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        match self.0 {
            Level::Avx512 => return "avx512",
            Level::Avx2 => return "avx2",
            Level::Portable => {}
        }
        "portable"
    }

    /// `net`'s forward pass with this instruction set: [`forward`], without choosing again.
    #[inline(always)]
    pub fn forward<N: Infer>(self, net: &N, x: &N::Input) -> N::Output {
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        match self.0 {
            // SAFETY: a token holds a level the CPU has (`detected`, `with_simd`), and each
            // level includes the ones below it: AVX-512F and VL, AVX2 and FMA here.
            Level::Avx512 => return unsafe { avx512(net, x) },
            // SAFETY: as above; AVX2 and FMA.
            Level::Avx2 => return unsafe { avx2(net, x) },
            Level::Portable => {}
        }
        net.forward_isa(Portable, x)
    }

    /// `net`'s time step with this instruction set: [`step`], without choosing again.
    #[inline(always)]
    pub fn step<N: InferSteps>(self, net: &N, state: &mut N::State, x: &N::Input) -> N::Output {
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        match self.0 {
            // SAFETY: as in `Simd::forward`.
            Level::Avx512 => return unsafe { avx512_step(net, state, x) },
            // SAFETY: as in `Simd::forward`.
            Level::Avx2 => return unsafe { avx2_step(net, state, x) },
            Level::Portable => {}
        }
        net.step_isa(Portable, state, x)
    }
}

/// Runs `f` with the instruction set of this CPU chosen once, for every network call in it
/// (see [`Simd`]): `f` is compiled once per instruction set, each copy inside a function
/// compiled for it, and the copy for this CPU runs.
///
/// Mark the closure `#[inline(always)]`: LLVM otherwise keeps a long closure a function of
/// its own, compiled for the baseline, and each call in it then chooses again (correct, but
/// no faster than the network's own `forward`).
///
/// A frozen network's `forward_with(simd, x)` inside the closure (the `network` crate's README
/// has the example):
///
/// ```text
/// network::with_simd(#[inline(always)] |simd| {
///     for (x, y) in inputs.iter().zip(&mut outputs) {
///         *y = frozen.forward_with(simd, x);
///     }
/// });
/// ```
///
/// The token names the instruction set chosen:
///
/// ```
/// let chosen = network_core::with_simd(|simd| simd.name());
/// assert!(["avx512", "avx2", "portable"].contains(&chosen));
/// ```
#[inline]
pub fn with_simd<R>(f: impl FnOnce(Simd) -> R) -> R {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    {
        /// `f` compiled for AVX-512F and VL (with AVX2+FMA).
        #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
        fn avx512_scope<R>(f: impl FnOnce(Simd) -> R) -> R {
            f(Simd(Level::Avx512))
        }
        /// `f` compiled for AVX2+FMA.
        #[target_feature(enable = "avx2,fma")]
        fn avx2_scope<R>(f: impl FnOnce(Simd) -> R) -> R {
            f(Simd(Level::Avx2))
        }
        match simd::level() {
            // SAFETY: the CPU has AVX-512F and VL, AVX2 and FMA.
            Level::Avx512 => unsafe { avx512_scope(f) },
            // SAFETY: the CPU has AVX2 and FMA.
            Level::Avx2 => unsafe { avx2_scope(f) },
            Level::Portable => f(Simd(Level::Portable)),
        }
    }
    #[cfg(not(all(feature = "std", target_arch = "x86_64")))]
    f(Simd())
}

/// Which product of one sample [`product`] runs.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Product {
    /// The portable column loop [`add_cols`](super::add_cols), compiled for the level.
    PortableCols,
    /// [`Isa::add_cols`] (the portable loop where it returns `false`).
    Cols,
    /// With AVX-512, the column kernel in 512-bit vectors from 16 outputs on (as
    /// [`Cols`](Self::Cols) with AVX2).
    Cols512,
    /// [`Isa::add_wx`] on the row-major weights (else [`add_xwt`](super::add_xwt)), as the
    /// trainable `Dense` layer runs it.
    Rows,
}

/// `b + W·x` for one sample by `p`, compiled for `level` as a forward pass is: a benchmark of
/// the kernels alone, with the sizes known at compile time as in a network. `wt` holds the
/// weights column-major (for the column products), `w` the same row-major (for
/// [`Product::Rows`]). `None` when the CPU lacks `level` (or for [`Level::Portable`]).
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[doc(hidden)]
pub fn product<const N: usize, const M: usize>(
    level: Level,
    p: Product,
    wt: &[[f32; M]; N],
    w: &[[f32; N]; M],
    x: &[f32; N],
    b: &[f32; M],
) -> Option<[f32; M]> {
    if !simd::supported(level) {
        return None;
    }
    // SAFETY: `supported` found the level's features (AVX-512 meaning F and VL with AVX2 and
    // FMA).
    unsafe {
        // One function per product: each compiled alone, as it would be in a network.
        match (level, p) {
            (Level::Avx2, Product::PortableCols) => Some(product_avx2::<0, N, M>(wt, w, x, b)),
            (Level::Avx2, Product::Cols) => Some(product_avx2::<1, N, M>(wt, w, x, b)),
            (Level::Avx2, Product::Rows) => Some(product_avx2::<2, N, M>(wt, w, x, b)),
            (Level::Avx2, Product::Cols512) => Some(product_avx2::<1, N, M>(wt, w, x, b)),
            (Level::Avx512, Product::PortableCols) => Some(product_avx512::<0, N, M>(wt, w, x, b)),
            (Level::Avx512, Product::Cols) => Some(product_avx512::<1, N, M>(wt, w, x, b)),
            (Level::Avx512, Product::Rows) => Some(product_avx512::<2, N, M>(wt, w, x, b)),
            (Level::Avx512, Product::Cols512) => Some(product_avx512::<3, N, M>(wt, w, x, b)),
            (Level::Portable, _) => None,
        }
    }
}

/// [`product`] with the token `s`, inlined into the caller: `P` 0, 1, 2 for
/// [`Product::PortableCols`], [`Product::Cols`], [`Product::Rows`]; 3 for
/// [`Product::Cols512`] with AVX-512 only.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[inline(always)]
fn product_isa<S: Isa, const P: u8, const N: usize, const M: usize>(
    s: S,
    wt: &[[f32; M]; N],
    w: &[[f32; N]; M],
    x: &[f32; N],
    b: &[f32; M],
) -> [f32; M] {
    let (wt, w, mut z) = (wt.as_flattened(), w.as_flattened(), *b);
    match P {
        0 => super::add_cols(wt, x, &mut z),
        1 => {
            if !s.add_cols(wt, x, &mut z) {
                super::add_cols(wt, x, &mut z)
            }
        }
        2 => {
            if !s.add_wx(w, x, &mut z) {
                super::add_xwt(x, w, N, &mut z)
            }
        }
        // SAFETY: `P = 3` only in `product_avx512`, compiled for the kernel's features, which
        // the CPU has.
        _ => unsafe { matvec_cols::add_cols_avx512(wt, x, &mut z, true) },
    }
    z
}

/// [`product`] compiled for AVX2+FMA.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2,fma")]
#[inline(never)]
fn product_avx2<const P: u8, const N: usize, const M: usize>(
    wt: &[[f32; M]; N],
    w: &[[f32; N]; M],
    x: &[f32; N],
    b: &[f32; M],
) -> [f32; M] {
    product_isa::<_, P, N, M>(Avx2(()), wt, w, x, b)
}

/// [`product`] compiled for AVX-512F and VL (with AVX2+FMA).
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
#[inline(never)]
fn product_avx512<const P: u8, const N: usize, const M: usize>(
    wt: &[[f32; M]; N],
    w: &[[f32; N]; M],
    x: &[f32; N],
    b: &[f32; M],
) -> [f32; M] {
    product_isa::<_, P, N, M>(Avx512(()), wt, w, x, b)
}

#[cfg(all(test, feature = "std", target_arch = "x86_64"))]
mod tests {
    use super::*;
    use crate::layers::activation::{Activation, Identity, Relu, Sigmoid, Softmax, Tanh};
    use crate::{Dense, Rng};
    use std::boxed::Box;
    use std::vec::Vec;

    /// Distance in units in the last place, counting across zero.
    fn ulps(a: f32, b: f32) -> u32 {
        let key = |v: f32| {
            let i = v.to_bits() as i32;
            if i < 0 { i32::MIN - i } else { i }
        };
        (key(a) as i64 - key(b) as i64).unsigned_abs() as u32
    }

    /// One layer's `forward_isa` with `s` against `forward` on many inputs: the same bits of
    /// `z`, and of `a` but for `tanh` and `sigmoid`, whose `a` is within 2 ulps of the
    /// correctly rounded function of `z`.
    fn same_bits<const I: usize, const O: usize, A: Activation, S: Isa>(act: A, s: S, seed: u64) {
        let mut rng = Rng::new(seed);
        // Boxed: 784 × 128 does not fit a test thread's stack.
        let mut layer: Box<Dense<f32, I, O, A>> = Box::new(Dense::zeroed(act));
        layer.init_in_place(&mut rng);
        for b in &mut layer.bias {
            *b = rng.uniform(-0.5, 0.5);
        }
        let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        for scale in [0.1, 1.0, 3.0, 30.0] {
            for _ in 0..20 {
                let x: [f32; I] = core::array::from_fn(|_| rng.uniform(-scale, scale));
                let reference: Option<fn(f64) -> f64> = match act.name() {
                    "tanh" => Some(f64::tanh),
                    "sigmoid" => Some(|z| 1.0 / (1.0 + (-z).exp())),
                    _ => None,
                };
                let (want, got) = (layer.forward_trace(&x), layer.forward_trace_isa(s, &x));
                assert_eq!(bits(&got.z), bits(&want.z), "{I} -> {O} {} z", act.name());
                let out = layer.forward_isa(s, &x);
                assert_eq!(bits(&out), bits(&got.a), "{I} -> {O} {}", act.name());
                match reference {
                    None => {
                        assert_eq!(bits(&got.a), bits(&want.a), "{I} -> {O} {}", act.name());
                        assert_eq!(bits(&out), bits(&layer.forward(&x)), "{I} -> {O}");
                    }
                    Some(f) => {
                        for (&z, &a) in got.z.iter().zip(&got.a) {
                            let e = ulps(a, f(z as f64) as f32);
                            assert!(e <= 2, "{I} -> {O} {} {z:e}: {e} ulps", act.name());
                        }
                    }
                }
            }
        }
    }

    fn every_shape<S: Isa>(s: S) {
        same_bits::<2, 8, _, _>(Tanh, s, 1);
        same_bits::<8, 1, _, _>(Sigmoid, s, 2);
        same_bits::<8, 3, _, _>(Tanh, s, 15);
        same_bits::<8, 8, _, _>(Identity, s, 3);
        same_bits::<16, 16, _, _>(Tanh, s, 4);
        same_bits::<16, 16, _, _>(Sigmoid, s, 5);
        same_bits::<32, 48, _, _>(Tanh, s, 6);
        same_bits::<12, 20, _, _>(Sigmoid, s, 7);
        same_bits::<64, 64, _, _>(Relu, s, 8);
        same_bits::<64, 32, _, _>(Tanh, s, 9);
        same_bits::<128, 10, _, _>(Softmax, s, 10);
        same_bits::<784, 128, _, _>(Relu, s, 11);
        same_bits::<240, 64, _, _>(Sigmoid, s, 12);
        same_bits::<24, 8, _, _>(Tanh, s, 13);
        same_bits::<16, 8, _, _>(Identity, s, 14);
    }

    /// A frozen layer's `forward_isa` with `s` against its trainable layer's with `s` on many
    /// inputs, within rounding (`tol` relative, with a floor of `tol`): the sums run in another
    /// order. One output takes the trainable layer's dot product: the same bits. Freezing and
    /// thawing gives the layer back bit for bit.
    fn frozen_close<T: Float, const I: usize, const O: usize, A: Activation, S: Isa>(
        act: A,
        s: S,
        seed: u64,
        tol: f64,
    ) {
        use crate::Freeze;
        let mut rng = Rng::new(seed);
        let mut layer: Box<Dense<T, I, O, A>> = Box::new(Dense::zeroed(act));
        layer.init_in_place(&mut rng);
        for b in &mut layer.bias {
            *b = rng.uniform(-0.5, 0.5);
        }
        let frozen = Box::new(layer.freeze());
        assert!(frozen.thaw() == *layer, "{I} -> {O}: thaw");
        for i in 0..I {
            for j in 0..O {
                assert!(frozen.weight_t[i][j] == layer.weight[j][i]);
            }
        }
        for scale in [0.1, 1.0, 3.0] {
            for _ in 0..20 {
                let x: [T; I] = core::array::from_fn(|_| rng.uniform(-scale, scale));
                let (want, got) = (layer.forward_isa(s, &x), frozen.forward_isa(s, &x));
                let portable = frozen.forward(&x);
                for ((&w, &g), &p) in want.iter().zip(&got).zip(&portable) {
                    let (w, g, p) = (w.as_f64(), g.as_f64(), p.as_f64());
                    let bound = tol * w.abs().max(1.0);
                    assert!(
                        (w - g).abs() <= bound,
                        "{I} -> {O} {}: {g} vs {w}",
                        act.name()
                    );
                    assert!(
                        (w - p).abs() <= bound,
                        "{I} -> {O} {}: {p} vs {w}",
                        act.name()
                    );
                }
                if O == 1 && act.name() != "tanh" && act.name() != "sigmoid" {
                    assert!(want[0] == got[0], "{I} -> 1 {}: a dot product", act.name());
                }
            }
        }
    }

    fn frozen_shapes<T: Float, S: Isa>(s: S, tol: f64) {
        frozen_close::<T, 2, 8, _, _>(Tanh, s, 1, tol);
        frozen_close::<T, 8, 1, _, _>(Sigmoid, s, 2, tol);
        frozen_close::<T, 8, 1, _, _>(Identity, s, 2, tol);
        frozen_close::<T, 8, 2, _, _>(Tanh, s, 3, tol);
        frozen_close::<T, 8, 3, _, _>(Sigmoid, s, 4, tol);
        frozen_close::<T, 8, 8, _, _>(Identity, s, 5, tol);
        frozen_close::<T, 16, 16, _, _>(Tanh, s, 6, tol);
        frozen_close::<T, 16, 16, _, _>(Sigmoid, s, 7, tol);
        frozen_close::<T, 64, 64, _, _>(Relu, s, 8, tol);
        frozen_close::<T, 784, 128, _, _>(Relu, s, 9, tol);
        frozen_close::<T, 128, 10, _, _>(Softmax, s, 10, tol);
        frozen_close::<T, 3, 5, _, _>(Tanh, s, 11, tol);
        frozen_close::<T, 13, 7, _, _>(Relu, s, 12, tol);
        frozen_close::<T, 1, 1, _, _>(Identity, s, 13, tol);
        frozen_close::<T, 5, 33, _, _>(Identity, s, 14, tol);
        frozen_close::<T, 40, 24, _, _>(Tanh, s, 15, tol);
        // Two or three outputs, four columns side by side, with a tail of columns.
        frozen_close::<T, 64, 2, _, _>(Relu, s, 16, tol);
        frozen_close::<T, 13, 3, _, _>(Identity, s, 17, tol);
        frozen_close::<T, 9, 2, _, _>(Sigmoid, s, 18, tol);
        frozen_close::<T, 7, 3, _, _>(Identity, s, 19, tol);
    }

    #[test]
    fn frozen_dense_is_dense_within_rounding_at_every_level() {
        // A 784 × 128 layer passes through the stack on its way into its box in a debug build.
        let run = || {
            frozen_shapes::<f32, _>(Portable, 1e-5);
            frozen_shapes::<f64, _>(Portable, 1e-12);
            if simd::supported(Level::Avx2) {
                frozen_shapes::<f32, _>(Avx2(()), 1e-5);
                frozen_shapes::<f64, _>(Avx2(()), 1e-12);
            }
            if simd::supported(Level::Avx512) {
                frozen_shapes::<f32, _>(Avx512(()), 1e-5);
                frozen_shapes::<f64, _>(Avx512(()), 1e-12);
            }
        };
        std::thread::Builder::new()
            .stack_size(32 << 20)
            .spawn(run)
            .unwrap()
            .join()
            .unwrap();
    }

    /// `Isa::add_cols` with `s` against the portable loop: `f32` within rounding where `s`
    /// takes it (`simd`), `f64` left to the caller untouched.
    fn cols<S: Isa>(s: S, simd: bool) {
        let mut rng = Rng::new(21);
        for (n, m) in [
            (1, 1),
            (2, 8),
            (8, 1),
            (3, 5),
            (16, 16),
            (17, 33),
            (128, 10),
        ] {
            let wt: Vec<f32> = (0..n * m).map(|_| rng.uniform(-1.0, 1.0)).collect();
            let x: Vec<f32> = (0..n).map(|_| rng.uniform(-1.0, 1.0)).collect();
            let z0: Vec<f32> = (0..m).map(|_| rng.uniform(-1.0, 1.0)).collect();
            let mut want = z0.clone();
            super::super::add_cols(&wt, &x, &mut want);
            let mut got = z0.clone();
            assert_eq!(s.add_cols(&wt, &x, &mut got), simd, "{n} -> {m}");
            if simd {
                for (g, w) in got.iter().zip(&want) {
                    assert!(
                        (g - w).abs() <= 1e-5 * w.abs().max(1.0),
                        "{n} -> {m}: {g} {w}"
                    );
                }
            } else {
                assert_eq!(got, z0);
            }
            let wide = |v: &[f32]| v.iter().map(|&f| f as f64).collect::<Vec<_>>();
            let mut z = wide(&z0);
            assert!(!s.add_cols(&wide(&wt), &wide(&x), &mut z));
            assert_eq!(z, wide(&z0));
        }
    }

    #[test]
    fn add_cols_runs_the_kernels_on_f32() {
        cols(Portable, false);
        if simd::supported(Level::Avx2) {
            cols(Avx2(()), true);
        }
        if simd::supported(Level::Avx512) {
            cols(Avx512(()), true);
        }
    }

    /// A one-layer frozen network, for the `Simd` token's calls.
    struct OneLayer<L>(L);

    impl<const I: usize, const O: usize, A: Activation> Infer
        for OneLayer<crate::FrozenDense<f32, I, O, A>>
    {
        type Input = [f32; I];
        type Output = [f32; O];
        fn forward_isa<S: Isa>(&self, s: S, x: &[f32; I]) -> [f32; O] {
            crate::FrozenLayer::step_isa(&self.0, s, &mut (), x)
        }
    }

    /// A `Simd` token of each level the CPU has runs that level's pass, bit for bit, inside
    /// `with_simd`'s closure and outside it; the level `with_simd` hands out is the process's.
    #[test]
    fn simd_tokens_run_their_levels_pass() {
        use crate::Freeze;
        let mut rng = Rng::new(40);
        let mut layer: Dense<f32, 16, 16, Tanh> = Dense::zeroed(Tanh);
        layer.init_in_place(&mut rng);
        let net = OneLayer(layer.freeze());
        let xs: Vec<[f32; 16]> = (0..50)
            .map(|_| core::array::from_fn(|_| rng.uniform(-2.0, 2.0)))
            .collect();
        let bits = |v: [f32; 16]| v.map(f32::to_bits);
        let mut levels = std::vec![(Simd(Level::Portable), "portable")];
        if simd::supported(Level::Avx2) {
            levels.push((Simd(Level::Avx2), "avx2"));
        }
        if simd::supported(Level::Avx512) {
            levels.push((Simd(Level::Avx512), "avx512"));
        }
        for (token, name) in levels {
            assert_eq!(token.name(), name);
            for x in &xs {
                let want = match token.0 {
                    Level::Portable => net.forward_isa(Portable, x),
                    Level::Avx2 => net.forward_isa(Avx2(()), x),
                    Level::Avx512 => net.forward_isa(Avx512(()), x),
                };
                assert_eq!(bits(token.forward(&net, x)), bits(want), "{name}");
            }
        }
        let chosen = with_simd(|simd| simd);
        assert_eq!(chosen.0, simd::level());
        let (inside, outside) = (
            with_simd(
                #[inline(always)]
                |simd| simd.forward(&net, &xs[0]),
            ),
            forward(&net, &xs[0]),
        );
        assert_eq!(bits(inside), bits(outside));
    }

    #[test]
    fn every_level_gives_the_per_layer_results() {
        every_shape(Portable);
        if simd::supported(Level::Avx2) {
            every_shape(Avx2(()));
        }
        if simd::supported(Level::Avx512) {
            every_shape(Avx512(()));
        }
    }
}
