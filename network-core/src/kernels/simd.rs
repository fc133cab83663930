//! AVX-512 and AVX2+FMA versions of the `f32` kernels of [`kernels`](crate::kernels), chosen at
//! run time. An implementation detail, public for the crate's kernel benchmarks.
//!
//! The crate's `unsafe` lives in the SIMD kernels (here, `act_simd` and `int8`), apart from the
//! zeroed allocation of [`zero_bits`](crate::scalar::zero_bits) and the `ZeroBits` impls of
//! [`heap`](crate::heap). Here: unaligned vector loads and stores through raw pointers, and
//! calls of `#[target_feature]` functions. Every public function checks the slice
//! lengths first, so each pointer stays inside its slice, and calls a kernel only for a level
//! [`level`] detected on this CPU.
#![allow(unsafe_code)]

use core::sync::atomic::{AtomicU8, Ordering};

/// The instruction sets the kernels can use.
/// Ordered: each level includes the ones before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// No SIMD kernel: the portable Rust code.
    Portable,
    /// 256-bit AVX2 with FMA.
    Avx2,
    /// 512-bit AVX-512F, with AVX-512VL.
    Avx512,
}

/// The level, detected once (`cpuid` costs microseconds): 0 until then, else the
/// [`Level`]'s discriminant plus one. One byte, so that a dispatching call reads one load and
/// compares it.
static LEVEL: AtomicU8 = AtomicU8::new(0);

/// The best level this CPU supports (at most the one `NETWORK_SIMD` names, when set).
/// [`Level::Avx512`] means AVX-512F and VL with AVX2 and FMA: every level includes the ones
/// below it.
#[inline]
pub fn level() -> Level {
    match LEVEL.load(Ordering::Relaxed) {
        3 => Level::Avx512,
        2 => Level::Avx2,
        1 => Level::Portable,
        _ => detect(),
    }
}

/// Detects the level and caches it in [`LEVEL`].
#[cold]
#[inline(never)]
fn detect() -> Level {
    let mut level = Level::Portable;
    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        level = Level::Avx2;
        // VL as well (every AVX-512 CPU but the Xeon Phi has it): the forward pass compiled
        // for AVX-512 (`dispatch`) then keeps 128- and 256-bit code at those widths, masks
        // included.
        if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512vl") {
            level = Level::Avx512;
        }
    }
    let level = level.min(cap(std::env::var("NETWORK_SIMD").ok().as_deref()));
    LEVEL.store(level as u8 + 1, Ordering::Relaxed);
    level
}

/// The highest level `NETWORK_SIMD` allows: `portable`, `avx2` or `avx512` caps the level the
/// kernels use (to compare levels on one CPU, or to rule a kernel out); unset or anything else
/// leaves every level the CPU has.
fn cap(var: Option<&str>) -> Level {
    match var.map(str::trim) {
        Some(v) if v.eq_ignore_ascii_case("portable") => Level::Portable,
        Some(v) if v.eq_ignore_ascii_case("avx2") => Level::Avx2,
        _ => Level::Avx512,
    }
}

/// Whether `level` can run on this CPU (within `NETWORK_SIMD`).
#[inline]
pub fn supported(level: Level) -> bool {
    level <= self::level()
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

/// One instruction set's kernels, generated from one template so that both stay alike (the
/// AVX2 build of the template is the one this repository's CI machines test; both share every
/// loop, and differ only in the vector type and the intrinsics passed in).
///
/// Contract of `gemm_nt`: `x.len() = batch·n`, `w.len() = m·n`, `z.len() = batch·m`.
/// Contract of `gemm_acc`: `b.len() = kdim·n`, `c.len() = rows·n`, and
/// `(rows−1)·a_row + (kdim−1)·a_col < a.len()`.
macro_rules! isa {
    (
        $module:ident, $feature:literal, $width:literal,
        nt_rows = $nt_rows:literal, acc = ($acc_rows:literal, $acc_vecs:literal),
        $load:ident, $store:ident, $fma:ident, $mul:ident, $set1:ident, $zero:ident,
        $hsum:ident, $reduce4:ident, $load_first:ident
    ) => {
        mod $module {
            #[cfg(target_arch = "x86_64")]
            use core::arch::x86_64::*;

            /// Lanes per vector.
            const W: usize = $width;

            /// See the macro's contract.
            #[target_feature(enable = $feature)]
            pub(super) fn gemm_nt(x: &[f32], w: &[f32], n: usize, z: &mut [f32]) {
                let batch = x.len() / n;
                let m = w.len() / n;
                if batch < $nt_rows {
                    // Matrix-vector: memory-bound on `w`, so one pass over it, 8 rows at a time.
                    for b in 0..batch {
                        let mut j = 0;
                        // Long rows are realigned (see `nt_wide`); short ones keep the plain
                        // loop, compiled apart.
                        while j + 8 <= m {
                            if n >= 256 {
                                nt_wide::<true>(x, w, n, m, z, b, j);
                            } else {
                                nt_wide::<false>(x, w, n, m, z, b, j);
                            }
                            j += 8;
                        }
                        while j + 4 <= m {
                            nt_block::<1>(x, w, n, m, z, b, j);
                            j += 4;
                        }
                        while j < m {
                            nt_one(x, w, n, m, z, b, j);
                            j += 1;
                        }
                    }
                    return;
                }
                // Blocks of 4 rows of `w` outermost: they stay in L1 while every row of `x`
                // passes by. (Splitting `n` into panels that keep `x` in L1 measured slower:
                // the extra horizontal sums cost more than they save.)
                let mut j = 0;
                while j + 4 <= m {
                    let mut b = 0;
                    while b + $nt_rows <= batch {
                        nt_block::<$nt_rows>(x, w, n, m, z, b, j);
                        b += $nt_rows;
                    }
                    if b + 2 <= batch {
                        nt_block::<2>(x, w, n, m, z, b, j);
                        b += 2;
                    }
                    while b < batch {
                        nt_block::<1>(x, w, n, m, z, b, j);
                        b += 1;
                    }
                    j += 4;
                }
                while j < m {
                    for b in 0..batch {
                        nt_one(x, w, n, m, z, b, j);
                    }
                    j += 1;
                }
            }

            /// `z[(b+r)·m + j+c] += x[b+r] · w[j+c]` for `r < R`, `c < 4`; needs
            /// `b + R ≤ batch`, `j + 4 ≤ m`.
            #[target_feature(enable = $feature)]
            #[inline]
            fn nt_block<const R: usize>(
                x: &[f32],
                w: &[f32],
                n: usize,
                m: usize,
                z: &mut [f32],
                b: usize,
                j: usize,
            ) {
                let mut acc = [[$zero(); 4]; R];
                let (xp, wp) = (x.as_ptr(), w.as_ptr());
                let mut i = 0;
                while i + W <= n {
                    let mut xv = [$zero(); R];
                    for r in 0..R {
                        // SAFETY: b + r < batch and i + W ≤ n, so the W floats read start
                        // at (b+r)·n + i and end within x (batch·n floats).
                        xv[r] = unsafe { $load(xp.add((b + r) * n + i)) };
                    }
                    for c in 0..4 {
                        // SAFETY: j + c < m and i + W ≤ n: within w (m·n floats).
                        let wv = unsafe { $load(wp.add((j + c) * n + i)) };
                        for r in 0..R {
                            acc[r][c] = $fma(xv[r], wv, acc[r][c]);
                        }
                    }
                    i += W;
                }
                for r in 0..R {
                    let mut s = [0.0f32; 4];
                    // SAFETY: `s` holds the 4 floats stored.
                    unsafe { _mm_storeu_ps(s.as_mut_ptr(), $reduce4(acc[r])) };
                    let xr = &x[(b + r) * n..(b + r + 1) * n];
                    for c in 0..4 {
                        let wr = &w[(j + c) * n..(j + c + 1) * n];
                        for t in i..n {
                            s[c] += xr[t] * wr[t];
                        }
                        z[(b + r) * m + j + c] += s[c];
                    }
                }
            }

            /// Row `b` of `x` against rows `j..j+8` of `w`, all of `n`; needs `j + 8 ≤ m`.
            /// With `ALIGN`, the vector loop starts at row `j`'s first aligned column.
            #[target_feature(enable = $feature)]
            #[inline]
            fn nt_wide<const ALIGN: bool>(
                x: &[f32],
                w: &[f32],
                n: usize,
                m: usize,
                z: &mut [f32],
                b: usize,
                j: usize,
            ) {
                let mut acc = [$zero(); 8];
                let (xp, wp) = (x.as_ptr(), w.as_ptr());
                // Start the vector loop where row `j` of `w` is aligned to a whole vector, so
                // that its loads do not straddle cache lines (every row's, when `n` is a
                // multiple of W): one sample of 784 × 128 measured 3.6 µs aligned, 7.0 µs
                // at any other offset. The first `head` columns join the scalar tail, whose
                // dependent additions cost more than the split loads they save in short rows
                // (64 × 64 measured four times slower): only long rows are realigned (ALIGN).
                let head = if ALIGN {
                    (wp.wrapping_add(j * n) as usize / 4).wrapping_neg() % W
                } else {
                    0
                };
                let mut i = head;
                while i + W <= n {
                    // SAFETY: b < batch and i + W ≤ n: within x.
                    let xv = unsafe { $load(xp.add(b * n + i)) };
                    for c in 0..8 {
                        // SAFETY: j + c < m and i + W ≤ n: within w.
                        let wv = unsafe { $load(wp.add((j + c) * n + i)) };
                        acc[c] = $fma(xv, wv, acc[c]);
                    }
                    i += W;
                }
                // The columns before `head` and from `i` on, fewer than W each, in one masked
                // vector each: scalar loops here, a dependent chain per row, cost a long row
                // at a misaligned offset a tenth of its time (784 × 128: 0.4–0.6 µs).
                for (start, len) in [(0, head), (i, n - i)] {
                    if len == 0 {
                        continue;
                    }
                    // SAFETY: start + len ≤ n and len < W: the lanes loaded lie inside row
                    // b of x and rows j..j+8 of w; the others are not accessed.
                    unsafe {
                        let xv = $load_first(xp.add(b * n + start), len);
                        for c in 0..8 {
                            let wv = $load_first(wp.add((j + c) * n + start), len);
                            acc[c] = $fma(xv, wv, acc[c]);
                        }
                    }
                }
                let mut s = [0.0f32; 8];
                // SAFETY: `s` holds the 8 floats stored, 4 at a time.
                unsafe {
                    _mm_storeu_ps(s.as_mut_ptr(), $reduce4([acc[0], acc[1], acc[2], acc[3]]));
                    _mm_storeu_ps(
                        s.as_mut_ptr().add(4),
                        $reduce4([acc[4], acc[5], acc[6], acc[7]]),
                    );
                }
                for c in 0..8 {
                    z[b * m + j + c] += s[c];
                }
            }

            /// `z[b·m + j] += x[b] · w[j]`.
            #[target_feature(enable = $feature)]
            #[inline]
            fn nt_one(x: &[f32], w: &[f32], n: usize, m: usize, z: &mut [f32], b: usize, j: usize) {
                let xr = &x[b * n..(b + 1) * n];
                let wr = &w[j * n..(j + 1) * n];
                let mut acc = $zero();
                let mut i = 0;
                while i + W <= xr.len() {
                    // SAFETY: i + W ≤ len of both slices.
                    unsafe {
                        acc = $fma($load(xr.as_ptr().add(i)), $load(wr.as_ptr().add(i)), acc);
                    }
                    i += W;
                }
                let mut s = $hsum(acc);
                for t in i..xr.len() {
                    s += xr[t] * wr[t];
                }
                z[b * m + j] += s;
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
                let kdim = b.len() / n;
                if kdim == 1 {
                    acc_outer(alpha, a, a_row, b, n, c);
                    return;
                }
                // Column strips outermost: a strip of `b` (kdim rows) stays in L1 while every
                // row block of `c` passes through once.
                let mut i = 0;
                while i + $acc_vecs * W <= n {
                    acc_strip::<$acc_vecs>(alpha, a, a_row, a_col, b, n, c, i);
                    i += $acc_vecs * W;
                }
                while i + W <= n {
                    acc_strip::<1>(alpha, a, a_row, a_col, b, n, c, i);
                    i += W;
                }
                for r in 0..rows {
                    for t in i..n {
                        let mut s = 0.0f32;
                        for k in 0..kdim {
                            s += a[r * a_row + k * a_col] * b[k * n + t];
                        }
                        c[r * n + t] += alpha * s;
                    }
                }
            }

            /// Every row of `gemm_acc` for columns `i0..i0+V·W`: blocks of `$acc_rows` rows,
            /// then one of 2, then single rows. Needs `i0 + V·W ≤ n`.
            #[target_feature(enable = $feature)]
            #[inline]
            #[allow(clippy::too_many_arguments)]
            fn acc_strip<const V: usize>(
                alpha: f32,
                a: &[f32],
                a_row: usize,
                a_col: usize,
                b: &[f32],
                n: usize,
                c: &mut [f32],
                i0: usize,
            ) {
                let rows = c.len() / n;
                let mut r = 0;
                while r + $acc_rows <= rows {
                    acc_block::<$acc_rows, V>(alpha, a, a_row, a_col, b, n, c, r, i0);
                    r += $acc_rows;
                }
                if r + 2 <= rows {
                    acc_block::<2, V>(alpha, a, a_row, a_col, b, n, c, r, i0);
                    r += 2;
                }
                while r < rows {
                    acc_block::<1, V>(alpha, a, a_row, a_col, b, n, c, r, i0);
                    r += 1;
                }
            }

            /// `gemm_acc` with one row of `b`: `c[r] += α·(a[r·a_row]·b)`, streaming `c` once.
            /// Rows whose coefficient is exactly zero (a ReLU that was off) are skipped, as the
            /// portable kernel does: adding `0·b` would leave them as they are.
            #[target_feature(enable = $feature)]
            #[inline]
            fn acc_outer(alpha: f32, a: &[f32], a_row: usize, b: &[f32], n: usize, c: &mut [f32]) {
                let al = $set1(alpha);
                let bp = b.as_ptr();
                for (r, cr) in c.chunks_exact_mut(n).enumerate() {
                    let s = a[r * a_row];
                    if s == 0.0 {
                        continue;
                    }
                    let sv = $set1(s);
                    let cp = cr.as_mut_ptr();
                    let mut t = 0;
                    while t + 4 * W <= n {
                        for u in 0..4 {
                            // SAFETY: t + (u+1)·W ≤ n: within `b` (n floats) and within the
                            // row `cr` (n floats), which we borrow mutably.
                            unsafe {
                                let p = cp.add(t + u * W);
                                let g = $mul(sv, $load(bp.add(t + u * W)));
                                $store(p, $fma(al, g, $load(p)));
                            }
                        }
                        t += 4 * W;
                    }
                    while t + W <= n {
                        // SAFETY: t + W ≤ n, as above.
                        unsafe {
                            let p = cp.add(t);
                            let g = $mul(sv, $load(bp.add(t)));
                            $store(p, $fma(al, g, $load(p)));
                        }
                        t += W;
                    }
                    for t in t..n {
                        cr[t] += alpha * (s * b[t]);
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
                let (ap, bp) = (a.as_ptr(), b.as_ptr());
                for k in 0..kdim {
                    let mut bv = [$zero(); V];
                    for v in 0..V {
                        // SAFETY: k < kdim and i0 + (v+1)·W ≤ n: within b (kdim·n floats).
                        bv[v] = unsafe { $load(bp.add(k * n + i0 + v * W)) };
                    }
                    for r in 0..R {
                        // SAFETY: r0 + r < rows and k < kdim, so the index is at most
                        // (rows−1)·a_row + (kdim−1)·a_col < a.len() (the contract).
                        let s = $set1(unsafe { *ap.add((r0 + r) * a_row + k * a_col) });
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

/// The first `k < 8` floats at `p` (the other lanes zero, their memory not accessed).
///
/// # Safety
///
/// `p..p + k` lies inside one slice.
#[target_feature(enable = "avx2,fma")]
#[inline]
pub(super) unsafe fn load_first256(p: *const f32, k: usize) -> core::arch::x86_64::__m256 {
    use core::arch::x86_64::*;
    let lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    let mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(k as i32), lanes);
    // SAFETY: the mask covers lanes 0..k only, inside the slice (the caller's contract).
    unsafe { _mm256_maskload_ps(p, mask) }
}

/// The first `k < 16` floats at `p` (the other lanes zero, their memory not accessed).
///
/// # Safety
///
/// `p..p + k` lies inside one slice.
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn load_first512(p: *const f32, k: usize) -> core::arch::x86_64::__m512 {
    use core::arch::x86_64::*;
    // SAFETY: the mask covers lanes 0..k only, inside the slice (the caller's contract).
    unsafe { _mm512_maskz_loadu_ps(((1u32 << k) - 1) as u16, p) }
}

/// Horizontal sum of an AVX register.
#[target_feature(enable = "avx2,fma")]
#[inline]
pub(super) fn hsum256(v: core::arch::x86_64::__m256) -> f32 {
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

/// The four horizontal sums of four AVX registers, as one SSE register (three `hadd`s).
#[target_feature(enable = "avx2,fma")]
#[inline]
fn reduce4_256(v: [core::arch::x86_64::__m256; 4]) -> core::arch::x86_64::__m128 {
    use core::arch::x86_64::*;
    // Within each 128-bit half: [Σv0, Σv1, Σv2, Σv3] of that half's four lanes.
    let h = _mm256_hadd_ps(_mm256_hadd_ps(v[0], v[1]), _mm256_hadd_ps(v[2], v[3]));
    _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps::<1>(h))
}

/// The four horizontal sums of four AVX-512 registers, as one SSE register.
#[target_feature(enable = "avx512f")]
#[inline]
fn reduce4_512(v: [core::arch::x86_64::__m512; 4]) -> core::arch::x86_64::__m128 {
    use core::arch::x86_64::*;
    _mm_setr_ps(
        _mm512_reduce_add_ps(v[0]),
        _mm512_reduce_add_ps(v[1]),
        _mm512_reduce_add_ps(v[2]),
        _mm512_reduce_add_ps(v[3]),
    )
}

isa!(
    avx2,
    "avx2,fma",
    8,
    nt_rows = 3,
    acc = (3, 3),
    _mm256_loadu_ps,
    _mm256_storeu_ps,
    _mm256_fmadd_ps,
    _mm256_mul_ps,
    _mm256_set1_ps,
    _mm256_setzero_ps,
    hsum256,
    reduce4_256,
    load_first256
);
isa!(
    avx512,
    "avx512f",
    16,
    nt_rows = 4,
    acc = (4, 4),
    _mm512_loadu_ps,
    _mm512_storeu_ps,
    _mm512_fmadd_ps,
    _mm512_mul_ps,
    _mm512_set1_ps,
    _mm512_setzero_ps,
    hsum512,
    reduce4_512,
    load_first512
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Rng;
    use crate::kernels::portable as kernels;
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

    #[test]
    fn network_simd_caps_the_level() {
        assert_eq!(cap(None), Level::Avx512);
        assert_eq!(cap(Some("portable")), Level::Portable);
        assert_eq!(cap(Some(" AVX2 ")), Level::Avx2);
        assert_eq!(cap(Some("avx512")), Level::Avx512);
        assert_eq!(cap(Some("sse9")), Level::Avx512);
        assert!(supported(Level::Portable) && supported(level()));
        assert_eq!(supported(Level::Avx2), level() >= Level::Avx2);
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
        // Several panels of the shared dimension, with ragged ends, and every row remainder.
        (3, 200, 4),
        (6, 197, 13),
        (7, 400, 9),
        (8, 784, 12),
        (2, 50, 17),
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

    /// The matrix-vector path at every alignment of `w` within a vector, in rows short and
    /// long enough to be realigned.
    #[test]
    fn gemm_nt_matches_portable_at_every_alignment() {
        let mut rng = Rng::new(4);
        for level in [Level::Avx2, Level::Avx512] {
            if !supported(level) {
                continue;
            }
            for (n, m) in [(784, 16), (300, 9), (100, 9), (64, 8)] {
                let x = random(n, &mut rng);
                let w_all = random(m * n + 16, &mut rng);
                for off in 0..16 {
                    let w = &w_all[off..off + m * n];
                    let mut want = std::vec![0.5f32; m];
                    kernels::gemm_nt(&x, w, n, &mut want);
                    let mut got = std::vec![0.5f32; m];
                    assert!(gemm_nt(level, &x, w, n, &mut got));
                    close(
                        &got,
                        &want,
                        &std::format!("{level:?} nt {n}x{m} offset {off}"),
                    );
                }
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
    fn outer_product_skips_only_zero_coefficients() {
        let mut rng = Rng::new(3);
        for level in [Level::Avx2, Level::Avx512] {
            if !supported(level) {
                continue;
            }
            for (rows, n) in [(8, 37), (5, 64), (3, 3)] {
                let b = random(n, &mut rng);
                let c0 = random(rows * n, &mut rng);
                let mut a = random(rows, &mut rng);
                a[1] = 0.0;
                a[rows - 1] = -0.0;
                let mut want = c0.clone();
                kernels::gemm_acc(-0.5, &a, 1, 0, &b, n, &mut want);
                let mut got = c0.clone();
                assert!(gemm_acc(level, -0.5, &a, 1, 0, &b, n, &mut got));
                close(&got, &want, &std::format!("{level:?} outer {rows}x{n}"));
                // Rows with a zero coefficient are left bit for bit as they were.
                assert_eq!(got[n..2 * n], c0[n..2 * n]);
                assert_eq!(got[(rows - 1) * n..], c0[(rows - 1) * n..]);
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
