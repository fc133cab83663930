//! AVX-512 and AVX2+FMA versions of one time step of the `f32` recurrent layers
//! ([`Gru`](crate::Gru), [`Lstm`](crate::Lstm)) and of the GRU's step backward, chosen at run
//! time (the CPU's features detected once, read from one cached byte a step). A sequence
//! network's step instead inlines them whole into its function compiled for the instruction
//! set ([`dispatch`](super::dispatch)), with no choice left to make. An implementation detail
//! of the layers, public for tests and benchmarks.
//!
//! Each step waits for the previous `h`, so everything of one chunk of units (16 lanes with
//! AVX-512 where `H` fills them, else 8, with AVX-512VL's 32 registers where the CPU has
//! them) stays in registers from the products to the new state: `W_hh·h` as
//! row products, a row's lanes reduced with the other rows of its chunk by a transpose-and-add
//! tree (16 rows → one vector of their 16 sums; for rows of exactly one vector the tree's first
//! level comes from memory), `W_ih·x` and the biases added once, the gates, and their
//! combination. The weights stay PyTorch's row-major tensors, as the layers hold them: the
//! kernels read them in place, so nothing can go stale when parameters are written. (Columns,
//! which a transposed copy would give, would need one multiply-add per column instead of the
//! tree's three operations per row.)
//!
//! The gates are [`act_simd`](super::act_simd)'s `sigmoid_v` and `tanh_v` on one vector,
//! inlined into the step: branch-free, with fused multiply-adds and a short dependency chain
//! (a step waits for its gates in turn), within 2 ulps of the exact functions over every
//! `f32`, so a step differs from the portable code only in rounding. The 8-lane module with
//! AVX-512VL compiles the AVX2 ones with its own features.
//! Units past `H` in a chunk are masked lanes (loaded as zero, never stored).
//!
//! The `unsafe` here: vector loads and stores through raw pointers (some stores written in
//! assembly), full or masked to the lanes inside their tensor, at offsets the public
//! functions' length checks bound; and calls of `#[target_feature]` functions after checking
//! that the CPU has the feature.
#![allow(unsafe_code)]

use super::simd::Level;

/// At most this many vectors per row: wider layers take the portable code.
const MAX_CHUNKS: usize = 8;

/// The four tensors of a GRU (`G` = 3) or an LSTM (`G` = 4) as flat `f32` slices in PyTorch's
/// layout: `w_ih` is `[G·H, IN]`, `w_hh` is `[G·H, H]`, `b_ih` and `b_hh` are `[G·H]`.
#[derive(Clone, Copy, Debug)]
pub struct Tensors<'a> {
    /// `weight_ih_l0`.
    pub w_ih: &'a [f32],
    /// `weight_hh_l0`.
    pub w_hh: &'a [f32],
    /// `bias_ih_l0`.
    pub b_ih: &'a [f32],
    /// `bias_hh_l0`.
    pub b_hh: &'a [f32],
}

/// The mutable form of [`Tensors`], for gradients.
#[derive(Debug)]
pub struct TensorsMut<'a> {
    /// `∂L/∂weight_ih_l0`.
    pub w_ih: &'a mut [f32],
    /// `∂L/∂weight_hh_l0`.
    pub w_hh: &'a mut [f32],
    /// `∂L/∂bias_ih_l0`.
    pub b_ih: &'a mut [f32],
    /// `∂L/∂bias_hh_l0`.
    pub b_hh: &'a mut [f32],
}

impl Tensors<'_> {
    fn fits(&self, gates: usize, inputs: usize, h: usize) -> bool {
        let rows = gates * h;
        self.w_ih.len() == rows * inputs
            && self.w_hh.len() == rows * h
            && self.b_ih.len() == rows
            && self.b_hh.len() == rows
    }

    fn ptrs(&self) -> Ptrs {
        Ptrs {
            w_ih: self.w_ih.as_ptr(),
            w_hh: self.w_hh.as_ptr(),
            b_ih: self.b_ih.as_ptr(),
            b_hh: self.b_hh.as_ptr(),
        }
    }
}

impl TensorsMut<'_> {
    fn fits(&self, gates: usize, inputs: usize, h: usize) -> bool {
        let rows = gates * h;
        self.w_ih.len() == rows * inputs
            && self.w_hh.len() == rows * h
            && self.b_ih.len() == rows
            && self.b_hh.len() == rows
    }

    fn ptrs(&mut self) -> PtrsMut {
        PtrsMut {
            w_ih: self.w_ih.as_mut_ptr(),
            w_hh: self.w_hh.as_mut_ptr(),
            b_ih: self.b_ih.as_mut_ptr(),
            b_hh: self.b_hh.as_mut_ptr(),
        }
    }
}

/// [`Tensors`] as pointers, for the kernels.
#[derive(Clone, Copy)]
struct Ptrs {
    w_ih: *const f32,
    w_hh: *const f32,
    b_ih: *const f32,
    b_hh: *const f32,
}

/// [`TensorsMut`] as pointers, for the kernels.
#[derive(Clone, Copy)]
struct PtrsMut {
    w_ih: *mut f32,
    w_hh: *mut f32,
    b_ih: *mut f32,
    b_hh: *mut f32,
}

/// The instruction set a layer of `h` units runs on at `level`, if any: 16 lanes where AVX-512
/// is there and they leave no more lanes idle than 8 would, else 8. (A chunk of units half
/// empty costs a whole tree and whole gate functions per gate: `lstm(1 -> 40)` measured about
/// 8% faster as five chunks of 8 than as 16, 16 and 8. For 8 units, a 16-lane step with two
/// rows per vector took a quarter fewer instructions but measured slower, 75 against 61 ns
/// a step: a step waits for the one before, and the 512-bit division and permutations make
/// that chain longer.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Isa {
    Avx512,
    Avx2,
    /// 8 lanes with AVX-512VL's registers, constants and masks.
    Avx2Vl,
}

/// The kernel for a step requested at `level`, on this CPU (which may have less).
#[inline]
fn isa(level: Level, h: usize) -> Option<Isa> {
    isa_known(level.min(super::simd::level()), h)
}

/// [`isa`] for a caller compiled for `level`'s features, which it found on the CPU (as
/// [`dispatch`](super::dispatch)'s tokens are, AVX-512 meaning F and VL with AVX2 and FMA):
/// the same choice, without reading the CPU's bits, so that it folds away.
#[inline(always)]
fn isa_known(level: Level, h: usize) -> Option<Isa> {
    match level {
        _ if h == 0 => None,
        Level::Avx512
            if h <= 16 * MAX_CHUNKS
                && (h.div_ceil(16) * 2 == h.div_ceil(8) || h > 8 * MAX_CHUNKS) =>
        {
            Some(Isa::Avx512)
        }
        Level::Avx512 if h <= 8 * MAX_CHUNKS => Some(Isa::Avx2Vl),
        Level::Avx2 if h <= 8 * MAX_CHUNKS => Some(Isa::Avx2),
        _ => None,
    }
}

/// The best [`Level`] of this CPU ([`simd::level`](super::simd::level)).
#[inline]
pub fn level() -> Level {
    super::simd::level()
}

/// Where a GRU step writes its gates for backpropagation: `r`, `z`, `n` and `W_hn h + b_hn`.
#[derive(Debug)]
pub struct GruGates<'a, const H: usize> {
    /// The reset gate.
    pub r: &'a mut [f32; H],
    /// The update gate.
    pub z: &'a mut [f32; H],
    /// The candidate.
    pub n: &'a mut [f32; H],
    /// `W_hn h + b_hn`.
    pub hn: &'a mut [f32; H],
}

/// One GRU step at `level` (see [`Gru`](crate::Gru)): `h` becomes the new hidden state, `y`
/// a copy of it for the next layer to read, and the gates go to `gates` if given. (The copy is
/// stored in the pieces portable code loads, 16 bytes in a default build: loads of parts of
/// one wide store wait for it to reach the cache, about 20 ns a step measured. `h` keeps the
/// kernels' width, for the next step's loads.) `false` (nothing done) when `level` is not available, the
/// layer is wider than the kernels take, or the tensors' lengths don't fit `IN` and `H`.
#[inline]
pub fn gru<const IN: usize, const H: usize>(
    level: Level,
    t: Tensors,
    x: &[f32; IN],
    h: &mut [f32; H],
    y: &mut [f32; H],
    gates: Option<GruGates<H>>,
) -> bool {
    match isa(level, H) {
        // SAFETY: `isa` picked an instruction set this CPU has.
        Some(isa) => unsafe { gru_on::<IN, H, false>(isa, t, x, h, y, gates) },
        None => false,
    }
}

/// [`gru`] in a function compiled for `level`'s features (see [`isa_known`]).
///
/// # Safety
///
/// The CPU has `level`'s features (AVX-512 meaning F and VL with AVX2 and FMA).
#[inline(always)]
pub(crate) unsafe fn gru_known<const IN: usize, const H: usize>(
    level: Level,
    t: Tensors,
    x: &[f32; IN],
    h: &mut [f32; H],
    y: &mut [f32; H],
    gates: Option<GruGates<H>>,
) -> bool {
    match isa_known(level, H) {
        // SAFETY: the caller's contract.
        Some(isa) => unsafe { gru_on::<IN, H, true>(isa, t, x, h, y, gates) },
        None => false,
    }
}

/// [`gru`] with `isa`: with `INLINE`, the kernel inlined into the caller, which is compiled
/// for `isa`'s features, and `y` stored whole (the next layer, compiled there too, reads it
/// back from the registers or with loads of the store's width); else a call of the kernel.
///
/// # Safety
///
/// The CPU has `isa`'s features.
#[inline(always)]
unsafe fn gru_on<const IN: usize, const H: usize, const INLINE: bool>(
    isa: Isa,
    t: Tensors,
    x: &[f32; IN],
    h: &mut [f32; H],
    y: &mut [f32; H],
    gates: Option<GruGates<H>>,
) -> bool {
    if !t.fits(3, IN, H) {
        return false;
    }
    let p = t.ptrs();
    let (h, y) = (h.as_mut_ptr(), y.as_mut_ptr());
    // SAFETY: the tensors have the lengths the kernels read (checked by `fits`), `h` and the
    // gates are `H` long, and the CPU has `isa` (the caller's contract).
    unsafe {
        match (isa, gates) {
            (Isa::Avx512, None) => {
                if INLINE {
                    avx512::gru_inline::<IN, H, false, false>(p, x, h, y, [h; 4])
                } else {
                    avx512::gru::<IN, H, false>(p, x, h, y, [h; 4])
                }
            }
            (Isa::Avx2, None) => {
                if INLINE {
                    avx2::gru_inline::<IN, H, false, false>(p, x, h, y, [h; 4])
                } else {
                    avx2::gru::<IN, H, false>(p, x, h, y, [h; 4])
                }
            }
            (Isa::Avx2Vl, None) => {
                if INLINE {
                    avx2vl::gru_inline::<IN, H, false, false>(p, x, h, y, [h; 4])
                } else {
                    avx2vl::gru::<IN, H, false>(p, x, h, y, [h; 4])
                }
            }
            (isa, Some(g)) => {
                let out = [g.r, g.z, g.n, g.hn].map(|v| v.as_mut_ptr());
                match isa {
                    Isa::Avx512 => {
                        if INLINE {
                            avx512::gru_inline::<IN, H, true, false>(p, x, h, y, out)
                        } else {
                            avx512::gru::<IN, H, true>(p, x, h, y, out)
                        }
                    }
                    Isa::Avx2 => {
                        if INLINE {
                            avx2::gru_inline::<IN, H, true, false>(p, x, h, y, out)
                        } else {
                            avx2::gru::<IN, H, true>(p, x, h, y, out)
                        }
                    }
                    Isa::Avx2Vl => {
                        if INLINE {
                            avx2vl::gru_inline::<IN, H, true, false>(p, x, h, y, out)
                        } else {
                            avx2vl::gru::<IN, H, true>(p, x, h, y, out)
                        }
                    }
                }
            }
        }
    }
    true
}

/// Where an LSTM step writes what backpropagation needs: the gates i, f, g, o and `tanh(c')`.
#[derive(Debug)]
pub struct LstmGates<'a, const H: usize> {
    /// The gates i, f, g, o.
    pub gates: &'a mut [[f32; H]; 4],
    /// `tanh(c')`.
    pub tc: &'a mut [f32; H],
}

/// One LSTM step at `level` (see [`Lstm`](crate::Lstm)): `h` and `c` become the new state, `y`
/// a copy of `h` as [`gru`] writes it, and the gates go to `gates` if given. `false` (nothing done) as for [`gru`].
#[inline]
pub fn lstm<const IN: usize, const H: usize>(
    level: Level,
    t: Tensors,
    x: &[f32; IN],
    h: &mut [f32; H],
    c: &mut [f32; H],
    y: &mut [f32; H],
    gates: Option<LstmGates<H>>,
) -> bool {
    match isa(level, H) {
        // SAFETY: `isa` picked an instruction set this CPU has.
        Some(isa) => unsafe { lstm_on::<IN, H, false>(isa, t, x, h, c, y, gates) },
        None => false,
    }
}

/// [`lstm`] in a function compiled for `level`'s features (see [`isa_known`]).
///
/// # Safety
///
/// The CPU has `level`'s features (AVX-512 meaning F and VL with AVX2 and FMA).
#[inline(always)]
pub(crate) unsafe fn lstm_known<const IN: usize, const H: usize>(
    level: Level,
    t: Tensors,
    x: &[f32; IN],
    h: &mut [f32; H],
    c: &mut [f32; H],
    y: &mut [f32; H],
    gates: Option<LstmGates<H>>,
) -> bool {
    match isa_known(level, H) {
        // SAFETY: the caller's contract.
        Some(isa) => unsafe { lstm_on::<IN, H, true>(isa, t, x, h, c, y, gates) },
        None => false,
    }
}

/// [`lstm`] with `isa`, as [`gru_on`].
///
/// # Safety
///
/// As for [`gru_on`].
#[inline(always)]
unsafe fn lstm_on<const IN: usize, const H: usize, const INLINE: bool>(
    isa: Isa,
    t: Tensors,
    x: &[f32; IN],
    h: &mut [f32; H],
    c: &mut [f32; H],
    y: &mut [f32; H],
    gates: Option<LstmGates<H>>,
) -> bool {
    if !t.fits(4, IN, H) {
        return false;
    }
    let p = t.ptrs();
    let (h, c, y) = (h.as_mut_ptr(), c.as_mut_ptr(), y.as_mut_ptr());
    // SAFETY: as in `gru_on`; `c` is `H` long too.
    unsafe {
        match (isa, gates) {
            (Isa::Avx512, None) => {
                if INLINE {
                    avx512::lstm_inline::<IN, H, false, false>(p, x, h, c, y, [h; 5])
                } else {
                    avx512::lstm::<IN, H, false>(p, x, h, c, y, [h; 5])
                }
            }
            (Isa::Avx2, None) => {
                if INLINE {
                    avx2::lstm_inline::<IN, H, false, false>(p, x, h, c, y, [h; 5])
                } else {
                    avx2::lstm::<IN, H, false>(p, x, h, c, y, [h; 5])
                }
            }
            (Isa::Avx2Vl, None) => {
                if INLINE {
                    avx2vl::lstm_inline::<IN, H, false, false>(p, x, h, c, y, [h; 5])
                } else {
                    avx2vl::lstm::<IN, H, false>(p, x, h, c, y, [h; 5])
                }
            }
            (isa, Some(g)) => {
                let [i, f, gg, o] = g.gates;
                let out = [i, f, gg, o, g.tc].map(|v| v.as_mut_ptr());
                match isa {
                    Isa::Avx512 => {
                        if INLINE {
                            avx512::lstm_inline::<IN, H, true, false>(p, x, h, c, y, out)
                        } else {
                            avx512::lstm::<IN, H, true>(p, x, h, c, y, out)
                        }
                    }
                    Isa::Avx2 => {
                        if INLINE {
                            avx2::lstm_inline::<IN, H, true, false>(p, x, h, c, y, out)
                        } else {
                            avx2::lstm::<IN, H, true>(p, x, h, c, y, out)
                        }
                    }
                    Isa::Avx2Vl => {
                        if INLINE {
                            avx2vl::lstm_inline::<IN, H, true, false>(p, x, h, c, y, out)
                        } else {
                            avx2vl::lstm::<IN, H, true>(p, x, h, c, y, out)
                        }
                    }
                }
            }
        }
    }
    true
}

/// What one GRU step kept, as [`GruStep`](crate::GruStep) holds it.
#[derive(Clone, Copy, Debug)]
pub struct GruTrace<'a, const H: usize> {
    /// The hidden state the step started from.
    pub h_prev: &'a [f32; H],
    /// The reset gate.
    pub r: &'a [f32; H],
    /// The update gate.
    pub z: &'a [f32; H],
    /// The candidate.
    pub n: &'a [f32; H],
    /// `W_hn h + b_hn`.
    pub hn: &'a [f32; H],
}

/// Backpropagation through one GRU step at `level`, as [`Gru::step_backward`](crate::Gru)
/// computes it: adds the parameter gradients into `grads`, turns `carry` from `∂L/∂h'` into
/// `∂L/∂h`, and writes `∂L/∂x` into `dx`. `false` (nothing done) as for [`gru`].
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn gru_backward<const IN: usize, const H: usize>(
    level: Level,
    t: Tensors,
    mut grads: TensorsMut,
    x: &[f32; IN],
    trace: GruTrace<H>,
    dh: &[f32; H],
    carry: &mut [f32; H],
    dx: &mut [f32; IN],
) -> bool {
    if !t.fits(3, IN, H) || !grads.fits(3, IN, H) {
        return false;
    }
    let Some(isa) = isa(level, H) else {
        return false;
    };
    let (p, g) = (t.ptrs(), grads.ptrs());
    let tr = [trace.h_prev, trace.r, trace.z, trace.n, trace.hn].map(|v| v.as_ptr());
    // SAFETY: as in `gru`; the gradients have the tensors' lengths (checked by `fits`), and
    // every trace vector, `dh` and `carry` are `H` long.
    unsafe {
        match isa {
            Isa::Avx512 => avx512::gru_backward::<IN, H>(p, g, x, tr, dh.as_ptr(), carry, dx),
            Isa::Avx2 => avx2::gru_backward::<IN, H>(p, g, x, tr, dh.as_ptr(), carry, dx),
            Isa::Avx2Vl => avx2vl::gru_backward::<IN, H>(p, g, x, tr, dh.as_ptr(), carry, dx),
        }
    }
    true
}

/// The kernels, written once over each module's primitives (`V`, `W`, `zero`, `splat`, `add`,
/// `sub`, `mul`, `fma`, `ld`, `st`, `tree`, `hsum`) and `act_simd`'s `sigmoid_v`, `tanh_v`.
///
/// Pointer contracts (the public functions check them): `p` (and `g`) point to tensors of
/// `G·H·IN`, `G·H·H`, `G·H` and `G·H` floats; every other pointer to `H` floats, writable
/// where the kernel writes; `H ≤ W·MAX_CHUNKS`. With `TRACE` false the output pointers are
/// not used.
macro_rules! kernels {
    ($feature:literal) => {
        use super::{MAX_CHUNKS, Ptrs, PtrsMut};

        /// Vectors per row of `H`.
        const fn chunks(h: usize) -> usize {
            h.div_ceil(W)
        }

        /// Lanes in use in chunk `c` of a row of `h`.
        const fn lanes(h: usize, c: usize) -> usize {
            let rest = h - c * W;
            if rest < W { rest } else { W }
        }

        /// `h` as vectors, zero past `H`.
        /// SAFETY (callers): `h` points to `H ≤ W·MAX_CHUNKS` readable floats.
        #[target_feature(enable = $feature)]
        #[inline]
        unsafe fn load_row<const H: usize>(h: *const f32) -> [V; MAX_CHUNKS] {
            // Index loops here and below: iterator adapters were left as calls in these
            // `target_feature` functions.
            let mut v = [zero(); MAX_CHUNKS];
            for k in 0..chunks(H) {
                // SAFETY: lanes k·W .. k·W + lanes(H, k) ≤ H.
                v[k] = unsafe { ld(h.add(k * W), lanes(H, k)) };
            }
            v
        }

        /// Stores the first `n` lanes of `v` at `p` in 16-byte pieces (32 where the crate is
        /// built with AVX2), as portable code reads them back (see [`gru`](super::gru)).
        /// SAFETY (callers): those lanes are writable.
        #[target_feature(enable = $feature)]
        #[inline]
        unsafe fn st_narrow(p: *mut f32, n: usize, v: V) {
            if n % 8 != 0 || (n % 4 == 0 && !cfg!(target_feature = "avx2")) {
                if n % 4 != 0 {
                    // SAFETY: as the caller's.
                    return unsafe { st(p, n, v) };
                }
                let q = quarters(v);
                for k in 0..n / 4 {
                    // Written out in assembly: LLVM merges plain stores of a vector's pieces
                    // back into one wide store.
                    // SAFETY: lanes 4k .. 4k + 4 ≤ n are writable; the instruction writes
                    // those 16 bytes and nothing else.
                    unsafe {
                        core::arch::asm!(
                            "vmovups xmmword ptr [{p}], {v}",
                            p = in(reg) p.add(4 * k),
                            v = in(xmm_reg) q[k],
                            options(nostack, preserves_flags),
                        )
                    };
                }
                return;
            }
            let q = halves(v);
            for k in 0..n / 8 {
                // SAFETY: as above, for lanes 8k .. 8k + 8 ≤ n and 32 bytes.
                unsafe {
                    core::arch::asm!(
                        "vmovups ymmword ptr [{p}], {v}",
                        p = in(reg) p.add(8 * k),
                        v = in(ymm_reg) q[k],
                        options(nostack, preserves_flags),
                    )
                };
            }
        }

        /// The products of row `w` (`H` floats) with `hv`, summed over its chunks, lane by lane.
        /// SAFETY (callers): `w` points to `H` readable floats.
        #[target_feature(enable = $feature)]
        #[inline]
        unsafe fn row<const H: usize>(w: *const f32, hv: &[V; MAX_CHUNKS]) -> V {
            // SAFETY: each chunk's lanes lie within the row.
            let mut acc = mul(unsafe { ld(w, lanes(H, 0)) }, hv[0]);
            for k in 1..chunks(H) {
                acc = fma(unsafe { ld(w.add(k * W), lanes(H, k)) }, hv[k], acc);
            }
            acc
        }

        /// `W_hh·h + extra` for the units of chunk `c` of gate `g`, one lane each (`extra`,
        /// the biases and `W_ih·x`, ready before `h` is: one addition after the products).
        /// SAFETY (callers): the contract of the macro.
        #[target_feature(enable = $feature)]
        #[inline]
        unsafe fn gate_hh<const H: usize>(
            p: Ptrs,
            g: usize,
            c: usize,
            hv: &[V; MAX_CHUNKS],
            extra: V,
        ) -> V {
            let base = g * H + c * W;
            let n = lanes(H, c);
            if H == W {
                // Rows of exactly one vector: pairs of rows straight from memory.
                // SAFETY: rows base .. base + W < G·H of `w_hh`.
                return add(unsafe { square(p.w_hh.add(base * H), hv[0]) }, extra);
            }
            let dots = tree(|l| {
                if l < n {
                    // SAFETY: row base + l < G·H of `w_hh`.
                    unsafe { row::<H>(p.w_hh.add((base + l) * H), hv) }
                } else {
                    zero()
                }
            });
            add(dots, extra)
        }

        /// `b_hh` for the units of chunk `c` of gate `g`.
        /// SAFETY (callers): the contract of the macro.
        #[target_feature(enable = $feature)]
        #[inline]
        unsafe fn b_hh<const H: usize>(p: Ptrs, g: usize, c: usize) -> V {
            // SAFETY: lanes g·H + c·W .. + lanes(H, c) of `b_hh`.
            unsafe { ld(p.b_hh.add(g * H + c * W), lanes(H, c)) }
        }

        /// `W_ih·x + b_ih` for the units of chunk `c` of gate `g`, one lane each.
        /// SAFETY (callers): the contract of the macro.
        #[target_feature(enable = $feature)]
        #[inline]
        unsafe fn gate_ih<const IN: usize, const H: usize>(
            p: Ptrs,
            x: &[f32; IN],
            g: usize,
            c: usize,
        ) -> V {
            // SAFETY: the rows of chunk `c` of gate `g`.
            unsafe { ih_rows::<IN>(p, x, g * H + c * W, lanes(H, c)) }
        }

        /// `W_ih·x + b_ih` for rows `base .. base + n` (`n ≤ W`), one lane each.
        /// SAFETY (callers): those rows exist.
        #[target_feature(enable = $feature)]
        #[inline]
        unsafe fn ih_rows<const IN: usize>(p: Ptrs, x: &[f32; IN], base: usize, n: usize) -> V {
            // SAFETY: lanes base .. base + n of `b_ih`, and of `w_ih` when IN = 1.
            let b = unsafe { ld(p.b_ih.add(base), n) };
            if IN == 1 {
                // A column of `W_ih` is contiguous: one multiply-add.
                return fma(splat(x[0]), unsafe { ld(p.w_ih.add(base), n) }, b);
            }
            let mut s = [0.0f32; W];
            for l in 0..n {
                for i in 0..IN {
                    // SAFETY: row base + l < G·H of `w_ih`, column i < IN.
                    s[l] += unsafe { *p.w_ih.add((base + l) * IN + i) } * x[i];
                }
            }
            // SAFETY: `s` has W floats.
            add(b, unsafe { ld(s.as_ptr(), W) })
        }

        /// [`gru_inline`] as a function of its own, compiled for the module's features, `y`
        /// stored in pieces.
        /// SAFETY (callers): the contract of the macro.
        #[target_feature(enable = $feature)]
        pub(super) unsafe fn gru<const IN: usize, const H: usize, const TRACE: bool>(
            p: Ptrs,
            x: &[f32; IN],
            h: *mut f32,
            y: *mut f32,
            out: [*mut f32; 4],
        ) {
            // SAFETY: the caller's contract.
            unsafe { gru_inline::<IN, H, TRACE, true>(p, x, h, y, out) }
        }

        /// One GRU step: `h` (`H` floats) becomes `h'`, `y` a copy of it (in 16-byte pieces
        /// with `PIECES`); with `TRACE`, `out` receives `r`, `z`, `n` and `W_hn h + b_hn`.
        /// Without features of its own, so that a caller compiled for the module's features
        /// inlines it whole (a function with them would be too large for LLVM to inline),
        /// and the vector functions inside there.
        /// SAFETY (callers): the contract of the macro, and the CPU has the module's features
        /// (as for every function here; a caller compiled without them runs it, slowly, with
        /// calls of the vector functions).
        #[inline(always)]
        #[allow(unused_unsafe)]
        pub(super) unsafe fn gru_inline<
            const IN: usize,
            const H: usize,
            const TRACE: bool,
            const PIECES: bool,
        >(
            p: Ptrs,
            x: &[f32; IN],
            h: *mut f32,
            y: *mut f32,
            out: [*mut f32; 4],
        ) {
            // SAFETY: the callers' contract: the CPU has the vector functions' features.
            unsafe {
                // Every chunk of `h` is read before the first is overwritten.
                // SAFETY (all blocks below): offsets c·W .. c·W + n lie within the `H` floats of
                // `h` and `out`, and the tensor reads are the callees' contracts.
                let hv = unsafe { load_row::<H>(h) };
                for c in 0..chunks(H) {
                    let (o, n) = (c * W, lanes(H, c));
                    let (r, z, hn, xn) = unsafe {
                        let ih = |g| add(gate_ih::<IN, H>(p, x, g, c), b_hh::<H>(p, g, c));
                        (
                            gate_hh::<H>(p, 0, c, &hv, ih(0)),
                            gate_hh::<H>(p, 1, c, &hv, ih(1)),
                            gate_hh::<H>(p, 2, c, &hv, b_hh::<H>(p, 2, c)),
                            gate_ih::<IN, H>(p, x, 2, c),
                        )
                    };
                    let (r, z) = (sigmoid_v(r), sigmoid_v(z));
                    let nn = tanh_v(fma(r, hn, xn));
                    // (1 − z) and z·h are ready before n.
                    let new = fma(sub(splat(1.0), z), nn, mul(z, hv[c]));
                    unsafe {
                        st(h.add(o), n, new);
                        if PIECES {
                            st_narrow(y.add(o), n, new);
                        } else {
                            st(y.add(o), n, new);
                        }
                        if TRACE {
                            st(out[0].add(o), n, r);
                            st(out[1].add(o), n, z);
                            st(out[2].add(o), n, nn);
                            st(out[3].add(o), n, hn);
                        }
                    }
                }
            }
        }

        /// [`lstm_inline`] as a function of its own, as [`gru`] is.
        /// SAFETY (callers): the contract of the macro.
        #[target_feature(enable = $feature)]
        pub(super) unsafe fn lstm<const IN: usize, const H: usize, const TRACE: bool>(
            p: Ptrs,
            x: &[f32; IN],
            h: *mut f32,
            cs: *mut f32,
            y: *mut f32,
            out: [*mut f32; 5],
        ) {
            // SAFETY: the caller's contract.
            unsafe { lstm_inline::<IN, H, TRACE, true>(p, x, h, cs, y, out) }
        }

        /// One LSTM step: `h` and `c` become `h'` and `c'`, `y` a copy of `h'` as
        /// [`gru_inline`] writes it; with `TRACE`, `out` receives the gates i, f, g, o and
        /// `tanh(c')`.
        /// SAFETY (callers): as for [`gru_inline`].
        #[inline(always)]
        #[allow(unused_unsafe)]
        pub(super) unsafe fn lstm_inline<
            const IN: usize,
            const H: usize,
            const TRACE: bool,
            const PIECES: bool,
        >(
            p: Ptrs,
            x: &[f32; IN],
            h: *mut f32,
            cs: *mut f32,
            y: *mut f32,
            out: [*mut f32; 5],
        ) {
            // SAFETY: as in `gru_inline`.
            unsafe {
                // SAFETY (all blocks below): as in `gru`.
                let hv = unsafe { load_row::<H>(h) };
                for c in 0..chunks(H) {
                    let (o, n) = (c * W, lanes(H, c));
                    let pre = |g| unsafe {
                        let extra = add(gate_ih::<IN, H>(p, x, g, c), b_hh::<H>(p, g, c));
                        gate_hh::<H>(p, g, c, &hv, extra)
                    };
                    let (i, f, g, og) = (
                        sigmoid_v(pre(0)),
                        sigmoid_v(pre(1)),
                        tanh_v(pre(2)),
                        sigmoid_v(pre(3)),
                    );
                    let c_prev = unsafe { ld(cs.add(o), n) };
                    let c_new = fma(i, g, mul(f, c_prev));
                    let tc = tanh_v(c_new);
                    unsafe {
                        st(cs.add(o), n, c_new);
                        let new = mul(og, tc);
                        st(h.add(o), n, new);
                        if PIECES {
                            st_narrow(y.add(o), n, new);
                        } else {
                            st(y.add(o), n, new);
                        }
                        if TRACE {
                            st(out[0].add(o), n, i);
                            st(out[1].add(o), n, f);
                            st(out[2].add(o), n, g);
                            st(out[3].add(o), n, og);
                            st(out[4].add(o), n, tc);
                        }
                    }
                }
            }
        }

        /// Backpropagation through one GRU step; `tr` holds `h_prev`, `r`, `z`, `n`, `hn`.
        /// SAFETY (callers): the contract of the macro; `dh` readable, `carry` writable.
        #[target_feature(enable = $feature)]
        pub(super) unsafe fn gru_backward<const IN: usize, const H: usize>(
            p: Ptrs,
            g: PtrsMut,
            x: &[f32; IN],
            tr: [*const f32; 5],
            dh: *const f32,
            carry: &mut [f32; H],
            dx: &mut [f32; IN],
        ) {
            let one = splat(1.0);
            // δ of the pre-activations as the input side (`di`) and the hidden side (`dhh`)
            // see them, one row per unit and gate, read back one at a time below.
            let mut di = [[0.0f32; H]; 3];
            let mut dhh = [[0.0f32; H]; 3];
            // ∂L/∂h: `g ⊙ z` here, plus `W_hhᵀ·dhh` below.
            let mut acc = [zero(); MAX_CHUNKS];
            let mut hp = [zero(); MAX_CHUNKS];
            let cp = carry.as_mut_ptr();
            // SAFETY (all blocks below): offsets c·W .. c·W + n lie within the `H` floats of
            // the trace, `dh`, `carry`, `di`, `dhh` and within each gate's `H` of the biases.
            for c in 0..chunks(H) {
                let (o, n) = (c * W, lanes(H, c));
                let (hpv, r, z, nn, hn) = unsafe {
                    (
                        ld(tr[0].add(o), n),
                        ld(tr[1].add(o), n),
                        ld(tr[2].add(o), n),
                        ld(tr[3].add(o), n),
                        ld(tr[4].add(o), n),
                    )
                };
                let gv = unsafe { add(ld(dh.add(o), n), ld(cp.add(o), n)) };
                hp[c] = hpv;
                let dn = mul(mul(gv, sub(one, z)), sub(one, mul(nn, nn)));
                let dz = mul(mul(mul(gv, sub(hpv, nn)), z), sub(one, z));
                let dr = mul(mul(mul(dn, hn), r), sub(one, r));
                acc[c] = mul(gv, z);
                let ds = [(dr, dr), (dz, dz), (dn, mul(dn, r))];
                for k in 0..3 {
                    let (dv, hv) = ds[k];
                    let b = k * H + o;
                    unsafe {
                        st(di[k].as_mut_ptr().add(o), n, dv);
                        st(dhh[k].as_mut_ptr().add(o), n, hv);
                        st(g.b_ih.add(b), n, add(ld(g.b_ih.add(b), n), dv));
                        st(g.b_hh.add(b), n, add(ld(g.b_hh.add(b), n), hv));
                    }
                }
            }
            // Row by row of `W_hh`: `∂L/∂W_hh[j] += dhh_j·h_prev` and `∂L/∂h += dhh_j·W_hh[j]`.
            let dhh = dhh.as_flattened();
            for j in 0..3 * H {
                let d = splat(dhh[j]);
                for k in 0..chunks(H) {
                    let (o, n) = (j * H + k * W, lanes(H, k));
                    // SAFETY: row j < 3H of `w_hh` and of its gradient, lanes within the row.
                    unsafe {
                        acc[k] = fma(d, ld(p.w_hh.add(o), n), acc[k]);
                        st(g.w_hh.add(o), n, fma(d, hp[k], ld(g.w_hh.add(o), n)));
                    }
                }
            }
            for k in 0..chunks(H) {
                // SAFETY: lanes within `carry`.
                unsafe { st(cp.add(k * W), lanes(H, k), acc[k]) };
            }
            let di = di.as_flattened();
            if IN == 1 {
                // `W_ih` and its gradient are one column: multiply-adds along it.
                let mut s = zero();
                for gate in 0..3 {
                    for c in 0..chunks(H) {
                        let (o, n) = (gate * H + c * W, lanes(H, c));
                        // SAFETY: lanes o .. o + n < 3H of `di`, `w_ih` and its gradient.
                        unsafe {
                            let d = ld(di.as_ptr().add(o), n);
                            s = fma(d, ld(p.w_ih.add(o), n), s);
                            st(g.w_ih.add(o), n, fma(d, splat(x[0]), ld(g.w_ih.add(o), n)));
                        }
                    }
                }
                dx[0] = hsum(s);
            } else {
                *dx = [0.0; IN];
                for j in 0..3 * H {
                    for i in 0..IN {
                        // SAFETY: row j < 3H, column i < IN of `w_ih` and its gradient.
                        unsafe {
                            *g.w_ih.add(j * IN + i) += di[j] * x[i];
                            dx[i] += di[j] * *p.w_ih.add(j * IN + i);
                        }
                    }
                }
            }
        }
    };
}

mod avx512 {
    use super::super::act_simd::avx512::{sigmoid_v, tanh_v};
    use core::arch::x86_64::*;

    use crate::kernels::lanes::avx512::*;

    kernels!("avx512f");

    #[target_feature(enable = "avx512f")]
    #[inline]
    fn hsum(a: V) -> f32 {
        _mm512_reduce_add_ps(a)
    }
    /// The vector as four 128-bit pieces, lowest first (the padding keeps one length for
    /// both modules).
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn quarters(a: V) -> [__m128; 4] {
        [
            _mm512_castps512_ps128(a),
            _mm512_extractf32x4_ps::<1>(a),
            _mm512_extractf32x4_ps::<2>(a),
            _mm512_extractf32x4_ps::<3>(a),
        ]
    }
    /// The vector as two 256-bit pieces, lowest first.
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn halves(a: V) -> [__m256; 2] {
        [
            _mm512_castps512_ps256(a),
            _mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(_mm512_castps_pd(a))),
        ]
    }

    /// `x`'s and `y`'s halves of each block of `2s` lanes summed: lanes of the low half of a
    /// block get `x`'s block's two halves, the high half `y`'s. One level of the tree.
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn fold(mask: __mmask16, x: V, y: V, cross: V) -> V {
        _mm512_add_ps(_mm512_mask_blend_ps(mask, x, y), cross)
    }

    /// The masks of [`square`], as values LLVM cannot see: with constants it rewrites the
    /// masked multiply-adds and the blends beside permutations into longer shuffle sequences
    /// (a pair in four operations instead of three, a level in five; `gru(1 -> 16)`'s step
    /// went from 335 to 294 instructions with these).
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn masks() -> [__mmask16; 5] {
        core::hint::black_box([0x00FF, 0xFF00, 0xF0F0, 0xCCCC, 0xAAAA])
    }

    /// The lane sums of `f(0)`, …, `f(15)` as one vector, lane `l` holding `f(l)`'s sum.
    /// Each level pairs the vectors a power of two apart, so that the sums land in order.
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn tree(mut f: impl FnMut(usize) -> V) -> V {
        // Level 1: 256-bit halves; `cross` holds x's high half low and y's low half high.
        // Constant masks: here LLVM's rewrites cost nothing (three operations a level).
        let (m1, m2, m3, m4) = (0xFF00, 0xF0F0, 0xCCCC, 0xAAAA);
        let l1 = |x: V, y: V| fold(m1, x, y, _mm512_shuffle_f32x4::<0b01_00_11_10>(x, y));
        let i2 = _mm512_setr_epi32(4, 5, 6, 7, 16, 17, 18, 19, 12, 13, 14, 15, 24, 25, 26, 27);
        let l2 = |x: V, y: V| fold(m2, x, y, _mm512_permutex2var_ps(x, i2, y));
        let l3 = |x: V, y: V| fold(m3, x, y, _mm512_shuffle_ps::<0b01_00_11_10>(x, y));
        let i4 = _mm512_setr_epi32(1, 16, 3, 18, 5, 20, 7, 22, 9, 24, 11, 26, 13, 28, 15, 30);
        let l4 = |x: V, y: V| fold(m4, x, y, _mm512_permutex2var_ps(x, i4, y));
        let a = [
            l1(f(0), f(8)),
            l1(f(1), f(9)),
            l1(f(2), f(10)),
            l1(f(3), f(11)),
            l1(f(4), f(12)),
            l1(f(5), f(13)),
            l1(f(6), f(14)),
            l1(f(7), f(15)),
        ];
        let b = [
            l2(a[0], a[4]),
            l2(a[1], a[5]),
            l2(a[2], a[6]),
            l2(a[3], a[7]),
        ];
        l4(l3(b[0], b[2]), l3(b[1], b[3]))
    }

    /// `W·h` for a block of 16 rows of 16 (`w`, row-major) as one vector. The first level of
    /// the tree comes from memory: rows `a` and `a + 1` are adjacent, so the load at the
    /// middle of row `a` holds `a`'s high half and `a + 1`'s low half, in the lanes where the
    /// tree wants them; two masked multiply-adds complete the pair (3 operations instead of
    /// 2 products and a level of shuffles). The pairs then fold as in [`tree`], the last
    /// level putting the sums in row order.
    /// SAFETY (callers): `w` points to 256 readable floats.
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn square(w: *const f32, h: V) -> V {
        let [m0, m1, m2, m3, _] = masks();
        let hs = _mm512_shuffle_f32x4::<0b01_00_11_10>(h, h);
        let pair = |k: usize| {
            // SAFETY: rows 2k and 2k + 1 < 16.
            unsafe {
                let a = w.add(32 * k);
                let t = _mm512_mul_ps(_mm512_loadu_ps(a.add(8)), hs);
                let t = _mm512_mask3_fmadd_ps(_mm512_loadu_ps(a), h, t, m0);
                _mm512_mask3_fmadd_ps(_mm512_loadu_ps(a.add(16)), h, t, m1)
            }
        };
        let a: [V; 8] = [
            pair(0),
            pair(1),
            pair(2),
            pair(3),
            pair(4),
            pair(5),
            pair(6),
            pair(7),
        ];
        pairs_to_rows(a, m2, m3)
    }

    /// The tree from its first level on: `a[k]` holds row `2k`'s partial sums in lanes 0–7
    /// and row `2k + 1`'s in lanes 8–15; lane `r` of the result is row `r`'s sum.
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn pairs_to_rows(a: [V; 8], m2: __mmask16, m3: __mmask16) -> V {
        let i2 = _mm512_setr_epi32(4, 5, 6, 7, 16, 17, 18, 19, 12, 13, 14, 15, 24, 25, 26, 27);
        let l2 = |x: V, y: V| fold(m2, x, y, _mm512_permutex2var_ps(x, i2, y));
        let l3 = |x: V, y: V| fold(m3, x, y, _mm512_shuffle_ps::<0b01_00_11_10>(x, y));
        let b = [
            l2(a[0], a[4]),
            l2(a[1], a[5]),
            l2(a[2], a[6]),
            l2(a[3], a[7]),
        ];
        let c = [l3(b[0], b[2]), l3(b[1], b[3])];
        // Each row's last two partial sums sit in adjacent lanes of c[0] or c[1], not in row
        // order: the last level gathers each pair into its row's lane (two permutations side
        // by side, where `tree` has one and a blend) and adds.
        let lo = _mm512_setr_epi32(0, 8, 16, 24, 2, 10, 18, 26, 4, 12, 20, 28, 6, 14, 22, 30);
        let hi = _mm512_setr_epi32(1, 9, 17, 25, 3, 11, 19, 27, 5, 13, 21, 29, 7, 15, 23, 31);
        _mm512_add_ps(
            _mm512_permutex2var_ps(c[0], lo, c[1]),
            _mm512_permutex2var_ps(c[0], hi, c[1]),
        )
    }
}

/// The 8-lane module, once for AVX2+FMA and once more with AVX-512VL on top: the same code,
/// but compiled with 32 vector registers instead of 16, constants broadcast within the
/// instructions, and masks for the tails (`lstm(1 -> 40)` spilled 107 values a chunk to the
/// stack without them).
macro_rules! lanes8 {
    ($lanes:ident, $feature:literal) => {
        use crate::kernels::act_simd::avx2::{sigmoid_v, tanh_v};
        use core::arch::x86_64::*;

        use crate::kernels::lanes::$lanes::*;

        kernels!($feature);

        /// The vector as 128-bit pieces, lowest first (two, padded to four).
        #[target_feature(enable = $feature)]
        #[inline]
        fn quarters(a: V) -> [__m128; 4] {
            let lo = _mm256_castps256_ps128(a);
            let hi = _mm256_extractf128_ps::<1>(a);
            [lo, hi, hi, hi]
        }
        /// The vector as one 256-bit piece (padded to two).
        #[target_feature(enable = $feature)]
        #[inline]
        fn halves(a: V) -> [__m256; 2] {
            [a, a]
        }
        #[target_feature(enable = $feature)]
        #[inline]
        fn hsum(a: V) -> f32 {
            let s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps::<1>(a));
            let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
            _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)))
        }

        /// The lane sums of `f(0)`, …, `f(7)` as one vector, lane `l` holding `f(l)`'s sum. The
        /// last level is `hadd`, which interleaves its operands' pairs: rows 1 and 2 (5 and 6)
        /// go in each other's places to come out in order.
        #[target_feature(enable = $feature)]
        #[inline]
        fn tree(mut f: impl FnMut(usize) -> V) -> V {
            let l1 = |x: V, y: V| {
                _mm256_add_ps(
                    _mm256_blend_ps::<0xF0>(x, y),
                    _mm256_permute2f128_ps::<0x21>(x, y),
                )
            };
            let l2 = |x: V, y: V| {
                _mm256_add_ps(
                    _mm256_blend_ps::<0xCC>(x, y),
                    _mm256_shuffle_ps::<0b01_00_11_10>(x, y),
                )
            };
            let a = [
                l1(f(0), f(4)),
                l1(f(2), f(6)),
                l1(f(1), f(5)),
                l1(f(3), f(7)),
            ];
            _mm256_hadd_ps(l2(a[0], a[2]), l2(a[1], a[3]))
        }

        /// `W·h` for a block of 8 rows of 8 (`w`, row-major) as one vector, the first level of
        /// the tree from memory as in the AVX-512 `square` (a blend where AVX2 has no masks).
        /// SAFETY (callers): `w` points to 64 readable floats.
        #[target_feature(enable = $feature)]
        #[inline]
        unsafe fn square(w: *const f32, h: V) -> V {
            let hs = _mm256_permute2f128_ps::<0x01>(h, h);
            let pair = |k: usize| {
                // SAFETY: rows 2k and 2k + 1 < 8.
                unsafe {
                    let a = w.add(16 * k);
                    let t = _mm256_mul_ps(_mm256_loadu_ps(a.add(4)), hs);
                    let ends =
                        _mm256_blend_ps::<0xF0>(_mm256_loadu_ps(a), _mm256_loadu_ps(a.add(8)));
                    _mm256_fmadd_ps(ends, h, t)
                }
            };
            let l2 = |x: V, y: V| {
                _mm256_add_ps(
                    _mm256_blend_ps::<0xCC>(x, y),
                    _mm256_shuffle_ps::<0b01_00_11_10>(x, y),
                )
            };
            // Lane l holds row [0, 4, 2, 6, 1, 5, 3, 7][l].
            let v = _mm256_hadd_ps(l2(pair(0), pair(2)), l2(pair(1), pair(3)));
            _mm256_permutevar8x32_ps(v, _mm256_setr_epi32(0, 4, 2, 6, 1, 5, 3, 7))
        }
    };
}

mod avx2 {
    lanes8!(avx2, "avx2,fma");
}

mod avx2vl {
    lanes8!(avx2vl, "avx2,fma,avx512f,avx512vl");
}

/// `a` as `f32`s when `T` is `f32`: how the layers, generic over the scalar, reach these
/// kernels without `unsafe`.
#[inline(always)]
pub(crate) fn f32s<T: crate::scalar::Float, const N: usize>(a: &[T; N]) -> Option<&[f32; N]> {
    T::as_f32s(a)?.try_into().ok()
}

/// The mutable form of [`f32s`].
#[inline(always)]
pub(crate) fn f32s_mut<T: crate::scalar::Float, const N: usize>(
    a: &mut [T; N],
) -> Option<&mut [f32; N]> {
    T::as_f32s_mut(a)?.try_into().ok()
}

/// The form of [`f32s_mut`] for arrays of rows.
#[inline(always)]
pub(crate) fn f32s_rows_mut<T: crate::scalar::Float, const N: usize, const M: usize>(
    a: &mut [[T; N]; M],
) -> Option<&mut [[f32; N]; M]> {
    if N == 0 {
        return None;
    }
    T::as_f32s_mut(a.as_flattened_mut())?
        .as_chunks_mut::<N>()
        .0
        .try_into()
        .ok()
}

/// A layer's four flat tensors as [`Tensors`] when `T` is `f32`.
#[inline(always)]
pub(crate) fn tensors<'a, T: crate::scalar::Float>(
    w_ih: &'a [T],
    w_hh: &'a [T],
    b_ih: &'a [T],
    b_hh: &'a [T],
) -> Option<Tensors<'a>> {
    Some(Tensors {
        w_ih: T::as_f32s(w_ih)?,
        w_hh: T::as_f32s(w_hh)?,
        b_ih: T::as_f32s(b_ih)?,
        b_hh: T::as_f32s(b_hh)?,
    })
}

/// [`tensors`] for gradients.
#[inline(always)]
pub(crate) fn tensors_mut<'a, T: crate::scalar::Float>(
    w_ih: &'a mut [T],
    w_hh: &'a mut [T],
    b_ih: &'a mut [T],
    b_hh: &'a mut [T],
) -> Option<TensorsMut<'a>> {
    Some(TensorsMut {
        w_ih: T::as_f32s_mut(w_ih)?,
        w_hh: T::as_f32s_mut(w_hh)?,
        b_ih: T::as_f32s_mut(b_ih)?,
        b_hh: T::as_f32s_mut(b_hh)?,
    })
}
