//! AVX-512 and AVX2+FMA versions of the `f32` kernels of [`kernels`](crate::kernels), chosen at
//! run time.
//!
//! The only `unsafe` of the crate lives here: unaligned vector loads and stores through raw
//! pointers, and calls of `#[target_feature]` functions. Every public function checks the slice
//! lengths first, so each pointer stays inside its slice, and calls a kernel only for a level
//! [`level`] detected on this CPU.
#![allow(unsafe_code)]

use core::sync::atomic::{AtomicU8, Ordering};

/// The instruction sets the kernels can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// No SIMD kernel: the portable Rust code.
    Portable,
    /// 256-bit AVX2 with FMA.
    Avx2,
    /// 512-bit AVX-512F.
    Avx512,
}

/// Feature bits, detected once (`cpuid` costs microseconds): `INIT` once filled in.
static FEATURES: AtomicU8 = AtomicU8::new(0);
const INIT: u8 = 1;
const AVX2_FMA: u8 = 2;
const AVX512: u8 = 4;

fn features() -> u8 {
    let f = FEATURES.load(Ordering::Relaxed);
    if f != 0 {
        return f;
    }
    let mut f = INIT;
    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        f |= AVX2_FMA;
    }
    if std::is_x86_feature_detected!("avx512f") {
        f |= AVX512;
    }
    FEATURES.store(f, Ordering::Relaxed);
    f
}

/// The best level this CPU supports.
#[inline]
pub fn level() -> Level {
    let f = features();
    if f & AVX512 != 0 {
        Level::Avx512
    } else if f & AVX2_FMA != 0 {
        Level::Avx2
    } else {
        Level::Portable
    }
}

/// Whether `level` can run on this CPU.
#[inline]
pub fn supported(level: Level) -> bool {
    let f = features();
    match level {
        Level::Portable => true,
        Level::Avx2 => f & AVX2_FMA != 0,
        Level::Avx512 => f & AVX512 != 0,
    }
}

/// [`gemm_nt`](crate::kernels::gemm_nt) for `f32` at `level`; returns `false` (and does
/// nothing) when `level` is [`Level::Portable`] or not supported, or the shapes don't fit.
pub fn gemm_nt(level: Level, x: &[f32], w: &[f32], n: usize, z: &mut [f32]) -> bool {
    if n == 0 || !w.len().is_multiple_of(n) || !x.len().is_multiple_of(n) {
        return false;
    }
    let (batch, m) = (x.len() / n, w.len() / n);
    if z.len() != batch * m || !supported(level) {
        return false;
    }
    match level {
        Level::Portable => return false,
        // SAFETY: the CPU supports AVX2 and FMA (checked by `supported` above), and the shapes
        // satisfy the kernel's contract: x is batch×n, w is m×n, z is batch×m.
        Level::Avx2 => unsafe { avx2::gemm_nt(x, w, n, z) },
        // SAFETY: the CPU supports AVX-512F (checked above); same shape contract.
        Level::Avx512 => unsafe { avx512::gemm_nt(x, w, n, z) },
    }
    true
}

/// [`gemm_acc`](crate::kernels::gemm_acc) for `f32` at `level`; returns `false` (and does
/// nothing) when `level` is [`Level::Portable`] or not supported, or the shapes don't fit.
#[allow(clippy::too_many_arguments)]
pub fn gemm_acc(
    level: Level,
    alpha: f32,
    a: &[f32],
    a_row: usize,
    a_col: usize,
    b: &[f32],
    n: usize,
    c: &mut [f32],
) -> bool {
    if n == 0 || !b.len().is_multiple_of(n) || !c.len().is_multiple_of(n) {
        return false;
    }
    let (kdim, rows) = (b.len() / n, c.len() / n);
    if rows == 0 || kdim == 0 {
        return true;
    }
    // The largest index of `a` the kernel reads.
    let last = (rows - 1) * a_row + (kdim - 1) * a_col;
    if last >= a.len() || !supported(level) {
        return false;
    }
    match level {
        Level::Portable => return false,
        // SAFETY: AVX2 and FMA are supported (checked above); b is kdim×n and c is rows×n, and
        // every index of `a` the kernel reads is at most `last < a.len()`.
        Level::Avx2 => unsafe { avx2::gemm_acc(alpha, a, a_row, a_col, b, n, c) },
        // SAFETY: AVX-512F is supported (checked above); same shape contract.
        Level::Avx512 => unsafe { avx512::gemm_acc(alpha, a, a_row, a_col, b, n, c) },
    }
    true
}

/// One instruction set's kernels, generated from one template so that both stay alike.
///
/// Contract of `gemm_nt`: `x.len() = batch·n`, `w.len() = m·n`, `z.len() = batch·m`.
/// Contract of `gemm_acc`: `b.len() = kdim·n`, `c.len() = rows·n`, and
/// `(rows−1)·a_row + (kdim−1)·a_col < a.len()`.
macro_rules! isa {
    (
        $module:ident, $feature:literal, $v:ty, $width:literal,
        nt = ($nt_rows:literal, $nt_cols:literal), acc = ($acc_rows:literal, $acc_vecs:literal),
        $load:ident, $store:ident, $fma:ident, $set1:ident, $zero:ident, $hsum:ident
    ) => {
        mod $module {
            #[cfg(target_arch = "x86_64")]
            use core::arch::x86_64::*;

            const W: usize = $width;

            /// See the macro's contract.
            #[target_feature(enable = $feature)]
            pub(super) fn gemm_nt(x: &[f32], w: &[f32], n: usize, z: &mut [f32]) {
                let batch = x.len() / n;
                let m = w.len() / n;
                let mut b = 0;
                while b + $nt_rows <= batch {
                    let mut j = 0;
                    while j + $nt_cols <= m {
                        nt_block::<$nt_rows, $nt_cols>(x, w, n, m, z, b, j);
                        j += $nt_cols;
                    }
                    while j < m {
                        nt_block::<$nt_rows, 1>(x, w, n, m, z, b, j);
                        j += 1;
                    }
                    b += $nt_rows;
                }
                while b < batch {
                    let mut j = 0;
                    while j + 2 * $nt_cols <= m {
                        nt_block::<1, { 2 * $nt_cols }>(x, w, n, m, z, b, j);
                        j += 2 * $nt_cols;
                    }
                    while j + $nt_cols <= m {
                        nt_block::<1, $nt_cols>(x, w, n, m, z, b, j);
                        j += $nt_cols;
                    }
                    while j < m {
                        nt_block::<1, 1>(x, w, n, m, z, b, j);
                        j += 1;
                    }
                    b += 1;
                }
            }

            /// `z[(b+r)·m + j+c] += x[b+r] · w[j+c]` for `r < R`, `c < C`; needs
            /// `b + R ≤ batch`, `j + C ≤ m`.
            #[target_feature(enable = $feature)]
            #[inline]
            fn nt_block<const R: usize, const C: usize>(
                x: &[f32],
                w: &[f32],
                n: usize,
                m: usize,
                z: &mut [f32],
                b: usize,
                j: usize,
            ) {
                let mut acc = [[$zero(); C]; R];
                let (xp, wp) = (x.as_ptr(), w.as_ptr());
                let mut i = 0;
                while i + W <= n {
                    let mut xv = [$zero(); R];
                    for r in 0..R {
                        // SAFETY: b + r < batch and i + W ≤ n, so the W floats read start at
                        // (b+r)·n + i and end within x (batch·n floats).
                        xv[r] = unsafe { $load(xp.add((b + r) * n + i)) };
                    }
                    for c in 0..C {
                        // SAFETY: j + c < m and i + W ≤ n: within w (m·n floats).
                        let wv = unsafe { $load(wp.add((j + c) * n + i)) };
                        for r in 0..R {
                            acc[r][c] = $fma(xv[r], wv, acc[r][c]);
                        }
                    }
                    i += W;
                }
                for r in 0..R {
                    let xr = &x[(b + r) * n..(b + r + 1) * n];
                    for c in 0..C {
                        let wr = &w[(j + c) * n..(j + c + 1) * n];
                        let mut s = $hsum(acc[r][c]);
                        for t in i..n {
                            s += xr[t] * wr[t];
                        }
                        z[(b + r) * m + j + c] += s;
                    }
                }
            }

            /// See the macro's contract.
            #[target_feature(enable = $feature)]
            pub(super) fn gemm_acc(
                alpha: f32,
                a: &[f32],
                a_row: usize,
                a_col: usize,
                b: &[f32],
                n: usize,
                c: &mut [f32],
            ) {
                let rows = c.len() / n;
                let mut r = 0;
                while r + $acc_rows <= rows {
                    acc_rows::<$acc_rows>(alpha, a, a_row, a_col, b, n, c, r);
                    r += $acc_rows;
                }
                while r < rows {
                    acc_rows::<1>(alpha, a, a_row, a_col, b, n, c, r);
                    r += 1;
                }
            }

            /// Rows `r0..r0+R` of `gemm_acc`, every column.
            #[target_feature(enable = $feature)]
            #[inline]
            #[allow(clippy::too_many_arguments)]
            fn acc_rows<const R: usize>(
                alpha: f32,
                a: &[f32],
                a_row: usize,
                a_col: usize,
                b: &[f32],
                n: usize,
                c: &mut [f32],
                r0: usize,
            ) {
                let mut i = 0;
                while i + $acc_vecs * W <= n {
                    acc_block::<R, $acc_vecs>(alpha, a, a_row, a_col, b, n, c, r0, i);
                    i += $acc_vecs * W;
                }
                while i + W <= n {
                    acc_block::<R, 1>(alpha, a, a_row, a_col, b, n, c, r0, i);
                    i += W;
                }
                let kdim = b.len() / n;
                for r in r0..r0 + R {
                    for t in i..n {
                        let mut s = 0.0f32;
                        for k in 0..kdim {
                            s += a[r * a_row + k * a_col] * b[k * n + t];
                        }
                        c[r * n + t] += alpha * s;
                    }
                }
            }

            /// Rows `r0..r0+R`, columns `i0..i0+V·W`; needs `r0 + R ≤ rows`, `i0 + V·W ≤ n`.
            #[target_feature(enable = $feature)]
            #[inline]
            #[allow(clippy::too_many_arguments)]
            fn acc_block<const R: usize, const V: usize>(
                alpha: f32,
                a: &[f32],
                a_row: usize,
                a_col: usize,
                b: &[f32],
                n: usize,
                c: &mut [f32],
                r0: usize,
                i0: usize,
            ) {
                let kdim = b.len() / n;
                let mut acc = [[$zero(); V]; R];
                let bp = b.as_ptr();
                for k in 0..kdim {
                    let mut bv = [$zero(); V];
                    for v in 0..V {
                        // SAFETY: k < kdim and i0 + (v+1)·W ≤ n: within b (kdim·n floats).
                        bv[v] = unsafe { $load(bp.add(k * n + i0 + v * W)) };
                    }
                    for r in 0..R {
                        let s = $set1(a[(r0 + r) * a_row + k * a_col]);
                        for v in 0..V {
                            acc[r][v] = $fma(s, bv[v], acc[r][v]);
                        }
                    }
                }
                let al = $set1(alpha);
                let cp = c.as_mut_ptr();
                for r in 0..R {
                    for v in 0..V {
                        // SAFETY: r0 + r < rows and i0 + (v+1)·W ≤ n: within c (rows·n
                        // floats), which we borrow mutably.
                        unsafe {
                            let p = cp.add((r0 + r) * n + i0 + v * W);
                            $store(p, $fma(al, acc[r][v], $load(p)));
                        }
                    }
                }
            }

            #[allow(unused_imports)]
            use super::*;
        }
    };
}

/// Horizontal sum of an AVX register.
#[target_feature(enable = "avx2,fma")]
#[inline]
fn hsum256(v: core::arch::x86_64::__m256) -> f32 {
    use core::arch::x86_64::*;
    let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
    let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    let s = _mm_add_ss(s, _mm_shuffle_ps::<1>(s, s));
    _mm_cvtss_f32(s)
}

/// Horizontal sum of an AVX-512 register.
#[target_feature(enable = "avx512f")]
#[inline]
fn hsum512(v: core::arch::x86_64::__m512) -> f32 {
    core::arch::x86_64::_mm512_reduce_add_ps(v)
}

isa!(
    avx2,
    "avx2,fma",
    __m256,
    8,
    nt = (2, 4),
    acc = (4, 2),
    _mm256_loadu_ps,
    _mm256_storeu_ps,
    _mm256_fmadd_ps,
    _mm256_set1_ps,
    _mm256_setzero_ps,
    hsum256
);
isa!(
    avx512,
    "avx512f",
    __m512,
    16,
    nt = (4, 4),
    acc = (4, 4),
    _mm512_loadu_ps,
    _mm512_storeu_ps,
    _mm512_fmadd_ps,
    _mm512_set1_ps,
    _mm512_setzero_ps,
    hsum512
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::Rng;
    use crate::kernels;
    use std::vec::Vec;

    fn random(n: usize, rng: &mut Rng) -> Vec<f32> {
        (0..n).map(|_| rng.uniform(-1.0, 1.0)).collect()
    }

    fn close(a: &[f32], b: &[f32], what: &str) {
        assert_eq!(a.len(), b.len());
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            assert!(
                (x - y).abs() <= 1e-5 * (1.0 + y.abs()) * 8.0,
                "{what}: element {i}: {x} vs {y}"
            );
        }
    }

    /// Shapes that exercise every block size and tail of both instruction sets.
    const SHAPES: &[(usize, usize, usize)] = &[
        (1, 1, 1),
        (1, 16, 8),
        (1, 33, 17),
        (3, 64, 5),
        (4, 784, 128),
        (5, 100, 13),
        (9, 47, 9),
        (32, 128, 10),
        (2, 16, 130),
    ];

    #[test]
    fn gemm_nt_matches_portable() {
        let mut rng = Rng::new(1);
        for level in [Level::Avx2, Level::Avx512] {
            if !supported(level) {
                std::eprintln!("{level:?} not supported here: skipped");
                continue;
            }
            for &(batch, n, m) in SHAPES {
                let x = random(batch * n, &mut rng);
                let w = random(m * n, &mut rng);
                let z0 = random(batch * m, &mut rng);
                let mut want = z0.clone();
                kernels::gemm_nt(&x, &w, n, &mut want);
                let mut got = z0.clone();
                assert!(gemm_nt(level, &x, &w, n, &mut got));
                close(&got, &want, &std::format!("{level:?} nt {batch}x{n}x{m}"));
            }
        }
    }

    #[test]
    fn gemm_acc_matches_portable_for_every_stride_pattern() {
        let mut rng = Rng::new(2);
        for level in [Level::Avx2, Level::Avx512] {
            if !supported(level) {
                continue;
            }
            for &(rows, n, kdim) in SHAPES {
                let b = random(kdim * n, &mut rng);
                let c0 = random(rows * n, &mut rng);
                // A as rows×kdim (Δ·W) and as its transpose (Δᵀ·X).
                let a = random(rows * kdim, &mut rng);
                for (a_row, a_col) in [(kdim, 1), (1, rows)] {
                    for alpha in [1.0f32, -0.37] {
                        let mut want = c0.clone();
                        kernels::gemm_acc(alpha, &a, a_row, a_col, &b, n, &mut want);
                        let mut got = c0.clone();
                        assert!(gemm_acc(level, alpha, &a, a_row, a_col, &b, n, &mut got));
                        close(
                            &got,
                            &want,
                            &std::format!("{level:?} acc {rows}x{n}x{kdim}"),
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn bad_shapes_are_refused() {
        let level = level();
        let mut z = [0.0f32; 3];
        assert!(!gemm_nt(level, &[1.0; 5], &[1.0; 4], 2, &mut z));
        assert!(!gemm_nt(
            Level::Portable,
            &[1.0; 4],
            &[1.0; 4],
            2,
            &mut [0.0; 4]
        ));
        let mut c = [0.0f32; 4];
        // A too short for 2 rows × 2 k with row stride 2.
        assert!(!gemm_acc(level, 1.0, &[1.0; 3], 2, 1, &[1.0; 4], 2, &mut c));
    }
}
