//! AVX-512 and AVX2 versions of the `f32` activations `tanh` and `sigmoid`: over a layer,
//! chosen at run time ([`simd::level`](super::simd::level), detected once), 16 or 8 lanes at a
//! time, the tail through masked loads and stores; and over one vector (`avx512::tanh_v`,
//! `avx2::sigmoid_v`, ...), for kernels already compiled for the instruction set, such as the
//! gates of recurrent layers.
//!
//! They follow [`fast::tanh`](crate::scalar::fast::tanh), [`fast::exp`](crate::scalar::fast::exp)
//! and `Sigmoid`'s formula, rewritten for a short dependency chain rather than the scalar
//! code's bits: fused multiply-adds, polynomials in Estrin's scheme, the power of two folded
//! into a multiply-add, no branch. Every lane is within 2 ulps of the correctly rounded
//! result (the tests check a stride through every `f32` bit pattern at every level this CPU
//! has; `cargo run --release --example activation_accuracy` checks all of them), and both
//! levels give the same bits, as their operations are the same and each rounds once.
//!
//! The `unsafe` here: masked vector loads and stores through raw pointers (each mask covers
//! only lanes inside its slice), and calls of `#[target_feature]` functions after checking
//! that the CPU has the feature.
#![allow(unsafe_code)]

use super::simd::{Level, level};

/// Narrower layers keep the scalar loop, inlined into the layer's code. Measured on an
/// AVX-512 Xeon (best of 3000 runs of a whole forward pass): the vector call lost at 8 and
/// 16 lanes within a network (2-8-1 tanh/sigmoid 42 → 64 ns, 16-16 tanh 135 → 145 ns:
/// the call, and the layer's outputs reloaded as one wide vector right after the narrow
/// stores that wrote them), and won from 32 (16-32 sigmoid 217 → 205 ns, 64-64 tanh
/// 410 → 285 ns, 16-128 tanh 905 → 640 ns). Alone, on data already in L1, 8 lanes of
/// `tanh` take 5–14 ns against 69 ns for the scalar loop.
pub const MIN_WIDTH: usize = 32;

/// `a[i] = tanh(z[i])` within 2 ulps; `false` (nothing done) without a SIMD
/// level, for layers narrower than [`MIN_WIDTH`], or when the lengths differ.
#[inline]
pub fn tanh(z: &[f32], a: &mut [f32]) -> bool {
    if z.len() != a.len() {
        return false;
    }
    match (level(), z.len()) {
        // SAFETY: `level` reports AVX-512F only when the CPU has it.
        (Level::Avx512, MIN_WIDTH..) => unsafe { avx512::tanh(z, a) },
        // SAFETY: `level` reports AVX2 only when the CPU has AVX2 and FMA.
        (Level::Avx2, MIN_WIDTH..) => unsafe { avx2::tanh(z, a) },
        _ => return false,
    }
    true
}

/// `a[i] = 1/(1 + e^(−z[i]))` within 2 ulps; `false`
/// (nothing done) as for [`tanh`].
#[inline]
pub fn sigmoid(z: &[f32], a: &mut [f32]) -> bool {
    if z.len() != a.len() {
        return false;
    }
    match (level(), z.len()) {
        // SAFETY: `level` reports AVX-512F only when the CPU has it.
        (Level::Avx512, MIN_WIDTH..) => unsafe { avx512::sigmoid(z, a) },
        // SAFETY: `level` reports AVX2 only when the CPU has AVX2 and FMA.
        (Level::Avx2, MIN_WIDTH..) => unsafe { avx2::sigmoid(z, a) },
        _ => return false,
    }
    true
}

/// `a = tanh(z)` through `level`'s vector code at any width (for accuracy sweeps and
/// benchmarks); `false` (nothing done) when the CPU lacks `level`, for
/// [`Level::Portable`], or when the lengths differ.
pub fn tanh_at(level: Level, z: &[f32], a: &mut [f32]) -> bool {
    if z.len() != a.len() || !super::simd::supported(level) {
        return false;
    }
    match level {
        // SAFETY: `supported` found AVX-512F on this CPU.
        Level::Avx512 => unsafe { avx512::tanh(z, a) },
        // SAFETY: `supported` found AVX2 and FMA on this CPU.
        Level::Avx2 => unsafe { avx2::tanh(z, a) },
        _ => return false,
    }
    true
}

/// `a = σ(z)` through `level`'s vector code, as [`tanh_at`] does `tanh`.
pub fn sigmoid_at(level: Level, z: &[f32], a: &mut [f32]) -> bool {
    if z.len() != a.len() || !super::simd::supported(level) {
        return false;
    }
    match level {
        // SAFETY: `supported` found AVX-512F on this CPU.
        Level::Avx512 => unsafe { avx512::sigmoid(z, a) },
        // SAFETY: `supported` found AVX2 and FMA on this CPU.
        Level::Avx2 => unsafe { avx2::sigmoid(z, a) },
        _ => return false,
    }
    true
}

/// 1.5·2²³: adding it rounds a float below 2²² to an integer, which then sits in the sum's low
/// mantissa bits.
const ROUND: f32 = 12_582_912.0;
/// ln 2 split so that `n·LN2_HI` is exact for `|n| ≤ 256` (9 significant bits): `fast::exp`'s.
const LN2_HI: f32 = 0.693_359_4;
/// `ln 2 − LN2_HI`.
const LN2_LO: f32 = -2.121_944_4e-4;

/// The functions over vectors, written once on top of each module's primitives (`splat`,
/// `add`, `sub`, `mul`, `fma`, `div`, `and`, `or`, `andnot`, `select_gt`, `select_ge`,
/// the `i32` lane operations, `load`, `store`), and the loops over a slice.
macro_rules! functions {
    ($feature:literal) => {
        /// `tanh x` in every lane, within 2 ulps of the correctly rounded result (NaN stays NaN,
        /// ±0 keeps its sign), without a branch: for recurrent gates as for dense layers.
        ///
        /// `tanh |x| = E/(E + 2)` with `E = e^{2|x|} − 1 = 2ⁿ·(1 + w) − 1`, `w = e^r − 1` after
        /// `fast::exp`'s range reduction and polynomial, in fused multiply-adds and Estrin's
        /// scheme for a short dependency chain. `2ⁿ·w + (2ⁿ − 1)` rounds once, and for
        /// `|x| < 0.17` (`n = 0`) is `w` itself, accurate near 0 without a second polynomial.
        /// Beyond 9.02 `tanh` rounds to 1: below 9.1, `2ⁿ` is one normal factor and `2ⁿ − 1`
        /// exact.
        #[target_feature(enable = $feature)]
        #[inline]
        pub(in crate::kernels) fn tanh_v(x: V) -> V {
            let sign = splat(-0.0);
            let m = andnot(sign, x);
            let t = fma(m, splat(2.0 * core::f32::consts::LOG2_E), splat(ROUND));
            let n = sub(t, splat(ROUND));
            // r = 2m − n·ln 2, |r| ≤ ln2/2, in one step: for n ≤ 26 the error of ln 2 in `f32`
            // moves e^{2m} by at most 5·10⁻⁸ relative, which `tanh` damps to below 0.1 ulp.
            let r = fma(n, splat(-core::f32::consts::LN_2), add(m, m));
            let s = pow2(isub(bits(t), bits(splat(ROUND))));
            let e = fma(s, expm1_reduced(r), sub(s, splat(1.0)));
            let v = div(e, add(e, splat(2.0)));
            // Above 9.1 (where the steps above overflow) the result is 1, chosen at the end
            // rather than clamping at the start of the chain; NaN compares false and stays.
            let v = select_gt(m, splat(9.1), splat(1.0), v);
            or(v, and(sign, x))
        }

        /// The logistic function `1/(1 + e^(−x))` in every lane, within 2 ulps of the
        /// correctly rounded result (NaN stays NaN), without a branch.
        ///
        /// `Sigmoid`'s formula for `f32` (`e = e^(−|x|)`, then `1/(1 + e)` or `e/(1 + e)`),
        /// with `fast::exp`'s range reduction and polynomial in fused multiply-adds: `2ⁿ` as
        /// two normal factors (subnormal results come out right), the first folded into
        /// `1 + w`, the second into the `+ 1` of the denominator.
        #[target_feature(enable = $feature)]
        #[inline]
        pub(in crate::kernels) fn sigmoid_v(x: V) -> V {
            let m = or(x, splat(-0.0));
            let t = fma(m, splat(core::f32::consts::LOG2_E), splat(ROUND));
            let n = sub(t, splat(ROUND));
            let r = fma(n, splat(-LN2_HI), m);
            let r = fma(n, splat(-LN2_LO), r);
            let ni = isub(bits(t), bits(splat(ROUND)));
            let n1 = sra1(ni);
            let s1 = pow2(n1);
            let s2 = pow2(isub(ni, n1));
            let w = expm1_short(r);
            // 2^n1·(1 + w), rounded once; times 2^n2 is exact but for subnormal results.
            let y1 = fma(w, s1, s1);
            let e = mul(y1, s2);
            let d = fma(y1, s2, splat(1.0));
            let num = select_ge(x, splat(0.0), splat(1.0), e);
            // Below −104 (where e^(−|x|) rounds to 0 and the steps above overflow) the result
            // is 0 or 1, chosen at the end rather than clamping at the start of the chain; NaN
            // compares false and stays.
            let far = select_ge(x, splat(0.0), splat(1.0), splat(0.0));
            select_gt(splat(-104.0), m, far, div(num, d))
        }

        /// `e^r − 1` for `|r| ≤ ln2/2` in 3 steps after `r` rather than
        /// [`expm1_reduced`]'s 4: `(r + r²·(c₂ + c₃r)) + r⁴·(c₄ + c₅r + r²·(c₆ + c₇r))`, one
        /// rounding more, which `1 + w` hides but `tanh` near 0 would not.
        #[target_feature(enable = $feature)]
        #[inline]
        fn expm1_short(r: V) -> V {
            let r2 = mul(r, r);
            let r4 = mul(r2, r2);
            let c23 = fma(splat(1.666_666_5e-1), r, splat(5e-1));
            let c45 = fma(splat(8.333_452e-3), r, splat(4.166_579_6e-2));
            let c67 = fma(splat(1.987_569_1e-4), r, splat(1.398_2e-3));
            fma(fma(c67, r2, c45), r4, fma(c23, r2, r))
        }

        /// `e^r − 1` for `|r| ≤ ln2/2`: `r + r²·P(r)` with Cephes' minimax `P` for `e^r`
        /// (as `fast::exp`), in Estrin's scheme, the last step adding to `r` alone (within
        /// half an ulp of `w` near 0).
        #[target_feature(enable = $feature)]
        #[inline]
        fn expm1_reduced(r: V) -> V {
            let r2 = mul(r, r);
            let r4 = mul(r2, r2);
            let p01 = fma(splat(1.666_666_5e-1), r, splat(5e-1));
            let p23 = fma(splat(8.333_452e-3), r, splat(4.166_579_6e-2));
            let p45 = fma(splat(1.987_569_1e-4), r, splat(1.398_2e-3));
            let p = fma(p45, r4, fma(p23, r2, p01));
            fma(p, r2, r)
        }

        /// `a[i] = f(z[i])` for every `i`; needs `z.len() == a.len()`.
        #[target_feature(enable = $feature)]
        #[inline]
        fn map(z: &[f32], a: &mut [f32], f: impl Fn(V) -> V) {
            let len = z.len();
            let (zp, ap) = (z.as_ptr(), a.as_mut_ptr());
            let mut i = 0;
            while i + W <= len {
                // SAFETY: i + W ≤ len: the W lanes lie inside both slices (same length).
                unsafe { store(ap.add(i), f(load(zp.add(i)))) };
                i += W;
            }
            if i < len {
                // SAFETY: the mask covers lanes i..len only, inside both slices.
                unsafe {
                    let m = mask(len - i);
                    store_masked(ap.add(i), m, f(load_masked(zp.add(i), m)));
                }
            }
        }

        /// `a[i] = tanh_v(z[i])` over a slice; needs `z.len() == a.len()`.
        #[target_feature(enable = $feature)]
        #[inline]
        pub(in crate::kernels) fn tanh(z: &[f32], a: &mut [f32]) {
            map(z, a, |v| tanh_v(v))
        }

        /// `a[i] = sigmoid_v(z[i])` over a slice; needs `z.len() == a.len()`.
        #[target_feature(enable = $feature)]
        #[inline]
        pub(in crate::kernels) fn sigmoid(z: &[f32], a: &mut [f32]) {
            map(z, a, |v| sigmoid_v(v))
        }
    };
}

pub(super) mod avx512 {
    use super::{LN2_HI, LN2_LO, ROUND};
    use core::arch::x86_64::*;

    type V = __m512;
    type M = __mmask16;
    const W: usize = 16;

    functions!("avx512f");

    #[target_feature(enable = "avx512f")]
    #[inline]
    fn splat(v: f32) -> V {
        _mm512_set1_ps(v)
    }
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn add(a: V, b: V) -> V {
        _mm512_add_ps(a, b)
    }
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn sub(a: V, b: V) -> V {
        _mm512_sub_ps(a, b)
    }
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn mul(a: V, b: V) -> V {
        _mm512_mul_ps(a, b)
    }
    /// `a·b + c`, rounded once.
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn fma(a: V, b: V, c: V) -> V {
        _mm512_fmadd_ps(a, b, c)
    }
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn div(a: V, b: V) -> V {
        _mm512_div_ps(a, b)
    }
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn and(a: V, b: V) -> V {
        _mm512_castsi512_ps(_mm512_and_si512(
            _mm512_castps_si512(a),
            _mm512_castps_si512(b),
        ))
    }
    /// `!a & b`.
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn andnot(a: V, b: V) -> V {
        _mm512_castsi512_ps(_mm512_andnot_si512(
            _mm512_castps_si512(a),
            _mm512_castps_si512(b),
        ))
    }
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn or(a: V, b: V) -> V {
        _mm512_castsi512_ps(_mm512_or_si512(
            _mm512_castps_si512(a),
            _mm512_castps_si512(b),
        ))
    }
    /// `a > b ? t : f` per lane (false for NaN).
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn select_gt(a: V, b: V, t: V, f: V) -> V {
        _mm512_mask_blend_ps(_mm512_cmp_ps_mask::<_CMP_GT_OQ>(a, b), f, t)
    }
    /// `a >= b ? t : f` per lane (false for NaN).
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn select_ge(a: V, b: V, t: V, f: V) -> V {
        _mm512_mask_blend_ps(_mm512_cmp_ps_mask::<_CMP_GE_OQ>(a, b), f, t)
    }
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn bits(a: V) -> __m512i {
        _mm512_castps_si512(a)
    }
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn isub(a: __m512i, b: __m512i) -> __m512i {
        _mm512_sub_epi32(a, b)
    }
    /// Arithmetic shift right by one.
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn sra1(a: __m512i) -> __m512i {
        _mm512_srai_epi32::<1>(a)
    }
    /// `2ⁿ` from its biased exponent, as `fast::exp` builds it.
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn pow2(n: __m512i) -> V {
        _mm512_castsi512_ps(_mm512_slli_epi32::<23>(_mm512_add_epi32(
            n,
            _mm512_set1_epi32(127),
        )))
    }
    /// SAFETY (callers): `p` points to 16 readable floats.
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn load(p: *const f32) -> V {
        unsafe { _mm512_loadu_ps(p) }
    }
    /// SAFETY (callers): `p` points to 16 writable floats.
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn store(p: *mut f32, v: V) {
        unsafe { _mm512_storeu_ps(p, v) }
    }
    /// The first `n < 16` lanes.
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn mask(n: usize) -> M {
        ((1u32 << n) - 1) as M
    }
    /// SAFETY (callers): the lanes of `m` are readable at `p`.
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn load_masked(p: *const f32, m: M) -> V {
        unsafe { _mm512_maskz_loadu_ps(m, p) }
    }
    /// SAFETY (callers): the lanes of `m` are writable at `p`.
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn store_masked(p: *mut f32, m: M, v: V) {
        unsafe { _mm512_mask_storeu_ps(p, m, v) }
    }
}

pub(super) mod avx2 {
    use super::{LN2_HI, LN2_LO, ROUND};
    use core::arch::x86_64::*;

    type V = __m256;
    type M = __m256i;
    const W: usize = 8;

    functions!("avx2,fma");

    /// `a[i] = tanh_v(z[i])` a lane at a time, from and to scalar registers: for layers
    /// of a few outputs, just written by scalar stores that a vector load could not
    /// take its data from.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    pub(in crate::kernels) fn tanh_few(z: &[f32], a: &mut [f32]) {
        for (a, &z) in a.iter_mut().zip(z) {
            *a = first(tanh_v(splat(z)));
        }
    }

    /// `a[i] = sigmoid_v(z[i])` a lane at a time, as [`tanh_few`].
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    pub(in crate::kernels) fn sigmoid_few(z: &[f32], a: &mut [f32]) {
        for (a, &z) in a.iter_mut().zip(z) {
            *a = first(sigmoid_v(splat(z)));
        }
    }

    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn splat(v: f32) -> V {
        _mm256_set1_ps(v)
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn add(a: V, b: V) -> V {
        _mm256_add_ps(a, b)
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn sub(a: V, b: V) -> V {
        _mm256_sub_ps(a, b)
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn mul(a: V, b: V) -> V {
        _mm256_mul_ps(a, b)
    }
    /// Lane 0.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn first(a: V) -> f32 {
        _mm256_cvtss_f32(a)
    }
    /// `a·b + c`, rounded once.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn fma(a: V, b: V, c: V) -> V {
        _mm256_fmadd_ps(a, b, c)
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn div(a: V, b: V) -> V {
        _mm256_div_ps(a, b)
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn and(a: V, b: V) -> V {
        _mm256_and_ps(a, b)
    }
    /// `!a & b`.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn andnot(a: V, b: V) -> V {
        _mm256_andnot_ps(a, b)
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn or(a: V, b: V) -> V {
        _mm256_or_ps(a, b)
    }
    /// `a > b ? t : f` per lane (false for NaN).
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn select_gt(a: V, b: V, t: V, f: V) -> V {
        _mm256_blendv_ps(f, t, _mm256_cmp_ps::<_CMP_GT_OQ>(a, b))
    }
    /// `a >= b ? t : f` per lane (false for NaN).
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn select_ge(a: V, b: V, t: V, f: V) -> V {
        _mm256_blendv_ps(f, t, _mm256_cmp_ps::<_CMP_GE_OQ>(a, b))
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn bits(a: V) -> __m256i {
        _mm256_castps_si256(a)
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn isub(a: __m256i, b: __m256i) -> __m256i {
        _mm256_sub_epi32(a, b)
    }
    /// Arithmetic shift right by one.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn sra1(a: __m256i) -> __m256i {
        _mm256_srai_epi32::<1>(a)
    }
    /// `2ⁿ` from its biased exponent, as `fast::exp` builds it.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn pow2(n: __m256i) -> V {
        _mm256_castsi256_ps(_mm256_slli_epi32::<23>(_mm256_add_epi32(
            n,
            _mm256_set1_epi32(127),
        )))
    }
    /// SAFETY (callers): `p` points to 8 readable floats.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn load(p: *const f32) -> V {
        unsafe { _mm256_loadu_ps(p) }
    }
    /// SAFETY (callers): `p` points to 8 writable floats.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn store(p: *mut f32, v: V) {
        unsafe { _mm256_storeu_ps(p, v) }
    }
    /// The first `n < 8` lanes: all bits set in those lanes.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn mask(n: usize) -> M {
        _mm256_cmpgt_epi32(
            _mm256_set1_epi32(n as i32),
            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
        )
    }
    /// SAFETY (callers): the lanes of `m` are readable at `p`.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn load_masked(p: *const f32, m: M) -> V {
        unsafe { _mm256_maskload_ps(p, m) }
    }
    /// SAFETY (callers): the lanes of `m` are writable at `p`.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn store_masked(p: *mut f32, m: M, v: V) {
        unsafe { _mm256_maskstore_ps(p, m, v) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    /// Distance in units in the last place, counting across zero.
    fn ulps(a: f32, b: f32) -> u32 {
        let key = |v: f32| {
            let i = v.to_bits() as i32;
            if i < 0 { i32::MIN - i } else { i }
        };
        (key(a) as i64 - key(b) as i64).unsigned_abs() as u32
    }

    fn tanh64(x: f64) -> f64 {
        x.tanh()
    }

    fn sigmoid64(x: f64) -> f64 {
        1.0 / (1.0 + (-x).exp())
    }

    /// The inputs: a stride through every bit pattern, and the edges of the methods.
    fn inputs() -> Vec<f32> {
        (0..=u32::MAX)
            .step_by(4099)
            .map(f32::from_bits)
            .chain([
                0.0,
                -0.0,
                0.625,
                -0.625,
                0.624_999_94,
                9.0,
                9.1,
                -9.02,
                17.0,
                -87.0,
                -103.9,
                88.8,
                -104.0,
                f32::MIN_POSITIVE,
                f32::INFINITY,
                f32::NEG_INFINITY,
                f32::NAN,
            ])
            .collect()
    }

    /// Every lane within 2 ulps of `reference` rounded to `f32` (NaN for NaN), at every level
    /// this CPU has and for every tail length; the levels give the same bits.
    fn check(at: fn(Level, &[f32], &mut [f32]) -> bool, reference: fn(f64) -> f64) -> u32 {
        let z = inputs();
        let mut worst = 0;
        let mut first: Option<Vec<u32>> = None;
        for level in [Level::Avx512, Level::Avx2] {
            let mut a = std::vec![0.0f32; z.len()];
            if !at(level, &z, &mut a) {
                std::eprintln!("{level:?} not supported here: skipped");
                continue;
            }
            for (&x, &got) in z.iter().zip(&a) {
                let want = reference(x as f64) as f32;
                if want.is_nan() {
                    assert!(got.is_nan(), "{level:?} {x:e}: {got:e}, want NaN");
                    continue;
                }
                let e = ulps(got, want);
                assert!(e <= 2, "{level:?} {x:e}: {got:e}, want {want:e} ({e} ulps)");
                worst = worst.max(e);
            }
            let bits: Vec<u32> = a.iter().map(|v| v.to_bits()).collect();
            match &first {
                Some(f) => assert!(f == &bits, "AVX2 and AVX-512 differ"),
                None => first = Some(bits),
            }
            for len in [1, 7, 8, 9, 15, 16, 17, 31] {
                let z = &z[z.len() - 40..z.len() - 40 + len];
                let mut b = std::vec![7.0f32; len + 1];
                assert!(at(level, z, &mut b[..len]));
                assert_eq!(b[len], 7.0, "nothing written past the end");
                for (&x, &got) in z.iter().zip(&b) {
                    let want = reference(x as f64) as f32;
                    let same_nan = want.is_nan() && got.is_nan();
                    assert!(same_nan || ulps(got, want) <= 2, "{level:?} {len}: {x:e}");
                }
            }
        }
        worst
    }

    #[test]
    fn tanh_is_within_two_ulps_at_every_level() {
        let worst = check(tanh_at, tanh64);
        std::eprintln!("tanh: worst {worst} ulps");
        let z = [-0.0, 0.0, 9.1, -30.0, f32::INFINITY, f32::NEG_INFINITY];
        let mut a = [0.0f32; 6];
        if tanh_at(level(), &z, &mut a) {
            assert_eq!(a[0].to_bits(), (-0.0f32).to_bits(), "−0 keeps its sign");
            assert_eq!(a[1].to_bits(), 0);
            assert_eq!(a[2..], [1.0, -1.0, 1.0, -1.0]);
        }
    }

    #[test]
    fn sigmoid_is_within_two_ulps_at_every_level() {
        let worst = check(sigmoid_at, sigmoid64);
        std::eprintln!("sigmoid: worst {worst} ulps");
        let z = [0.0, 200.0, -200.0, -100.0];
        let mut a = [9.0f32; 4];
        if sigmoid_at(level(), &z, &mut a) {
            assert_eq!(a[..3], [0.5, 1.0, 0.0]);
            assert!(a[3] > 0.0, "subnormal results survive");
        }
    }

    /// Every `f32` input, at every level this CPU has: a few minutes in release mode
    /// (`cargo test -p network-core --release -- --ignored every_input`); the
    /// `activation_accuracy` example runs the same sweep.
    #[test]
    #[ignore]
    fn every_input_within_two_ulps() {
        for (at, reference) in [
            (
                tanh_at as fn(Level, &[f32], &mut [f32]) -> bool,
                tanh64 as fn(f64) -> f64,
            ),
            (sigmoid_at, sigmoid64),
        ] {
            for level in [Level::Avx512, Level::Avx2] {
                let mut z = std::vec![0.0f32; 1 << 16];
                let mut a = z.clone();
                let mut worst = None;
                for hi in 0..1u32 << 16 {
                    for (lo, z) in z.iter_mut().enumerate() {
                        *z = f32::from_bits(hi << 16 | lo as u32);
                    }
                    if !at(level, &z, &mut a) {
                        break;
                    }
                    for (&x, &got) in z.iter().zip(&a) {
                        let want = reference(x as f64) as f32;
                        let e = if want.is_nan() && got.is_nan() {
                            0
                        } else {
                            ulps(got, want)
                        };
                        assert!(e <= 2, "{level:?} {x:e}: {got:e}, want {want:e}");
                        worst = worst.max(Some(e));
                    }
                }
                std::eprintln!("{level:?}: worst {worst:?} ulps over every input");
            }
        }
    }

    #[test]
    fn lengths_must_match() {
        assert!(!tanh(&[0.0; 33], &mut [0.0; 32]));
        assert!(!sigmoid(&[0.0; 32], &mut [0.0; 33]));
        assert!(!tanh_at(level(), &[0.0; 3], &mut [0.0; 2]));
        assert!(!tanh_at(Level::Portable, &[0.0; 2], &mut [0.0; 2]));
        assert!(
            !tanh(&[0.0; 8], &mut [0.0; 8]),
            "narrow layers keep the scalar loop"
        );
    }

    #[test]
    fn the_dispatch_is_within_two_ulps() {
        let z: Vec<f32> = (0..40).map(|i| (i as f32 - 20.0) * 0.37).collect();
        let mut a = std::vec![0.0f32; 40];
        let done = tanh(&z, &mut a);
        assert_eq!(done, level() != Level::Portable);
        if done {
            for (&z, &a) in z.iter().zip(&a) {
                assert!(ulps(a, (z as f64).tanh() as f32) <= 2);
            }
        }
    }
}
