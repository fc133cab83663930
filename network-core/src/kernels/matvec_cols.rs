//! The product of one sample with a frozen layer's column-major weights, `z += Wᵀ·x` over
//! columns ([`add_cols`](super::add_cols)), in AVX-512 or AVX2+FMA: one fused multiply-add of
//! the output vector per input, the output vector held in registers from the first input to
//! the last.
//!
//! The outputs go in blocks of up to 16 (`W256`) or 16 (`W512`) vectors, all the inputs
//! passing over each block; a layer narrower than its vectors' width times two runs several
//! accumulator sets over the inputs (input `j` into set `j mod C`), so that independent
//! multiply-adds hide each other's latency, the sets summed at the end as a tree. A width that
//! is no multiple of the vector's ends with a vector that overlaps the one before it: both
//! compute their common lanes with the same operations from the same `z`, so they store the
//! same values there.
//!
//! One output (`OUT = 1`) is a dot product of the input with the single row of weights:
//! eight lanes and a horizontal sum.
//!
//! The results differ from the portable loop's only by rounding: each product is fused into
//! its sum, and with several sets the inputs are summed in another order (set by set, then
//! the sets).
//!
//! The `unsafe` here: vector loads and stores through raw pointers, inside slices whose
//! lengths are checked first, in `#[target_feature]` functions called only on a CPU with the
//! feature (the [`dispatch`](super::dispatch) tokens' or the caller's check).
#![allow(unsafe_code)]

use super::simd::{hsum256, load_first256};
use core::arch::x86_64::*;

/// Whether the kernels take a layer of `n` inputs and `m` outputs: any shape with at least
/// four outputs, or one output and at least eight inputs.
#[inline(always)]
pub const fn fits(n: usize, m: usize) -> bool {
    n > 0 && (m >= 4 || (m == 1 && n >= 8))
}

/// The kernels of one vector width: `$v` vectors of `$w` lanes, under `$feature`.
macro_rules! cols {
    ($v:ty, $w:literal, $loadu:ident, $storeu:ident, $set1:ident,
     $fmadd:ident, $add:ident) => {
        use super::*;

        /// Lanes per vector.
        pub(super) const W: usize = $w;

        /// `z += Σⱼ x[j]·wt[j·m..]` on the `NB` vectors of outputs at `first`, `first + W`,
        /// …, the last at `last` (`first + (NB − 1)·W`, or less where it overlaps the one
        /// before), with `C` accumulator sets.
        ///
        /// SAFETY (callers): `wt` holds `n` columns of `m` floats, `x` `n` floats and `z`
        /// `m`; every vector lies inside a column: `first + (NB − 2)·W ≤ last ≤ m − W`.
        #[inline(always)]
        unsafe fn block<const NB: usize, const C: usize>(
            wt: *const f32,
            x: *const f32,
            n: usize,
            m: usize,
            z: *mut f32,
            first: usize,
            last: usize,
        ) {
            let off = |k: usize| if k + 1 == NB { last } else { first + k * W };
            // Column j into set j mod C, in groups of at least four columns: a loop body long
            // enough to hide its own cost.
            const fn group(c: usize) -> usize {
                if c >= 4 { c } else { 4 }
            }
            // SAFETY: the CPU has the instructions (the caller's contract); the inputs and
            // columns read are those below n, and vector k lies inside z and inside each
            // column (the caller's contract on `first` and `last`).
            unsafe {
                let fma_col = |acc: &mut [$v; NB], j: usize| {
                    let xv = $set1(*x.add(j));
                    let col = wt.add(j * m);
                    for k in 0..NB {
                        acc[k] = $fmadd(xv, $loadu(col.add(off(k))), acc[k]);
                    }
                };
                // Minus zero: adding it changes nothing, so sets left empty fold away.
                let mut acc = [[$set1(-0.0); NB]; C];
                for k in 0..NB {
                    acc[0][k] = $loadu(z.add(off(k)));
                }
                let mut j = 0;
                while j + group(C) <= n {
                    for c in 0..group(C) {
                        fma_col(&mut acc[c % C], j + c);
                    }
                    j += group(C);
                }
                for c in 0..n - j {
                    fma_col(&mut acc[c % C], j + c);
                }
                let mut s = C;
                while s > 1 {
                    s /= 2;
                    for c in 0..s {
                        for k in 0..NB {
                            acc[c][k] = $add(acc[c][k], acc[c + s][k]);
                        }
                    }
                }
                for k in 0..NB {
                    $storeu(z.add(off(k)), acc[0][k]);
                }
            }
        }

        /// [`block`] with `nb ≤ 16` vectors and the accumulator sets that keep about eight
        /// 256-bit multiply-adds in flight (two pipes, four cycles each).
        ///
        /// SAFETY (callers): as for [`block`] with `NB = nb`.
        #[inline(always)]
        unsafe fn block_of(
            nb: usize,
            wt: *const f32,
            x: *const f32,
            n: usize,
            m: usize,
            z: *mut f32,
            first: usize,
            last: usize,
        ) {
            // 256-bit vectors per vector of this width.
            const Y: usize = if W >= 8 { W / 8 } else { 1 };
            const fn sets(nb: usize) -> usize {
                let lanes = nb * Y;
                if lanes >= 8 {
                    1
                } else if lanes >= 3 {
                    2
                } else if lanes == 2 {
                    4
                } else {
                    8 / Y
                }
            }
            // SAFETY: the caller's contract, NB = nb.
            unsafe {
                match nb {
                    1 => block::<1, { sets(1) }>(wt, x, n, m, z, first, last),
                    2 => block::<2, { sets(2) }>(wt, x, n, m, z, first, last),
                    3 => block::<3, { sets(3) }>(wt, x, n, m, z, first, last),
                    4 => block::<4, { sets(4) }>(wt, x, n, m, z, first, last),
                    5 => block::<5, { sets(5) }>(wt, x, n, m, z, first, last),
                    6 => block::<6, { sets(6) }>(wt, x, n, m, z, first, last),
                    7 => block::<7, { sets(7) }>(wt, x, n, m, z, first, last),
                    8 => block::<8, { sets(8) }>(wt, x, n, m, z, first, last),
                    9 => block::<9, { sets(9) }>(wt, x, n, m, z, first, last),
                    10 => block::<10, { sets(10) }>(wt, x, n, m, z, first, last),
                    11 => block::<11, { sets(11) }>(wt, x, n, m, z, first, last),
                    12 => block::<12, { sets(12) }>(wt, x, n, m, z, first, last),
                    13 => block::<13, { sets(13) }>(wt, x, n, m, z, first, last),
                    14 => block::<14, { sets(14) }>(wt, x, n, m, z, first, last),
                    15 => block::<15, { sets(15) }>(wt, x, n, m, z, first, last),
                    16 => block::<16, { sets(16) }>(wt, x, n, m, z, first, last),
                    _ => unreachable!(),
                }
            }
        }

        /// `z += Σⱼ x[j]·wt[j·m..(j+1)·m]` for `m = z.len() ≥ W` outputs, in blocks of at
        /// most `max` vectors (`2 ≤ max ≤ 16`).
        ///
        /// SAFETY (callers): `wt.len() = x.len()·z.len()`, `z.len() ≥ W`.
        #[inline(always)]
        pub(super) unsafe fn add_cols(wt: &[f32], x: &[f32], z: &mut [f32], max: usize) {
            let (n, m) = (x.len(), z.len());
            let (wp, xp, zp) = (wt.as_ptr(), x.as_ptr(), z.as_mut_ptr());
            let nv = m.div_ceil(W);
            // Blocks of equal size: the last block has two vectors or more whenever its last
            // vector overlaps, so that it overlaps only vectors of its own block.
            let blocks = nv.div_ceil(max);
            let mut v = 0;
            for b in 0..blocks {
                let nb = (nv - v) / (blocks - b);
                let first = v * W;
                let last = if v + nb == nv { m - W } else { first + (nb - 1) * W };
                // SAFETY: vectors first, …, first + (nb − 2)·W end at most at the start of
                // vector nv − 1 ≤ m − W; the last one at most m − W: all inside a column of
                // wt and inside z.
                unsafe { block_of(nb, wp, xp, n, m, zp, first, last) };
                v += nb;
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

/// 128-bit vectors with FMA, for four to seven outputs.
mod w128 {
    cols!(
        __m128,
        4,
        _mm_loadu_ps,
        _mm_storeu_ps,
        _mm_set1_ps,
        _mm_fmadd_ps,
        _mm_add_ps
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
            let (xv, wv) = (load_first256(xp.add(i), n - i), load_first256(wp.add(i), n - i));
            *a = _mm256_fmadd_ps(xv, wv, *a);
        }
        let s = _mm256_add_ps(
            _mm256_add_ps(acc[0], acc[1]),
            _mm256_add_ps(acc[2], acc[3]),
        );
        z[0] += hsum256(s);
    }
}

/// `z += Σⱼ x[j]·wt[j·m..(j+1)·m]` (`m = z.len()`) in AVX2: 256-bit vectors, 128-bit ones for
/// four to seven outputs, the dot product for one. Needs [`fits`]`(x.len(), z.len())` and
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
    // Blocks of twelve vectors at most: with the broadcast input and the loaded column they
    // fill the sixteen registers.
    unsafe {
        if m == 1 {
            dot(wt, x, z)
        } else if m < w256::W {
            w128::add_cols(wt, x, z, 12)
        } else {
            w256::add_cols(wt, x, z, 12)
        }
    }
}

/// [`add_cols_avx2`] with AVX-512: 512-bit vectors where they leave no more lanes empty than
/// 256-bit ones would (16, 32, …, and every width above 64), the 256-bit kernel for the others
/// (with VL's 32 registers, in blocks of up to 16 vectors). Needs [`fits`]`(x.len(),
/// z.len())` and `wt.len() = x.len()·z.len()` (panics otherwise).
///
/// Inlined into a caller compiled for those features, as [`add_cols_avx2`].
///
/// # Safety
///
/// The CPU must support AVX-512F and VL, AVX2 and FMA.
#[inline(always)]
pub unsafe fn add_cols_avx512(wt: &[f32], x: &[f32], z: &mut [f32]) {
    let (n, m) = (x.len(), z.len());
    assert!(fits(n, m) && wt.len() == n * m);
    // SAFETY: the lengths checked above; the CPU has the features (the caller's contract).
    unsafe {
        if m == 1 {
            dot(wt, x, z)
        } else if m < w256::W {
            w128::add_cols(wt, x, z, 16)
        } else if m >= w512::W && (m.div_ceil(16) * 2 == m.div_ceil(8) || m > 64) {
            w512::add_cols(wt, x, z, 16)
        } else {
            w256::add_cols(wt, x, z, 16)
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
    fn avx512(wt: &[f32], x: &[f32], z: &mut [f32]) {
        // SAFETY: as in `avx2`.
        unsafe { add_cols_avx512(wt, x, z) }
    }

    /// The kernel at `level` against the portable loop on many shapes: within rounding
    /// (relative 1e-5 of the sum of the products' magnitudes, which bounds any order's error).
    fn check(level: Level) {
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
                    _ => avx512(&wt, &x, &mut got),
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
            check(Level::Avx2);
        }
        if supported(Level::Avx512) && supported(Level::Avx2) {
            check(Level::Avx512);
        }
    }

    #[test]
    fn the_shapes_taken() {
        assert!(fits(8, 1) && fits(1, 4) && fits(3, 5) && fits(784, 128));
        assert!(!fits(7, 1) && !fits(4, 2) && !fits(4, 3) && !fits(0, 8));
    }
}
