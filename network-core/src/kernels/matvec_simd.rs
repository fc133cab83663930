//! The matrix-vector product of one small `f32` layer, `z += W·x`, in AVX-512 or AVX2 with the
//! sums of the portable [`dot`](super::portable::dot): bit for bit its results, for layers whose
//! rows and outputs are multiples of 16 (or of 8).
//!
//! `dot` keeps four partial sums `aₖ` (lane `k` of every block of four inputs, the blocks in
//! order) and returns `(a₀ + a₁) + (a₂ + a₃) + 0`. A 512-bit vector holds the four partial sums
//! of four rows: the products of four rows with `x` are transposed by 128-bit blocks so that
//! each addition adds the next block of four inputs of all four rows at once, in `dot`'s
//! order. Four such vectors (16 rows) are then transposed within their 128-bit lanes to finish
//! with `(a₀ + a₁) + (a₂ + a₃)` for 16 rows in three additions. The shuffles grow with the
//! layer's size (one per eight weights), so only small layers come here; larger ones take the
//! SIMD kernels of [`simd`](super::simd) with their own order.
//!
//! The `unsafe` here: vector loads and stores through raw pointers, inside slices whose
//! lengths are checked first, in `#[target_feature]` functions called only on a CPU with
//! the feature.
#![allow(unsafe_code)]

use core::arch::x86_64::*;

/// Whether [`add_wx`] takes a layer of `n` inputs and `m` outputs.
#[inline(always)]
pub const fn fits(n: usize, m: usize) -> bool {
    n > 0 && n.is_multiple_of(16) && m > 0 && m.is_multiple_of(16)
}

/// `z[j] += dot(w[j·n..(j+1)·n], x)` for every row `j`, with `n = x.len()`; needs
/// [`fits`]`(n, m)` for `m = z.len()` and `w.len() = m·n` (panics otherwise).
///
/// # Safety
///
/// The CPU must support AVX-512F.
#[target_feature(enable = "avx512f")]
#[inline]
pub unsafe fn add_wx(w: &[f32], x: &[f32], z: &mut [f32]) {
    let (n, m) = (x.len(), z.len());
    assert!(fits(n, m) && w.len() == m * n);
    let (wp, xp, zp) = (w.as_ptr(), x.as_ptr(), z.as_mut_ptr());
    // z position 4m + g of the finished sums holds row 4g + m of the 16.
    let order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    let mut j = 0;
    while j < m {
        let mut acc = [_mm512_setzero_ps(); 4];
        for (g, acc) in acc.iter_mut().enumerate() {
            let row = j + 4 * g;
            let mut i = 0;
            while i < n {
                // SAFETY: i + 16 ≤ n and row + 3 < m: every load lies inside x and w.
                let p: [__m512; 4] = unsafe {
                    let xv = _mm512_loadu_ps(xp.add(i));
                    core::array::from_fn(|r| {
                        _mm512_mul_ps(_mm512_loadu_ps(wp.add((row + r) * n + i)), xv)
                    })
                };
                // Blocks of 128 bits: t0 = [p0.0 p0.1 p1.0 p1.1], t1 = [p0.2 p0.3 p1.2 p1.3], ...
                let t0 = _mm512_shuffle_f32x4::<0b01_00_01_00>(p[0], p[1]);
                let t1 = _mm512_shuffle_f32x4::<0b11_10_11_10>(p[0], p[1]);
                let t2 = _mm512_shuffle_f32x4::<0b01_00_01_00>(p[2], p[3]);
                let t3 = _mm512_shuffle_f32x4::<0b11_10_11_10>(p[2], p[3]);
                // q_b = [p0.b p1.b p2.b p3.b]: block b of the four rows, added in order.
                let q0 = _mm512_shuffle_f32x4::<0b10_00_10_00>(t0, t2);
                let q1 = _mm512_shuffle_f32x4::<0b11_01_11_01>(t0, t2);
                let q2 = _mm512_shuffle_f32x4::<0b10_00_10_00>(t1, t3);
                let q3 = _mm512_shuffle_f32x4::<0b11_01_11_01>(t1, t3);
                *acc = _mm512_add_ps(*acc, q0);
                *acc = _mm512_add_ps(*acc, q1);
                *acc = _mm512_add_ps(*acc, q2);
                *acc = _mm512_add_ps(*acc, q3);
                i += 16;
            }
        }
        // Within each 128-bit block: u_k = [acc0.k acc1.k acc2.k acc3.k], the k-th partial
        // sums of four rows, block b of acc g being row j + 4g + b.
        let t0 = _mm512_unpacklo_ps(acc[0], acc[1]);
        let t1 = _mm512_unpackhi_ps(acc[0], acc[1]);
        let t2 = _mm512_unpacklo_ps(acc[2], acc[3]);
        let t3 = _mm512_unpackhi_ps(acc[2], acc[3]);
        let pd = _mm512_castps_pd;
        let ps = _mm512_castpd_ps;
        let u0 = ps(_mm512_unpacklo_pd(pd(t0), pd(t2)));
        let u1 = ps(_mm512_unpackhi_pd(pd(t0), pd(t2)));
        let u2 = ps(_mm512_unpacklo_pd(pd(t1), pd(t3)));
        let u3 = ps(_mm512_unpackhi_pd(pd(t1), pd(t3)));
        // `dot`'s (a0 + a1) + (a2 + a3) + tail, with an empty tail: + 0.
        let s = _mm512_add_ps(
            _mm512_add_ps(_mm512_add_ps(u0, u1), _mm512_add_ps(u2, u3)),
            _mm512_setzero_ps(),
        );
        let s = _mm512_permutexvar_ps(order, s);
        // SAFETY: j + 16 ≤ m: the 16 floats lie inside z.
        unsafe {
            let zv = _mm512_loadu_ps(zp.add(j));
            _mm512_storeu_ps(zp.add(j), _mm512_add_ps(zv, s));
        }
        j += 16;
    }
}

/// Whether [`add_wx8`] takes a layer of `n` inputs and `m` outputs.
#[inline(always)]
pub const fn fits8(n: usize, m: usize) -> bool {
    n == 8 && m > 0 && m.is_multiple_of(8)
}

/// [`add_wx`] for rows of 8 inputs (two blocks of four), two rows a vector: `z[j] +=
/// dot(w[8j..8j+8], x)` in `dot`'s order. Needs [`fits8`]`(x.len(), z.len())` and
/// `w.len() = 8·z.len()` (panics otherwise).
///
/// # Safety
///
/// The CPU must support AVX-512F.
#[target_feature(enable = "avx512f")]
#[inline]
pub unsafe fn add_wx8(w: &[f32], x: &[f32], z: &mut [f32]) {
    let (n, m) = (x.len(), z.len());
    assert!(fits8(n, m) && w.len() == m * n);
    let (wp, xp, zp) = (w.as_ptr(), x.as_ptr(), z.as_mut_ptr());
    // SAFETY: x holds 8 floats.
    let x8 = _mm512_castps256_ps512(unsafe { _mm256_loadu_ps(xp) });
    // [x.0 x.1 x.0 x.1] in 128-bit blocks: x beside each of two rows.
    let xx = _mm512_shuffle_f32x4::<0b01_00_01_00>(x8, x8);
    // Row 4g + b of the eight at block b, lane 0 for g = 0 and lane 1 for g = 1.
    let order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 0, 0, 0, 0, 0, 0, 0, 0);
    let mut j = 0;
    while j < m {
        let acc: [__m512; 2] = core::array::from_fn(|g| {
            // SAFETY: j + 8 ≤ m: rows j + 4g to j + 4g + 3, 32 floats, lie inside w.
            let (p0, p1) = unsafe {
                let r = wp.add((j + 4 * g) * 8);
                (
                    _mm512_mul_ps(_mm512_loadu_ps(r), xx),
                    _mm512_mul_ps(_mm512_loadu_ps(r.add(16)), xx),
                )
            };
            // Block b of q_c: block c of row 4g + b's products.
            let q0 = _mm512_shuffle_f32x4::<0b10_00_10_00>(p0, p1);
            let q1 = _mm512_shuffle_f32x4::<0b11_01_11_01>(p0, p1);
            _mm512_add_ps(_mm512_add_ps(_mm512_setzero_ps(), q0), q1)
        });
        // Block b: [a(b).k0 a(4+b).k0 a(b).k1 a(4+b).k1] and the same for k2, k3.
        let t0 = _mm512_unpacklo_ps(acc[0], acc[1]);
        let t1 = _mm512_unpackhi_ps(acc[0], acc[1]);
        let s01 = _mm512_add_ps(t0, _mm512_shuffle_ps::<0b01_00_11_10>(t0, t0));
        let s23 = _mm512_add_ps(t1, _mm512_shuffle_ps::<0b01_00_11_10>(t1, t1));
        let s = _mm512_add_ps(_mm512_add_ps(s01, s23), _mm512_setzero_ps());
        let s = _mm512_castps512_ps256(_mm512_permutexvar_ps(order, s));
        // SAFETY: j + 8 ≤ m: the 8 floats lie inside z.
        unsafe {
            let zv = _mm256_loadu_ps(zp.add(j));
            _mm256_storeu_ps(zp.add(j), _mm256_add_ps(zv, s));
        }
        j += 8;
    }
}

/// Whether [`add_wx_avx2`] takes a layer of `n` inputs and `m` outputs.
#[inline(always)]
pub const fn fits_avx2(n: usize, m: usize) -> bool {
    n > 0 && n.is_multiple_of(8) && m > 0 && m.is_multiple_of(8)
}

/// [`add_wx`] in AVX2, two rows a vector: `z[j] += dot(w[j·n..(j+1)·n], x)` in `dot`'s
/// order, for rows a multiple of 8 wide. Needs [`fits_avx2`]`(x.len(), z.len())` and
/// `w.len() = z.len()·x.len()` (panics otherwise).
///
/// # Safety
///
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
#[inline]
pub unsafe fn add_wx_avx2(w: &[f32], x: &[f32], z: &mut [f32]) {
    let (n, m) = (x.len(), z.len());
    assert!(fits_avx2(n, m) && w.len() == m * n);
    let (wp, xp, zp) = (w.as_ptr(), x.as_ptr(), z.as_mut_ptr());
    // Row 2g + b of the eight at lane g of 128-bit half b.
    let order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    let mut j = 0;
    while j < m {
        // acc[g]: the four partial sums of row j + 2g in its lower half, of row j + 2g + 1
        // in its upper half.
        let mut acc = [_mm256_setzero_ps(); 4];
        let mut i = 0;
        while i < n {
            // SAFETY: i + 8 ≤ n and j + 8 ≤ m: every load lies inside x and w.
            unsafe {
                let xv = _mm256_loadu_ps(xp.add(i));
                for (g, acc) in acc.iter_mut().enumerate() {
                    let r = wp.add((j + 2 * g) * n + i);
                    let p0 = _mm256_mul_ps(_mm256_loadu_ps(r), xv);
                    let p1 = _mm256_mul_ps(_mm256_loadu_ps(r.add(n)), xv);
                    // The block of four at i, then the one at i + 4, of both rows.
                    *acc = _mm256_add_ps(*acc, _mm256_permute2f128_ps::<0x20>(p0, p1));
                    *acc = _mm256_add_ps(*acc, _mm256_permute2f128_ps::<0x31>(p0, p1));
                }
            }
            i += 8;
        }
        // u_k: the k-th partial sums, lane g of half b being row j + 2g + b.
        let t0 = _mm256_unpacklo_ps(acc[0], acc[1]);
        let t1 = _mm256_unpackhi_ps(acc[0], acc[1]);
        let t2 = _mm256_unpacklo_ps(acc[2], acc[3]);
        let t3 = _mm256_unpackhi_ps(acc[2], acc[3]);
        let pd = _mm256_castps_pd;
        let ps = _mm256_castpd_ps;
        let u0 = ps(_mm256_unpacklo_pd(pd(t0), pd(t2)));
        let u1 = ps(_mm256_unpackhi_pd(pd(t0), pd(t2)));
        let u2 = ps(_mm256_unpacklo_pd(pd(t1), pd(t3)));
        let u3 = ps(_mm256_unpackhi_pd(pd(t1), pd(t3)));
        let s = _mm256_add_ps(
            _mm256_add_ps(_mm256_add_ps(u0, u1), _mm256_add_ps(u2, u3)),
            _mm256_setzero_ps(),
        );
        let s = _mm256_permutevar8x32_ps(s, order);
        // SAFETY: j + 8 ≤ m: the 8 floats lie inside z.
        unsafe {
            let zv = _mm256_loadu_ps(zp.add(j));
            _mm256_storeu_ps(zp.add(j), _mm256_add_ps(zv, s));
        }
        j += 8;
    }
}

/// Whether [`add_wx_fma`] takes a layer of `n` inputs and `m` outputs: the shapes whose
/// product of one sample [`simd::gemm_nt`](super::simd::gemm_nt) computes in AVX-512 without
/// realigning the rows (`n < 256`).
#[inline(always)]
pub const fn fits_fma(n: usize, m: usize) -> bool {
    fits(n, m) && n < 256
}

/// `z += W·x` with the bits of AVX-512 [`simd::gemm_nt`](super::simd::gemm_nt) for one
/// sample: per row, a 16-lane fused multiply-add chain over the row, then the horizontal sum
/// of `_mm512_reduce_add_ps` (the upper 256 bits onto the lower, then 128, then pairs), here
/// done for 16 rows at once by a transpose-add tree instead of one reduction per row. Needs
/// [`fits_fma`]`(n, m)` and `w.len() = m·n` (panics otherwise).
///
/// # Safety
///
/// The CPU must support AVX-512F.
#[target_feature(enable = "avx512f")]
#[inline]
pub unsafe fn add_wx_fma(w: &[f32], x: &[f32], z: &mut [f32]) {
    let (n, m) = (x.len(), z.len());
    assert!(fits_fma(n, m) && w.len() == m * n);
    let (wp, xp, zp) = (w.as_ptr(), x.as_ptr(), z.as_mut_ptr());
    let order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    let mut j = 0;
    while j < m {
        let mut acc = [_mm512_setzero_ps(); 16];
        let mut i = 0;
        while i < n {
            // SAFETY: i + 16 ≤ n and j + 16 ≤ m: every load lies inside x and w.
            unsafe {
                let xv = _mm512_loadu_ps(xp.add(i));
                for (r, acc) in acc.iter_mut().enumerate() {
                    *acc = _mm512_fmadd_ps(xv, _mm512_loadu_ps(wp.add((j + r) * n + i)), *acc);
                }
            }
            i += 16;
        }
        // Upper 256 bits onto the lower, two rows a vector: [r.0+r.2, r.1+r.3, r'.0+r'.2, ...]
        // in 128-bit blocks.
        let v: [__m512; 8] = core::array::from_fn(|p| {
            let (a, b) = (acc[2 * p], acc[2 * p + 1]);
            _mm512_add_ps(
                _mm512_shuffle_f32x4::<0b01_00_01_00>(a, b),
                _mm512_shuffle_f32x4::<0b11_10_11_10>(a, b),
            )
        });
        // Upper 128 bits onto the lower: four rows a vector, one per block.
        let q: [__m512; 4] = core::array::from_fn(|p| {
            let (a, b) = (v[2 * p], v[2 * p + 1]);
            _mm512_add_ps(
                _mm512_shuffle_f32x4::<0b10_00_10_00>(a, b),
                _mm512_shuffle_f32x4::<0b11_01_11_01>(a, b),
            )
        });
        // Lanes 2 and 3 onto lanes 0 and 1, then lane 1 onto lane 0.
        let pair = |a: __m512, b: __m512| {
            _mm512_add_ps(
                _mm512_shuffle_ps::<0b01_00_01_00>(a, b),
                _mm512_shuffle_ps::<0b11_10_11_10>(a, b),
            )
        };
        let (h01, h23) = (pair(q[0], q[1]), pair(q[2], q[3]));
        let s = _mm512_add_ps(
            _mm512_shuffle_ps::<0b10_00_10_00>(h01, h23),
            _mm512_shuffle_ps::<0b11_01_11_01>(h01, h23),
        );
        // Position 4b + g holds row 4g + b.
        let s = _mm512_permutexvar_ps(order, s);
        // SAFETY: j + 16 ≤ m: the 16 floats lie inside z.
        unsafe {
            let zv = _mm512_loadu_ps(zp.add(j));
            _mm512_storeu_ps(zp.add(j), _mm512_add_ps(zv, s));
        }
        j += 16;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::portable;
    use crate::kernels::simd::{Level, level};
    use std::vec::Vec;

    #[test]
    fn the_sums_are_the_portable_ones_bit_for_bit() {
        if level() != Level::Avx512 {
            return;
        }
        let mut seed = 7u32;
        let mut next = || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            // Mixed magnitudes and signs, so that the order of the sums shows in the bits.
            (seed >> 8) as f32 / (1 << 24) as f32 * 2.0 - 1.0
        };
        for (n, m) in [
            (16, 16),
            (32, 16),
            (16, 32),
            (48, 32),
            (64, 48),
            (8, 8),
            (8, 24),
        ] {
            let w: Vec<f32> = (0..n * m).map(|i| next() * (1 + i % 7) as f32).collect();
            let x: Vec<f32> = (0..n).map(|_| next() * 1e3).collect();
            let z0: Vec<f32> = (0..m).map(|_| next()).collect();
            let mut want = z0.clone();
            portable::gemm_nt(&x, &w, n, &mut want);
            let mut got = z0;
            // SAFETY: the level says the CPU has AVX-512F.
            unsafe {
                if n == 8 {
                    add_wx8(&w, &x, &mut got)
                } else {
                    add_wx(&w, &x, &mut got)
                }
            };
            let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&got), bits(&want), "{n} × {m}");
        }
        assert!(!fits(8, 16) && !fits(16, 8) && !fits(0, 16));
        assert!(fits8(8, 16) && !fits8(8, 4) && !fits8(16, 8));
    }

    #[test]
    fn the_avx2_sums_are_the_portable_ones_bit_for_bit() {
        if !crate::kernels::simd::supported(Level::Avx2) {
            return;
        }
        let mut seed = 5u32;
        let mut next = || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 8) as f32 / (1 << 24) as f32 * 2.0 - 1.0
        };
        for (n, m) in [(8, 8), (16, 16), (24, 8), (8, 40), (64, 32), (40, 24)] {
            assert!(fits_avx2(n, m));
            let w: Vec<f32> = (0..n * m).map(|i| next() * (1 + i % 7) as f32).collect();
            let x: Vec<f32> = (0..n).map(|_| next() * 1e3).collect();
            let z0: Vec<f32> = (0..m).map(|_| next()).collect();
            let mut want = z0.clone();
            portable::gemm_nt(&x, &w, n, &mut want);
            let mut got = z0;
            // SAFETY: `supported` says the CPU has AVX2.
            unsafe { add_wx_avx2(&w, &x, &mut got) };
            let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&got), bits(&want), "{n} × {m}");
        }
        assert!(!fits_avx2(4, 8) && !fits_avx2(8, 4));
    }

    #[test]
    fn the_fused_sums_are_the_simd_kernels_bit_for_bit() {
        if level() != Level::Avx512 {
            return;
        }
        let mut seed = 11u32;
        let mut next = || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 8) as f32 / (1 << 24) as f32 * 2.0 - 1.0
        };
        for (n, m) in [(64, 64), (16, 16), (32, 48), (240, 32), (128, 128)] {
            assert!(fits_fma(n, m));
            let w: Vec<f32> = (0..n * m).map(|i| next() * (1 + i % 7) as f32).collect();
            let x: Vec<f32> = (0..n).map(|_| next() * 1e3).collect();
            let z0: Vec<f32> = (0..m).map(|_| next()).collect();
            let mut want = z0.clone();
            assert!(crate::kernels::simd::gemm_nt(
                Level::Avx512,
                &x,
                &w,
                n,
                &mut want
            ));
            let mut got = z0;
            // SAFETY: the level says the CPU has AVX-512F.
            unsafe { add_wx_fma(&w, &x, &mut got) };
            let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&got), bits(&want), "{n} × {m}");
        }
        assert!(!fits_fma(256, 16));
    }
}
