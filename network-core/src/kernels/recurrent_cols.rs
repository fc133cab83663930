//! AVX-512 and AVX2+FMA versions of one time step of the frozen `f32` recurrent layers
//! ([`FrozenGru`](crate::FrozenGru), [`FrozenLstm`](crate::FrozenLstm)), whose weights are
//! stored by columns. An implementation detail of the layers, public for tests and
//! benchmarks.
//!
//! Each gate's pre-activation is a few vectors of accumulators (16 lanes, or 8), held in
//! registers through the whole product: per column `j`, `h[j]` is broadcast once and every
//! gate's vectors take one multiply-add with the column's weights, which lie one after the
//! other in memory. No horizontal sum: the accumulators are the units, in order. A step waits
//! for the one before, and each accumulator's multiply-adds form a chain of `H` of them (4
//! cycles each), so where there are few accumulators the columns alternate between two sets,
//! added at the end. The input's columns and the biases come first, off that chain, then
//! the gates ([`act_simd`](super::act_simd)'s `sigmoid_v` and `tanh_v`, within 2 ulps) and
//! the new state, chunk by chunk.
//!
//! Everything is written so that every accumulator's index is a constant once the loops over
//! gates and chunks are unrolled (the lanes of a chunk of `h` and the chunks of the gates
//! written out by macros, the helpers inlined whole): an accumulator array indexed by a
//! variable lives in memory, and a step then stores every multiply-add's result
//! (`gru(1 -> 32)` in 8 lanes took 197 ns a step so, 122 without).
//!
//! Measured on a Zen 4 (AVX-512 in two 256-bit halves), best of 150 rounds of 2000 steps each,
//! `IN = 1`, ns a step, 16 lanes against 8: GRU `H` = 16: 50 / 51, 32: 101 / 122,
//! 40: 183 / 167; LSTM 16: 63 / 60 to 66, 32: 135 / 157, 40: 233 / 218 (see [`lanes_for`];
//! at 16 the 8 lanes took 58 and 89 before their columns were held in order, see `pins`).
//!
//! Units past `H` in a chunk are lanes computed but never stored; their weights are loaded
//! whole where the tensor goes on past them (the next gate's weights, harmless) and masked
//! at its end.
//!
//! The `unsafe` here: vector loads and stores through raw pointers, full or masked to the
//! lanes inside their tensor, at offsets the public functions' length checks bound; and
//! calls of `#[target_feature]` functions after checking that the CPU has the features.
#![allow(unsafe_code)]

use super::simd::{Level, supported};

/// The widest layer the kernels take (`H` units); wider ones take the portable step.
pub const MAX_H: usize = 64;

/// At most this many vectors per gate: `MAX_H` in 8 lanes (`each_chunk!` writes out as many).
const MAXC: usize = MAX_H / 8;
const _: () = assert!(MAXC == 8);

/// A frozen layer's tensors as flat `f32` slices, by columns: `w_ih` is `[IN, G, H]`,
/// `w_hh` is `[H, G, H]`, `bias` is `[G, H]`, and `b_hn` is the GRU's `[H]` (empty for an
/// LSTM).
#[derive(Clone, Copy, Debug)]
pub struct Cols<'a> {
    /// The input's columns.
    pub w_ih: &'a [f32],
    /// The hidden state's columns.
    pub w_hh: &'a [f32],
    /// The biases summed where they only add.
    pub bias: &'a [f32],
    /// The GRU's `b_hn`.
    pub b_hn: &'a [f32],
}

impl Cols<'_> {
    fn fits(&self, gates: usize, inputs: usize, h: usize) -> bool {
        let col = gates * h;
        self.w_ih.len() == inputs * col
            && self.w_hh.len() == h * col
            && self.bias.len() == col
            && self.b_hn.len() == if gates == 3 { h } else { 0 }
    }

    fn ptrs(&self) -> Ptrs {
        Ptrs {
            w_ih: self.w_ih.as_ptr(),
            w_hh: self.w_hh.as_ptr(),
            bias: self.bias.as_ptr(),
            b_hn: self.b_hn.as_ptr(),
        }
    }
}

/// [`Cols`] as pointers, for the kernels.
#[derive(Clone, Copy)]
struct Ptrs {
    w_ih: *const f32,
    w_hh: *const f32,
    bias: *const f32,
    b_hn: *const f32,
}

/// The vector width of a kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lanes {
    /// 512-bit vectors (AVX-512F).
    Sixteen,
    /// 256-bit vectors (AVX2+FMA, with AVX-512VL's 32 registers and masks where the CPU has
    /// them).
    Eight,
}

/// The module a kernel runs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Avx512,
    Avx2,
    Avx2Vl,
}

/// The width a layer of `h` units takes at AVX-512: 16 lanes where `h`
/// fills them, else 8 (measured on a Zen 4, see the [module](self) documentation: a chunk
/// of 16 partly empty costs as much as a full one, and 512-bit operations take two passes of
/// the 256-bit units, so that 16 lanes win only where the multiply-adds bound the step or
/// fewer, wider vectors shorten it).
#[inline(always)]
pub const fn lanes_for(h: usize) -> Lanes {
    if h.is_multiple_of(16) {
        Lanes::Sixteen
    } else {
        Lanes::Eight
    }
}

/// The kernel for `lanes` at `level` on a CPU known to have `level`'s features.
#[inline(always)]
const fn kind_known(level: Level, lanes: Lanes, h: usize) -> Option<Kind> {
    if h == 0 || h > MAX_H {
        return None;
    }
    match (level, lanes) {
        (Level::Avx512, Lanes::Sixteen) => Some(Kind::Avx512),
        (Level::Avx512, Lanes::Eight) => Some(Kind::Avx2Vl),
        (Level::Avx2, Lanes::Eight) => Some(Kind::Avx2),
        _ => None,
    }
}

/// [`kind_known`] after checking the CPU.
#[inline]
fn kind(level: Level, lanes: Lanes, h: usize) -> Option<Kind> {
    if supported(level) {
        kind_known(level, lanes, h)
    } else {
        None
    }
}

/// The width for `level`: [`lanes_for`] at AVX-512, else 8.
#[inline(always)]
const fn lanes_at(level: Level, h: usize) -> Lanes {
    match level {
        Level::Avx512 => lanes_for(h),
        _ => Lanes::Eight,
    }
}

/// One frozen GRU step at `level`, the width of [`lanes_for`]: `h` becomes the new hidden
/// state. `false` (nothing done) when `level` is not available, the layer is wider than
/// [`MAX_H`], or the tensors' lengths don't fit `IN` and `H`.
#[inline]
pub fn gru<const IN: usize, const H: usize>(
    level: Level,
    t: Cols,
    x: &[f32; IN],
    h: &mut [f32; H],
) -> bool {
    gru_lanes(level, lanes_at(level, H), t, x, h)
}

/// [`gru`] with vectors of `lanes` (16 only at [`Level::Avx512`]).
#[inline]
pub fn gru_lanes<const IN: usize, const H: usize>(
    level: Level,
    lanes: Lanes,
    t: Cols,
    x: &[f32; IN],
    h: &mut [f32; H],
) -> bool {
    match kind(level, lanes, H) {
        // SAFETY: `kind` found the kernel's features on this CPU.
        Some(k) => unsafe { gru_on::<IN, H, false>(k, t, x, h) },
        None => false,
    }
}

/// [`gru`] inlined into a caller compiled for `level`'s features.
///
/// # Safety
///
/// The CPU has `level`'s features (AVX-512 meaning F and VL with AVX2 and FMA).
#[inline(always)]
pub(crate) unsafe fn gru_known<const IN: usize, const H: usize>(
    level: Level,
    t: Cols,
    x: &[f32; IN],
    h: &mut [f32; H],
) -> bool {
    match kind_known(level, lanes_at(level, H), H) {
        // SAFETY: the caller's contract.
        Some(k) => unsafe { gru_on::<IN, H, true>(k, t, x, h) },
        None => false,
    }
}

/// [`gru`] with the kernel `k`: inlined with `INLINE` (the caller compiled for its
/// features), else called.
///
/// # Safety
///
/// The CPU has `k`'s features.
#[inline(always)]
unsafe fn gru_on<const IN: usize, const H: usize, const INLINE: bool>(
    k: Kind,
    t: Cols,
    x: &[f32; IN],
    h: &mut [f32; H],
) -> bool {
    if !t.fits(3, IN, H) {
        return false;
    }
    let (p, h) = (t.ptrs(), h.as_mut_ptr());
    // SAFETY: the tensors have the lengths the kernels read (checked by `fits`), `h` is `H`
    // long, `H ≤ MAX_H` (checked by `kind`), and the CPU has `k`'s features.
    unsafe {
        match (k, INLINE) {
            (Kind::Avx512, true) => avx512::gru_inline::<IN, H>(p, x, h),
            (Kind::Avx512, false) => avx512::gru::<IN, H>(p, x, h),
            (Kind::Avx2, true) => avx2::gru_inline::<IN, H>(p, x, h),
            (Kind::Avx2, false) => avx2::gru::<IN, H>(p, x, h),
            (Kind::Avx2Vl, true) => avx2vl::gru_inline::<IN, H>(p, x, h),
            (Kind::Avx2Vl, false) => avx2vl::gru::<IN, H>(p, x, h),
        }
    }
    true
}

/// One frozen LSTM step at `level`: `h` and `c` become the new state. `false` (nothing done)
/// as for [`gru`].
#[inline]
pub fn lstm<const IN: usize, const H: usize>(
    level: Level,
    t: Cols,
    x: &[f32; IN],
    h: &mut [f32; H],
    c: &mut [f32; H],
) -> bool {
    lstm_lanes(level, lanes_at(level, H), t, x, h, c)
}

/// [`lstm`] with vectors of `lanes` (16 only at [`Level::Avx512`]).
#[inline]
pub fn lstm_lanes<const IN: usize, const H: usize>(
    level: Level,
    lanes: Lanes,
    t: Cols,
    x: &[f32; IN],
    h: &mut [f32; H],
    c: &mut [f32; H],
) -> bool {
    match kind(level, lanes, H) {
        // SAFETY: `kind` found the kernel's features on this CPU.
        Some(k) => unsafe { lstm_on::<IN, H, false>(k, t, x, h, c) },
        None => false,
    }
}

/// [`lstm`] inlined into a caller compiled for `level`'s features.
///
/// # Safety
///
/// As for [`gru_known`].
#[inline(always)]
pub(crate) unsafe fn lstm_known<const IN: usize, const H: usize>(
    level: Level,
    t: Cols,
    x: &[f32; IN],
    h: &mut [f32; H],
    c: &mut [f32; H],
) -> bool {
    match kind_known(level, lanes_at(level, H), H) {
        // SAFETY: the caller's contract.
        Some(k) => unsafe { lstm_on::<IN, H, true>(k, t, x, h, c) },
        None => false,
    }
}

/// [`lstm`] with the kernel `k`, as [`gru_on`].
///
/// # Safety
///
/// As for [`gru_on`].
#[inline(always)]
unsafe fn lstm_on<const IN: usize, const H: usize, const INLINE: bool>(
    k: Kind,
    t: Cols,
    x: &[f32; IN],
    h: &mut [f32; H],
    c: &mut [f32; H],
) -> bool {
    if !t.fits(4, IN, H) {
        return false;
    }
    let (p, h, c) = (t.ptrs(), h.as_mut_ptr(), c.as_mut_ptr());
    // SAFETY: as in `gru_on`; `c` is `H` long too.
    unsafe {
        match (k, INLINE) {
            (Kind::Avx512, true) => avx512::lstm_inline::<IN, H>(p, x, h, c),
            (Kind::Avx512, false) => avx512::lstm::<IN, H>(p, x, h, c),
            (Kind::Avx2, true) => avx2::lstm_inline::<IN, H>(p, x, h, c),
            (Kind::Avx2, false) => avx2::lstm::<IN, H>(p, x, h, c),
            (Kind::Avx2Vl, true) => avx2vl::lstm_inline::<IN, H>(p, x, h, c),
            (Kind::Avx2Vl, false) => avx2vl::lstm::<IN, H>(p, x, h, c),
        }
    }
    true
}

/// The kernels, written once over each module's primitives (`V`, `W`, `REGS`, `zero`,
/// `splat`, `add`, `sub`, `mul`, `fma`, `ld`, `ldm`, `st`, `lane`) and `act_simd`'s
/// `sigmoid_v`, `tanh_v`.
///
/// Pointer contracts (the public functions check them): `p` points to tensors of `IN·G·H`,
/// `H·G·H`, `G·H` floats and, for the GRU, `H` more; `h` and `c` to `H` floats, writable;
/// `0 < H ≤ MAX_H`.
/// `$body` once for each lane `$l` of a vector (`0 .. W`), `$l` a constant in each.
macro_rules! each_lane {
    ($l:ident, $body:block) => {
        each_lane!(@ $l, $body, 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)
    };
    (@ $l:ident, $body:block, $($n:literal)*) => {
        $(
            if $n < W {
                let $l: usize = $n;
                $body
            }
        )*
    };
}

/// `$body` once for each chunk `$c` a gate may have (`0 .. MAXC`), `$c` a constant in each:
/// the gates' code written out chunk by chunk, every accumulator's index a constant.
macro_rules! each_chunk {
    ($c:ident, $body:block) => {
        each_chunk!(@ $c, $body, 0 1 2 3 4 5 6 7)
    };
    (@ $c:ident, $body:block, $($n:literal)*) => {
        $(
            {
                let $c: usize = $n;
                $body
            }
        )*
    };
}

/// `$body` for each pass `$k` over the columns that has gates, `($g0, $n)` its first gate and
/// count (the kernels' `pass` for `$g` gates of `$h` units), each a constant.
macro_rules! each_pass {
    ($g:ident, $h:ident, [$($k:literal)*], |$g0:ident, $n:ident| $body:block) => {
        $(
            {
                let ($g0, $n) = const { pass($g, $h, $k) };
                if $n > 0 $body
            }
        )*
    };
}

macro_rules! kernels {
    ($feature:literal) => {
        use super::{MAXC, Ptrs};

        /// Vectors per gate of `h` units.
        const fn chunks(h: usize) -> usize {
            h.div_ceil(W)
        }

        /// Lanes in use in chunk `c` of a gate of `h` units.
        const fn lanes(h: usize, c: usize) -> usize {
            let rest = h - c * W;
            if rest < W { rest } else { W }
        }

        /// Gates whose accumulators one pass over the columns holds, and whether the columns
        /// alternate between two sets of them: as many as the registers take beside `h`.
        const fn plan(gates: usize, h: usize) -> (usize, bool) {
            let per_gate = chunks(h);
            // `h` in registers too unless broadcast from memory.
            let room = if by_memory(gates, h) {
                REGS - 2
            } else {
                REGS - per_gate - 2
            };
            // Two sets while the chains, not the multiply-adds, bound the product.
            let split = gates * per_gate * 2 <= room && gates * per_gate < 8;
            let acc = if split { 2 * per_gate } else { per_gate };
            let g = room / acc;
            (
                if g >= gates {
                    gates
                } else if g == 0 {
                    1
                } else {
                    g
                },
                split,
            )
        }

        /// Whether the gate the others wait for (the GRU's `r`; for the LSTM, `o`, which
        /// nothing waits for, goes last) takes a pass of its own, so that its gate function
        /// starts while the other products run: where the product is one vector per gate
        /// and short, its chains rather than its multiply-adds bound it (`gru(1 -> 16)`
        /// 57 → 50 ns a step in 16 lanes, `gru(1 -> 8)` 38 → 37, `lstm(1 -> 16)` 65 → 63;
        /// with more vectors the passes cost more than they save, `gru(1 -> 32)` 101 → 116).
        const fn first_alone(h: usize) -> bool {
            chunks(h) == 1
        }

        /// Pass `k` over the columns for a layer of `gates` gates and `h` units: its first
        /// gate and how many (none past the last pass). The gates in groups of [`plan`]'s
        /// size, or, with [`first_alone`] where all fit one pass, the first gate (the GRU's
        /// `r`) or the first three (the LSTM's `i`, `f`, `g`) and then the others.
        const fn pass(gates: usize, h: usize, k: usize) -> (usize, usize) {
            let (ng, _) = plan(gates, h);
            if first_alone(h) && ng == gates {
                let first = if gates == 3 { 1 } else { 3 };
                return match k {
                    0 => (0, first),
                    1 => (first, gates - first),
                    _ => (gates, 0),
                };
            }
            let g0 = k * ng;
            if g0 >= gates {
                (gates, 0)
            } else if gates - g0 < ng {
                (g0, gates - g0)
            } else {
                (g0, ng)
            }
        }

        /// Whether `h[j]` is broadcast from memory rather than from `h`'s vector in a
        /// register: with many accumulators, where the register permutations compete with
        /// the multiply-adds (`lstm(1 -> 40)` 230 → 218 ns a step, `lstm(1 -> 32)` 139 → 135;
        /// even to 2% slower with few).
        const fn by_memory(gates: usize, h: usize) -> bool {
            gates * chunks(h) >= 8
        }

        /// The `n` lanes at `p` in one vector, the others whatever follows when `room ≥ W`
        /// floats are readable there (a plain load), else zero (a masked one).
        /// SAFETY (callers): `n ≤ room` floats are readable at `p`; the CPU has the module's
        /// features.
        #[inline(always)]
        unsafe fn ldr(p: *const f32, n: usize, room: usize) -> V {
            // SAFETY: the caller's contract.
            unsafe { if room >= W { ld(p, W) } else { ld(p, n) } }
        }

        /// `h` as vectors, zero past `H`.
        /// SAFETY (callers): `h` points to `H ≤ MAX_H` readable floats; the CPU has the
        /// module's features.
        #[inline(always)]
        #[allow(unused_unsafe)]
        unsafe fn load_row<const H: usize>(h: *const f32) -> [V; MAXC] {
            // SAFETY: the callers have the module's features.
            let mut v = [unsafe { zero() }; MAXC];
            for k in 0..chunks(H) {
                // SAFETY: lanes k·W .. k·W + lanes(H, k) ≤ H.
                v[k] = unsafe { ld(h.add(k * W), lanes(H, k)) };
            }
            v
        }

        /// The products of gates `g0 .. g0 + ng` with `h` over the columns (`G` gates of `H`
        /// per column), added to `acc[g]` (and, with `split`, the odd columns' to `odd[g]`).
        /// Each chunk of `h` a lane at a time, the lane a constant: so that every
        /// accumulator's index is one and they all stay in registers.
        /// SAFETY (callers): `w` points to `H·G·H` readable floats, `h` to `H`; the CPU has
        /// the module's features.
        #[inline(always)]
        #[allow(clippy::too_many_arguments, unused_unsafe)]
        unsafe fn columns<const G: usize, const H: usize>(
            w: *const f32,
            h: *const f32,
            hv: &[V; MAXC],
            g0: usize,
            ng: usize,
            split: bool,
            mem: bool,
            acc: &mut [[V; MAXC]; 4],
            odd: &mut [[V; MAXC]; 4],
        ) {
            let total = H * G * H;
            for ch in 0..chunks(H) {
                let v = hv[ch];
                each_lane!(l, {
                    let j = ch * W + l;
                    if j < H {
                        // SAFETY: j < H; the callers have the module's features.
                        let b = unsafe { if mem { splat(*h.add(j)) } else { lane(v, l) } };
                        let a = if split && l % 2 == 1 {
                            &mut *odd
                        } else {
                            &mut *acc
                        };
                        for g in g0..g0 + ng {
                            for c in 0..chunks(H) {
                                let o = (j * G + g) * H + c * W;
                                // SAFETY: lanes o .. o + lanes(H, c) of the tensor.
                                // and the callers have the module's features.
                                a[g][c] = unsafe {
                                    fma(b, ldr(w.add(o), lanes(H, c), total - o), a[g][c])
                                };
                            }
                        }
                        if pins(H) {
                            for g in g0..g0 + ng {
                                for c in 0..chunks(H) {
                                    // SAFETY: the callers have the module's features.
                                    a[g][c] = unsafe { pin(a[g][c]) };
                                }
                            }
                        }
                    }
                });
            }
        }

        /// `acc[g] += W_hh·h` for every gate (`G` gates of `H` per column), in [`pass`]'s
        /// passes over the columns; with the returned `split`, the odd columns' products go
        /// to `odd[g]`, for the caller to add.
        /// SAFETY (callers): as for [`columns`].
        #[inline(always)]
        #[allow(unused_unsafe)]
        unsafe fn recurrence<const G: usize, const H: usize>(
            w: *const f32,
            h: *const f32,
            hv: &[V; MAXC],
            acc: &mut [[V; MAXC]; 4],
            odd: &mut [[V; MAXC]; 4],
        ) -> bool {
            let (_, split) = plan(G, H);
            let mem = by_memory(G, H);
            // The passes written out, their gates constants before LLVM sees them: an
            // accumulator indexed by a variable would live in memory. A pass past the last
            // has no gates.
            each_pass!(G, H, [0 1 2 3], |g0, n| {
                // SAFETY: the caller's contract.
                unsafe { columns::<G, H>(w, h, hv, g0, n, split, mem, acc, odd) };
            });
            split
        }

        /// `acc[g] += W_ih·x` for every gate (`G` gates of `H` per column).
        /// SAFETY (callers): `w` points to `IN·G·H` readable floats; the CPU has the module's
        /// features.
        #[inline(always)]
        #[allow(unused_unsafe)]
        unsafe fn inputs<const IN: usize, const G: usize, const H: usize>(
            w: *const f32,
            x: &[f32; IN],
            acc: &mut [[V; MAXC]; 4],
        ) {
            let total = IN * G * H;
            for i in 0..IN {
                // SAFETY: the callers have the module's features.
                let b = unsafe { splat(x[i]) };
                for g in 0..G {
                    for c in 0..chunks(H) {
                        let o = (i * G + g) * H + c * W;
                        // SAFETY: lanes o .. o + lanes(H, c) of the tensor, and the callers
                        // have the module's features.
                        acc[g][c] =
                            unsafe { fma(ldr(w.add(o), lanes(H, c), total - o), b, acc[g][c]) };
                    }
                }
            }
        }

        /// [`gru_inline`] as a function of its own, compiled for the module's features.
        /// SAFETY (callers): the contract of the macro.
        #[target_feature(enable = $feature)]
        pub(super) unsafe fn gru<const IN: usize, const H: usize>(
            p: Ptrs,
            x: &[f32; IN],
            h: *mut f32,
        ) {
            // SAFETY: the caller's contract.
            unsafe { gru_inline::<IN, H>(p, x, h) }
        }

        /// One GRU step: `h` (`H` floats) becomes `h'`. Without features of its own, so that
        /// a caller compiled for the module's features inlines it whole.
        /// SAFETY (callers): the contract of the macro, and the CPU has the module's features.
        #[inline(always)]
        #[allow(unused_unsafe)]
        pub(super) unsafe fn gru_inline<const IN: usize, const H: usize>(
            p: Ptrs,
            x: &[f32; IN],
            h: *mut f32,
        ) {
            // SAFETY (all blocks): the callers' contract; offsets c·W .. c·W + lanes(H, c)
            // lie within each gate's `H` floats.
            unsafe {
                let hv = load_row::<H>(h);
                // r, z, W_hn·h + b_hn, and (in acc[3]) W_in·x + b_in.
                let mut acc = [[zero(); MAXC]; 4];
                let mut odd = [[zero(); MAXC]; 4];
                for c in 0..chunks(H) {
                    let (o, n) = (c * W, lanes(H, c));
                    acc[0][c] = ld(p.bias.add(o), n);
                    acc[1][c] = ld(p.bias.add(H + o), n);
                    acc[3][c] = ld(p.bias.add(2 * H + o), n);
                    acc[2][c] = ld(p.b_hn.add(o), n);
                }
                // The input's n-gate column goes to acc[3]: swap around the product.
                {
                    let mut xi = [acc[0], acc[1], acc[3], [zero(); MAXC]];
                    inputs::<IN, 3, H>(p.w_ih, x, &mut xi);
                    acc[0] = xi[0];
                    acc[1] = xi[1];
                    acc[3] = xi[2];
                }
                let split = recurrence::<3, H>(p.w_hh, h, &hv, &mut acc, &mut odd);
                each_chunk!(c, {
                    if c < chunks(H) {
                        let (o, n) = (c * W, lanes(H, c));
                        let sum = |g: usize| {
                            if split {
                                add(acc[g][c], odd[g][c])
                            } else {
                                acc[g][c]
                            }
                        };
                        let r = sigmoid_v(sum(0));
                        let z = sigmoid_v(sum(1));
                        let nn = tanh_v(fma(r, sum(2), acc[3][c]));
                        // (1 − z) and z·h are ready before n.
                        let new = fma(sub(splat(1.0), z), nn, mul(z, hv[c]));
                        st(h.add(o), n, new);
                    }
                });
            }
        }

        /// [`lstm_inline`] as a function of its own, as [`gru`] is.
        /// SAFETY (callers): the contract of the macro.
        #[target_feature(enable = $feature)]
        pub(super) unsafe fn lstm<const IN: usize, const H: usize>(
            p: Ptrs,
            x: &[f32; IN],
            h: *mut f32,
            cs: *mut f32,
        ) {
            // SAFETY: the caller's contract.
            unsafe { lstm_inline::<IN, H>(p, x, h, cs) }
        }

        /// One LSTM step: `h` and `c` become `h'` and `c'`, as [`gru_inline`].
        /// SAFETY (callers): as for [`gru_inline`].
        #[inline(always)]
        #[allow(unused_unsafe)]
        pub(super) unsafe fn lstm_inline<const IN: usize, const H: usize>(
            p: Ptrs,
            x: &[f32; IN],
            h: *mut f32,
            cs: *mut f32,
        ) {
            // SAFETY (all blocks): as in `gru_inline`.
            unsafe {
                let hv = load_row::<H>(h);
                let mut acc = [[zero(); MAXC]; 4];
                let mut odd = [[zero(); MAXC]; 4];
                for g in 0..4 {
                    for c in 0..chunks(H) {
                        acc[g][c] = ld(p.bias.add(g * H + c * W), lanes(H, c));
                    }
                }
                inputs::<IN, 4, H>(p.w_ih, x, &mut acc);
                let split = recurrence::<4, H>(p.w_hh, h, &hv, &mut acc, &mut odd);
                each_chunk!(c, {
                    if c < chunks(H) {
                        let (o, n) = (c * W, lanes(H, c));
                        let sum = |g: usize| {
                            if split {
                                add(acc[g][c], odd[g][c])
                            } else {
                                acc[g][c]
                            }
                        };
                        let (i, f, g, og) = (
                            sigmoid_v(sum(0)),
                            sigmoid_v(sum(1)),
                            tanh_v(sum(2)),
                            sigmoid_v(sum(3)),
                        );
                        let c_new = fma(i, g, mul(f, ld(cs.add(o), n)));
                        st(cs.add(o), n, c_new);
                        st(h.add(o), n, mul(og, tanh_v(c_new)));
                    }
                });
            }
        }
    };
}

mod avx512 {
    use super::super::act_simd::avx512::{sigmoid_v, tanh_v};

    use crate::kernels::lanes::avx512::*;
    /// Vector registers.
    const REGS: usize = 32;
    /// Whether [`pin`] holds the columns in order: not at 16 lanes (measured the same
    /// either way).
    const fn pins(_h: usize) -> bool {
        false
    }

    kernels!("avx512f");
}

/// The 8-lane module, once for AVX2+FMA (16 registers) and once more with AVX-512VL on top
/// (32 registers, masks for the tails).
macro_rules! lanes8 {
    ($lanes:ident, $feature:literal, $regs:literal) => {
        use crate::kernels::act_simd::avx2::{sigmoid_v, tanh_v};

        use crate::kernels::lanes::$lanes::*;
        /// Vector registers.
        const REGS: usize = $regs;
        /// Whether [`pin`] holds the columns of the product in order: where each gate is two
        /// vectors. With 16 registers LLVM otherwise turned `lstm(1 -> 16)`'s product into
        /// eight chains of 16 multiply-adds one after the other, its `h[j]` broadcasts
        /// spilled to the stack, and the out-of-order window could not overlap them (ns a
        /// step on a Zen 4, 8 lanes, AVX2 / AVX-512VL: LSTM 16 110 → 69 / 89 → 60, GRU 16
        /// 70 → 54 / 68 → 51). With one vector a gate (`gru(1 -> 8)` 37 → 40) or more
        /// than two (GRU 32, LSTM 40: the same or up to 5% slower) LLVM's order is as fast.
        const fn pins(h: usize) -> bool {
            chunks(h) == 2
        }

        kernels!($feature);
    };
}

mod avx2 {
    lanes8!(avx2, "avx2,fma", 16);
}

mod avx2vl {
    lanes8!(avx2vl, "avx2,fma,avx512f,avx512vl", 32);
}
