//! The product of one sample with a frozen layer's column-major weights, `z += Wᵀ·x` over
//! columns ([`add_cols`](super::add_cols)), in AVX-512 or AVX2+FMA: one fused multiply-add of
//! the output vector per input, the output vector held in registers from the first input to
//! the last.
//!
//! The outputs go in blocks of at most 16 vectors, all the inputs passing over each block
//! (with AVX2's 16 registers, a block of more than 12 spills some to the stack, cheaper than a
//! second pass over the inputs); a layer of few vectors runs several accumulator sets over the
//! inputs (input `j` into set `j mod C`), so that independent multiply-adds hide each other's
//! latency, the sets summed at the end as a tree. The lanes past the last whole vector go in
//! pieces of 8, 4, 2 and 1 lanes, each output loaded and stored exactly once: vectors that
//! overlapped would make the next layer's loads span two stores, which the CPU cannot
//! forward.
//!
//! One output (`OUT = 1`) from eight inputs on is a dot product of the input with the single
//! row of weights: eight lanes and a horizontal sum.
//!
//! The results differ from the portable loop's only by rounding: each product is fused into
//! its sum, and with several sets the inputs are summed in another order (set by set, then
//! the sets as a tree).
//!
//! The `unsafe` here: vector loads and stores through raw pointers, inside slices whose
//! lengths are checked first, in code inlined into functions compiled for the instructions
//! and called only on a CPU with them (the [`dispatch`](super::dispatch) tokens).
#![allow(unsafe_code)]

use super::simd::{hsum256, load_first256};
use core::arch::x86_64::*;

/// Whether the kernels take a layer of `n` inputs and `m` outputs: any but the empty ones.
#[inline(always)]
pub const fn fits(n: usize, m: usize) -> bool {
    n > 0 && m > 0
}

/// The accumulators of the `t < 16` lanes past a block's whole vectors, in pieces of 8, 4, 2
/// and 1 lanes (bits 8, 4, 2, 1 of `t`), each piece's unused lanes zero.
#[derive(Clone, Copy)]
struct Tail {
    p8: __m256,
    p4: __m128,
    p2: __m128,
    p1: __m128,
}

impl Tail {
    /// Minus zero everywhere: adding it changes nothing, so sets left empty fold away.
    ///
    /// SAFETY (callers): the CPU has AVX2 and FMA (for every `Tail` function).
    #[inline(always)]
    unsafe fn zero() -> Tail {
        // SAFETY: the caller's contract.
        unsafe {
            Tail {
                p8: _mm256_set1_ps(-0.0),
                p4: _mm_set1_ps(-0.0),
                p2: _mm_set1_ps(-0.0),
                p1: _mm_set1_ps(-0.0),
            }
        }
    }

    /// The pieces of the `t` lanes at `p`.
    ///
    /// SAFETY (callers): `p .. p + t` lies inside one slice.
    #[inline(always)]
    unsafe fn load(p: *const f32, t: usize) -> Tail {
        // SAFETY: the pieces cover p .. p + t; the CPU has the instructions.
        unsafe {
            let mut v = Tail::zero();
            let (o4, o2) = (t & 8, t & 12);
            let o1 = t & 14;
            if t & 8 != 0 {
                v.p8 = _mm256_loadu_ps(p);
            }
            if t & 4 != 0 {
                v.p4 = _mm_loadu_ps(p.add(o4));
            }
            if t & 2 != 0 {
                v.p2 = _mm_castpd_ps(_mm_load_sd(p.add(o2).cast()));
            }
            if t & 1 != 0 {
                v.p1 = _mm_load_ss(p.add(o1));
            }
            v
        }
    }

    /// `self += xj · (the t lanes at p)`.
    ///
    /// SAFETY (callers): as for [`load`](Self::load).
    #[inline(always)]
    unsafe fn fma(&mut self, xj: f32, p: *const f32, t: usize) {
        // SAFETY: as in `load`.
        unsafe {
            let w = Tail::load(p, t);
            let (x8, x4) = (_mm256_set1_ps(xj), _mm_set1_ps(xj));
            if t & 8 != 0 {
                self.p8 = _mm256_fmadd_ps(x8, w.p8, self.p8);
            }
            if t & 4 != 0 {
                self.p4 = _mm_fmadd_ps(x4, w.p4, self.p4);
            }
            if t & 2 != 0 {
                self.p2 = _mm_fmadd_ps(x4, w.p2, self.p2);
            }
            if t & 1 != 0 {
                self.p1 = _mm_fmadd_ss(x4, w.p1, self.p1);
            }
        }
    }

    /// `self + o`, piece by piece.
    ///
    /// SAFETY (callers): as for [`zero`](Self::zero).
    #[inline(always)]
    unsafe fn add(self, o: Tail) -> Tail {
        // SAFETY: the caller's contract.
        unsafe {
            Tail {
                p8: _mm256_add_ps(self.p8, o.p8),
                p4: _mm_add_ps(self.p4, o.p4),
                p2: _mm_add_ps(self.p2, o.p2),
                p1: _mm_add_ss(self.p1, o.p1),
            }
        }
    }

    /// Stores the `t` lanes at `p`.
    ///
    /// SAFETY (callers): `p .. p + t` lies inside one writable slice.
    #[inline(always)]
    unsafe fn store(self, p: *mut f32, t: usize) {
        // SAFETY: as in `load`.
        unsafe {
            let (o4, o2) = (t & 8, t & 12);
            let o1 = t & 14;
            if t & 8 != 0 {
                _mm256_storeu_ps(p, self.p8);
            }
            if t & 4 != 0 {
                _mm_storeu_ps(p.add(o4), self.p4);
            }
            if t & 2 != 0 {
                _mm_store_sd(p.add(o2).cast(), _mm_castps_pd(self.p2));
            }
            if t & 1 != 0 {
                _mm_store_ss(p.add(o1), self.p1);
            }
        }
    }
}

/// The kernels of one vector width: `$v` vectors of `$w` lanes.
macro_rules! cols {
    ($v:ty, $w:literal, $loadu:ident, $storeu:ident, $set1:ident,
     $fmadd:ident, $add:ident) => {
        use super::*;

        /// Lanes per vector.
        pub(super) const W: usize = $w;

        /// `acc += xj · col`, on the `NB` vectors at `first`, `first + W`, …, and the `t`
        /// lanes after them. (A function, not a closure: closures inline only where LLVM
        /// chooses, and outside they lose the caller's features.)
        ///
        /// SAFETY (callers): those lanes lie inside `col`'s slice; the CPU has the
        /// instructions.
        #[inline(always)]
        unsafe fn fma_col<const NB: usize>(
            acc: &mut ([$v; NB], Tail),
            xj: f32,
            col: *const f32,
            first: usize,
            t: usize,
        ) {
            // SAFETY: the caller's contract.
            unsafe {
                let xv = $set1(xj);
                for k in 0..NB {
                    acc.0[k] = $fmadd(xv, $loadu(col.add(first + k * W)), acc.0[k]);
                }
                acc.1.fma(xj, col.add(first + NB * W), t);
            }
        }

        /// The accumulator sets of a block of `nb` vectors and `p` tail pieces with `r`
        /// registers for accumulators: enough to keep about eight 256-bit multiply-adds in
        /// flight (two pipes, four cycles each), a tail counting as a vector, as long as they
        /// fit the registers (a power of two, at most 8).
        const fn sets(nb: usize, p: usize, r: usize) -> usize {
            let lanes = nb * (W / 8) + if p > 0 { 1 } else { 0 };
            let mut c = if lanes >= 8 {
                1
            } else if lanes >= 3 {
                2
            } else if lanes == 2 {
                4
            } else {
                8
            };
            while c > 1 && c * (nb + p) > r {
                c /= 2;
            }
            c
        }

        /// `z += Σⱼ x[j]·wt[j·m..]` on the `NB` vectors of outputs at `first`, `first + W`,
        /// …, then `t < W` lanes in `P` pieces, with [`sets`]`(NB, P, R)` accumulator sets.
        ///
        /// SAFETY (callers): `wt` holds `n` columns of `m` floats, `x` `n` floats and `z`
        /// `m`; `first + NB·W + t ≤ m`; the CPU has the instructions.
        ///
        /// Inlined where the optimiser runs, which keeps the one instance the sizes select;
        /// an unoptimised build keeps every instance that [`block_of`]'s `match` names, each
        /// with its own accumulators on the stack, and inlined into one frame per layer they
        /// overflow a test thread's 2 MiB stack: there each stays a function of its own.
        #[cfg_attr(not(debug_assertions), inline(always))]
        #[cfg_attr(debug_assertions, inline(never))]
        unsafe fn block<const NB: usize, const P: usize, const R: usize>(
            wt: *const f32,
            x: *const f32,
            n: usize,
            m: usize,
            z: *mut f32,
            first: usize,
            t: usize,
        ) {
            let c_sets = const { sets(NB, P, R) };
            // Column j into set j mod c_sets, in groups of at least four columns: a loop body
            // long enough to hide its own cost.
            const fn group(c: usize) -> usize {
                if c >= 4 { c } else { 4 }
            }
            // SAFETY: the CPU has the instructions (the caller's contract); the inputs and
            // columns read are those below n, and the vectors and the tail lie inside z and
            // inside each column (the caller's contract on `first` and `t`).
            unsafe {
                // Sets past c_sets stay unused, and fold away.
                let mut acc = [([$set1(-0.0); NB], Tail::zero()); 8];
                for k in 0..NB {
                    acc[0].0[k] = $loadu(z.add(first + k * W));
                }
                acc[0].1 = Tail::load(z.add(first + NB * W), t);
                let mut j = 0;
                while j + group(c_sets) <= n {
                    for c in 0..group(c_sets) {
                        fma_col(
                            &mut acc[c % c_sets],
                            *x.add(j + c),
                            wt.add((j + c) * m),
                            first,
                            t,
                        );
                    }
                    j += group(c_sets);
                }
                for c in 0..n - j {
                    fma_col(
                        &mut acc[c % c_sets],
                        *x.add(j + c),
                        wt.add((j + c) * m),
                        first,
                        t,
                    );
                }
                let mut s = c_sets;
                while s > 1 {
                    s /= 2;
                    for c in 0..s {
                        for k in 0..NB {
                            acc[c].0[k] = $add(acc[c].0[k], acc[c + s].0[k]);
                        }
                        acc[c].1 = acc[c].1.add(acc[c + s].1);
                    }
                }
                for k in 0..NB {
                    $storeu(z.add(first + k * W), acc[0].0[k]);
                }
                acc[0].1.store(z.add(first + NB * W), t);
            }
        }

        /// [`block`] with `nb ≤ 16` vectors and `r` registers for accumulators.
        ///
        /// SAFETY (callers): as for [`block`] with `NB = nb`, `R = r`.
        #[inline(always)]
        #[allow(clippy::too_many_arguments)]
        unsafe fn block_of<const R: usize>(
            nb: usize,
            wt: *const f32,
            x: *const f32,
            n: usize,
            m: usize,
            z: *mut f32,
            first: usize,
            t: usize,
        ) {
            let pieces = t.count_ones() as usize;
            // SAFETY: the caller's contract, NB = nb.
            unsafe {
                match nb {
                    0 => block_p::<0, R>(pieces, wt, x, n, m, z, first, t),
                    1 => block_p::<1, R>(pieces, wt, x, n, m, z, first, t),
                    2 => block_p::<2, R>(pieces, wt, x, n, m, z, first, t),
                    3 => block_p::<3, R>(pieces, wt, x, n, m, z, first, t),
                    4 => block_p::<4, R>(pieces, wt, x, n, m, z, first, t),
                    5 => block_p::<5, R>(pieces, wt, x, n, m, z, first, t),
                    6 => block_p::<6, R>(pieces, wt, x, n, m, z, first, t),
                    7 => block_p::<7, R>(pieces, wt, x, n, m, z, first, t),
                    8 => block_p::<8, R>(pieces, wt, x, n, m, z, first, t),
                    9 => block_p::<9, R>(pieces, wt, x, n, m, z, first, t),
                    10 => block_p::<10, R>(pieces, wt, x, n, m, z, first, t),
                    11 => block_p::<11, R>(pieces, wt, x, n, m, z, first, t),
                    12 => block_p::<12, R>(pieces, wt, x, n, m, z, first, t),
                    13 => block_p::<13, R>(pieces, wt, x, n, m, z, first, t),
                    14 => block_p::<14, R>(pieces, wt, x, n, m, z, first, t),
                    15 => block_p::<15, R>(pieces, wt, x, n, m, z, first, t),
                    16 => block_p::<16, R>(pieces, wt, x, n, m, z, first, t),
                    _ => unreachable!(),
                }
            }
        }

        /// [`block`] with `pieces ≤ 4` tail pieces.
        ///
        /// SAFETY (callers): as for [`block`] with `P = pieces`.
        #[inline(always)]
        #[allow(clippy::too_many_arguments)]
        unsafe fn block_p<const NB: usize, const R: usize>(
            pieces: usize,
            wt: *const f32,
            x: *const f32,
            n: usize,
            m: usize,
            z: *mut f32,
            first: usize,
            t: usize,
        ) {
            // SAFETY: the caller's contract, P = pieces.
            unsafe {
                match pieces {
                    0 => block::<NB, 0, R>(wt, x, n, m, z, first, t),
                    1 => block::<NB, 1, R>(wt, x, n, m, z, first, t),
                    2 => block::<NB, 2, R>(wt, x, n, m, z, first, t),
                    3 => block::<NB, 3, R>(wt, x, n, m, z, first, t),
                    4 => block::<NB, 4, R>(wt, x, n, m, z, first, t),
                    _ => unreachable!(),
                }
            }
        }

        /// `z += Σⱼ x[j]·wt[j·m..(j+1)·m]` for `m = z.len()` outputs, in blocks of at most
        /// 16 vectors, the last with the lanes past the whole vectors, with accumulator sets
        /// for at most `R` registers.
        ///
        /// SAFETY (callers): `wt.len() = x.len()·z.len()`; the CPU has the instructions.
        #[inline(always)]
        pub(super) unsafe fn add_cols<const R: usize>(wt: &[f32], x: &[f32], z: &mut [f32]) {
            let (n, m) = (x.len(), z.len());
            let (wp, xp, zp) = (wt.as_ptr(), x.as_ptr(), z.as_mut_ptr());
            let (nv, t) = (m / W, m % W);
            // Blocks of nearly equal size, the last the smallest, with the tail's pieces, of
            // up to 16 vectors and pieces even where `R` is fewer: the registers past `R` then
            // spill to the stack, which costs less than another pass over the inputs and
            // their columns (AVX2 on a Zen 4, best of 400, two runs: 784 -> 100 in 2.71 µs
            // against 3.55-3.59 in two blocks, 784 -> 128 3.62-3.76 against 4.15-4.17,
            // 64 -> 104 145-154 ns against 237-264; but 64 -> 128 265-278 against 248-258).
            // `R` still bounds the accumulator sets, which spilled would each cost a round
            // trip per input (32 -> 15: 42-46 ns against 29).
            let max = 16;
            let blocks = (nv + t.count_ones() as usize).div_ceil(max).max(1);
            // With several blocks, the inputs go in runs of `RUN` (whose columns fit in L1),
            // each run through every block: a cache line two blocks share is then read from
            // L2 once. (AVX2 on 784 -> 128, two blocks: 3.7-4.4 µs across runs against 4.4 µs
            // in one run of all the inputs, 4.4 in runs of 16, 4.6 in runs of 8 and 4.7 in runs
            // of 128; one block, with AVX-512's registers, 3.5 µs; software prefetch 8
            // columns ahead made it slower.)
            const RUN: usize = 32;
            let run = if blocks > 1 { RUN } else { n };
            let mut j = 0;
            while j < n {
                let len = run.min(n - j);
                let mut v = 0;
                for b in 0..blocks {
                    let nb = (nv - v).div_ceil(blocks - b);
                    let t = if b + 1 == blocks { t } else { 0 };
                    // SAFETY: inputs j .. j + len ≤ n, and their columns; vectors v .. v + nb,
                    // then in the last block the t lanes after them, end at most at
                    // nv·W + t = m: inside each column of wt and inside z.
                    unsafe { block_of::<R>(nb, wp.add(j * m), xp.add(j), len, m, zp, v * W, t) };
                    v += nb;
                }
                j += len;
            }
        }
    };
}

/// 256-bit vectors, AVX2 and FMA.
mod w256 {
    cols!(
        __m256,
        8,
        _mm256_loadu_ps,
        _mm256_storeu_ps,
        _mm256_set1_ps,
        _mm256_fmadd_ps,
        _mm256_add_ps
    );
}

/// 512-bit vectors, AVX-512F.
mod w512 {
    cols!(
        __m512,
        16,
        _mm512_loadu_ps,
        _mm512_storeu_ps,
        _mm512_set1_ps,
        _mm512_fmadd_ps,
        _mm512_add_ps
    );
}

/// `z[0] += Σⱼ x[j]·wt[j]` for one output and `n ≥ 8` inputs: four sets of eight lanes, the
/// last block's missing lanes zero, then the horizontal sum.
///
/// SAFETY (callers): `wt.len() = x.len() ≥ 8`, `z.len() = 1`; the CPU has AVX2 and FMA.
#[inline(always)]
unsafe fn dot(wt: &[f32], x: &[f32], z: &mut [f32]) {
    let n = x.len();
    let (wp, xp) = (wt.as_ptr(), x.as_ptr());
    // SAFETY: the CPU has AVX2 and FMA (the caller's contract); the lanes read, i .. i + 8
    // and then i .. n, lie inside wt and x.
    unsafe {
        let mut acc = [_mm256_set1_ps(-0.0); 4];
        let mut i = 0;
        while i + 8 <= n {
            let a = &mut acc[(i / 8) % 4];
            *a = _mm256_fmadd_ps(_mm256_loadu_ps(xp.add(i)), _mm256_loadu_ps(wp.add(i)), *a);
            i += 8;
        }
        if i < n {
            let a = &mut acc[(i / 8) % 4];
            let (xv, wv) = (
                load_first256(xp.add(i), n - i),
                load_first256(wp.add(i), n - i),
            );
            *a = _mm256_fmadd_ps(xv, wv, *a);
        }
        let s = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
        z[0] += hsum256(s);
    }
}

/// `z += Σⱼ x[j]·wt[j·m..(j+1)·m]` (`m = z.len()`) in AVX2: 256-bit vectors, the dot product
/// for one output from eight inputs on. Needs [`fits`]`(x.len(), z.len())` and
/// `wt.len() = x.len()·z.len()` (panics otherwise).
///
/// Inlined, without features of its own, into a caller compiled for AVX2 and FMA (a
/// [`dispatch`](super::dispatch) function), where it becomes vector code with the caller's
/// sizes; elsewhere its intrinsics would stay calls.
///
/// # Safety
///
/// The CPU must support AVX2 and FMA.
#[inline(always)]
pub unsafe fn add_cols_avx2(wt: &[f32], x: &[f32], z: &mut [f32]) {
    let (n, m) = (x.len(), z.len());
    assert!(fits(n, m) && wt.len() == n * m);
    // SAFETY: the lengths checked above; the CPU has AVX2 and FMA (the caller's contract).
    // Accumulator sets for twelve registers at most: with the broadcast input and the loaded
    // tail pieces they fill the sixteen (32 × 15 spilled with 16, 43 against 32 ns).
    unsafe {
        if m == 1 && n >= 8 {
            dot(wt, x, z)
        } else {
            w256::add_cols::<12>(wt, x, z)
        }
    }
}

/// [`add_cols_avx2`] with AVX-512: if `wide`, 512-bit vectors from 16 outputs on, else the
/// 256-bit kernel with VL's 32 registers, in blocks of up to 16 vectors (128 outputs in one
/// pass over the weights). Needs [`fits`]`(x.len(), z.len())` and `wt.len() =
/// x.len()·z.len()` (panics otherwise).
///
/// Inlined into a caller compiled for those features, as [`add_cols_avx2`].
///
/// # Safety
///
/// The CPU must support AVX-512F and VL, AVX2 and FMA.
#[inline(always)]
pub unsafe fn add_cols_avx512(wt: &[f32], x: &[f32], z: &mut [f32], wide: bool) {
    let (n, m) = (x.len(), z.len());
    assert!(fits(n, m) && wt.len() == n * m);
    // SAFETY: the lengths checked above; the CPU has the features (the caller's contract).
    unsafe {
        if m == 1 && n >= 8 {
            dot(wt, x, z)
        } else if wide && m >= w512::W {
            w512::add_cols::<28>(wt, x, z)
        } else {
            w256::add_cols::<28>(wt, x, z)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Rng;
    use crate::kernels::simd::{Level, supported};
    use std::vec::Vec;

    /// [`add_cols_avx2`] compiled for its features, as the dispatch functions run it.
    #[target_feature(enable = "avx2,fma")]
    fn avx2(wt: &[f32], x: &[f32], z: &mut [f32]) {
        // SAFETY: this function's features are the kernel's.
        unsafe { add_cols_avx2(wt, x, z) }
    }

    /// [`add_cols_avx512`] compiled for its features.
    #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
    fn avx512(wt: &[f32], x: &[f32], z: &mut [f32], wide: bool) {
        // SAFETY: as in `avx2`.
        unsafe { add_cols_avx512(wt, x, z, wide) }
    }

    /// The kernel at `level` against the portable loop on many shapes: within rounding
    /// (relative 1e-5 of the sum of the products' magnitudes, which bounds any order's error).
    fn check(level: Level, wide: bool) {
        let mut rng = Rng::new(3);
        let mut shapes: Vec<(usize, usize)> = std::vec![
            (1, 1),
            (3, 5),
            (13, 7),
            (2, 8),
            (8, 1),
            (8, 8),
            (16, 16),
            (17, 33),
            (64, 64),
            (784, 128),
            (128, 10),
            (9, 1),
            (31, 1),
            (5, 4),
            (7, 6),
            (3, 9),
            (40, 24),
            (33, 40),
            (6, 100),
            (3, 130),
            (5, 200),
            (4, 257),
            (40, 200),
            (70, 100),
            (100, 97),
        ];
        for n in 1..20 {
            for m in 1..40 {
                shapes.push((n, m));
            }
        }
        for (n, m) in shapes {
            let wt: Vec<f32> = (0..n * m).map(|_| rng.uniform(-1.0, 1.0)).collect();
            let x: Vec<f32> = (0..n).map(|_| rng.uniform(-3.0, 3.0)).collect();
            let z0: Vec<f32> = (0..m).map(|_| rng.uniform(-1.0, 1.0)).collect();
            let mut want = z0.clone();
            crate::kernels::add_cols(&wt, &x, &mut want);
            if !fits(n, m) {
                continue;
            }
            let mut got = z0.clone();
            // SAFETY: `supported` found the level's features on this CPU.
            unsafe {
                match level {
                    Level::Avx2 => avx2(&wt, &x, &mut got),
                    _ => avx512(&wt, &x, &mut got, wide),
                }
            }
            for i in 0..m {
                let scale = z0[i].abs() + (0..n).map(|j| (x[j] * wt[j * m + i]).abs()).sum::<f32>();
                let tol = 1e-5 * scale.max(1.0);
                assert!(
                    (got[i] - want[i]).abs() <= tol,
                    "{level:?} {n} × {m}, output {i}: {} vs {}",
                    got[i],
                    want[i]
                );
            }
        }
    }

    #[test]
    fn every_level_matches_the_portable_loop() {
        if supported(Level::Avx2) {
            check(Level::Avx2, false);
        }
        if supported(Level::Avx512) {
            check(Level::Avx512, true);
            check(Level::Avx512, false);
        }
    }

    #[test]
    fn the_shapes_taken() {
        assert!(fits(1, 1) && fits(3, 5) && fits(784, 128));
        assert!(!fits(0, 8) && !fits(8, 0));
    }
}
