//! AVX-512 and AVX2 versions of the `f32` activations `tanh` and `sigmoid` over a layer,
//! chosen at run time ([`simd::level`](super::simd::level), detected once): 16 or 8 lanes
//! at a time, the tail through masked loads and stores.
//!
//! They evaluate [`fast::tanh`](crate::scalar::fast::tanh), [`fast::exp`](crate::scalar::fast::exp)
//! and `Sigmoid`'s formula with the same operations in the same order, without fusing a
//! multiply and an add (a fused multiply-add rounds once where the scalar code rounds twice),
//! so every lane is bit for bit the scalar result; the tests check it on a stride through
//! every `f32` bit pattern.
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

/// `a[i] = tanh(z[i])` as `fast::tanh` computes it; `false` (nothing done) without a SIMD
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

/// `a[i] = 1/(1 + e^(−z[i]))` as the `Sigmoid` activation computes it for `f32`; `false`
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

/// The functions over vectors, written once on top of each module's primitives (`splat`,
/// `add`, `sub`, `mul`, `div`, `and`, `or`, `max`, `min`, `lt`, `ge`, `select`, the `i32`
/// lane operations, `load`, `store`), and the loops over a slice.
macro_rules! functions {
    ($feature:literal) => {
        /// `fast::exp`, lane by lane.
        #[target_feature(enable = $feature)]
        #[inline]
        fn exp(x: V) -> V {
            // The constants and the order of operations are fast::exp's.
            let x = min(splat(88.8), max(splat(-104.0), x));
            let t = add(
                mul(x, splat(core::f32::consts::LOG2_E)),
                splat(12_582_912.0),
            );
            let n = sub(t, splat(12_582_912.0));
            let ni = isub(bits(t), bits(splat(12_582_912.0)));
            let r = sub(
                sub(x, mul(n, splat(0.693_359_4))),
                mul(n, splat(-2.121_944_4e-4)),
            );
            let r2 = mul(r, r);
            let p = add(
                mul(
                    add(
                        mul(add(mul(splat(1.987_569_1e-4), r), splat(1.398_2e-3)), r2),
                        add(mul(splat(8.333_452e-3), r), splat(4.166_579_6e-2)),
                    ),
                    r2,
                ),
                add(mul(splat(1.666_666_5e-1), r), splat(5e-1)),
            );
            let y = add(add(mul(p, r2), r), splat(1.0));
            let n1 = sra1(ni);
            let n2 = isub(ni, n1);
            mul(mul(y, pow2(n1)), pow2(n2))
        }

        /// `fast::tanh`, lane by lane.
        #[target_feature(enable = $feature)]
        #[inline]
        fn tanh_v(x: V) -> V {
            let sign = splat(-0.0);
            let a = andnot(sign, x);
            let z = mul(x, x);
            let mut q = add(mul(splat(-5.704_988_7e-3), z), splat(2.063_909e-2));
            q = sub(mul(q, z), splat(5.373_971_6e-2));
            q = add(mul(q, z), splat(1.333_144_2e-1));
            q = sub(mul(q, z), splat(3.333_328e-1));
            let small = add(mul(mul(q, z), a), a);
            // Every lane below 0.625 would select `small`: skip the exponential and the
            // division (as the scalar code's branch does, which LLVM keeps for one lane).
            if all_lt(a, splat(0.625)) {
                return or(andnot(sign, small), and(sign, x));
            }
            let e = exp(mul(splat(2.0), a));
            let big = sub(splat(1.0), div(splat(2.0), add(e, splat(1.0))));
            let v = select_lt(a, splat(0.625), small, big);
            or(andnot(sign, v), and(sign, x))
        }

        /// `Sigmoid::apply` for `f32`, lane by lane.
        #[target_feature(enable = $feature)]
        #[inline]
        fn sigmoid_v(x: V) -> V {
            let e = exp(or(x, splat(-0.0)));
            let num = select_ge(x, splat(0.0), splat(1.0), e);
            div(num, add(splat(1.0), e))
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

        /// See [`super::tanh`].
        #[target_feature(enable = $feature)]
        pub(super) fn tanh(z: &[f32], a: &mut [f32]) {
            map(z, a, |v| tanh_v(v))
        }

        /// See [`super::sigmoid`].
        #[target_feature(enable = $feature)]
        pub(super) fn sigmoid(z: &[f32], a: &mut [f32]) {
            map(z, a, |v| sigmoid_v(v))
        }
    };
}

mod avx512 {
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
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn div(a: V, b: V) -> V {
        _mm512_div_ps(a, b)
    }
    /// The second operand when either is NaN, as `maxps` does: `max(c, x)` keeps a NaN `x`.
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn max(a: V, b: V) -> V {
        _mm512_max_ps(a, b)
    }
    /// The second operand when either is NaN.
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn min(a: V, b: V) -> V {
        _mm512_min_ps(a, b)
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
    /// `a < b ? t : f` per lane (false for NaN).
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn select_lt(a: V, b: V, t: V, f: V) -> V {
        _mm512_mask_blend_ps(_mm512_cmp_ps_mask::<_CMP_LT_OQ>(a, b), f, t)
    }
    /// `a >= b ? t : f` per lane (false for NaN).
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn select_ge(a: V, b: V, t: V, f: V) -> V {
        _mm512_mask_blend_ps(_mm512_cmp_ps_mask::<_CMP_GE_OQ>(a, b), f, t)
    }
    /// Whether `a < b` in every lane.
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn all_lt(a: V, b: V) -> bool {
        _mm512_cmp_ps_mask::<_CMP_LT_OQ>(a, b) == 0xffff
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

mod avx2 {
    use core::arch::x86_64::*;

    type V = __m256;
    type M = __m256i;
    const W: usize = 8;

    functions!("avx2,fma");

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
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn div(a: V, b: V) -> V {
        _mm256_div_ps(a, b)
    }
    /// The second operand when either is NaN, as `maxps` does: `max(c, x)` keeps a NaN `x`.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn max(a: V, b: V) -> V {
        _mm256_max_ps(a, b)
    }
    /// The second operand when either is NaN.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn min(a: V, b: V) -> V {
        _mm256_min_ps(a, b)
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
    /// `a < b ? t : f` per lane (false for NaN).
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn select_lt(a: V, b: V, t: V, f: V) -> V {
        _mm256_blendv_ps(f, t, _mm256_cmp_ps::<_CMP_LT_OQ>(a, b))
    }
    /// `a >= b ? t : f` per lane (false for NaN).
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn select_ge(a: V, b: V, t: V, f: V) -> V {
        _mm256_blendv_ps(f, t, _mm256_cmp_ps::<_CMP_GE_OQ>(a, b))
    }
    /// Whether `a < b` in every lane.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn all_lt(a: V, b: V) -> bool {
        _mm256_movemask_ps(_mm256_cmp_ps::<_CMP_LT_OQ>(a, b)) == 0xff
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
    use crate::layers::activation::{Elementwise, Sigmoid};
    use crate::scalar::fast;
    use std::vec::Vec;

    /// Every lane equals the scalar function bit for bit (NaN as NaN), on a stride through all
    /// bit patterns, at every level this CPU has and for every tail length.
    fn check(simd: unsafe fn(&[f32], &mut [f32]), level: Level, scalar: fn(f32) -> f32) {
        if !super::super::simd::supported(level) {
            std::eprintln!("{level:?} not supported here: skipped");
            return;
        }
        let z: Vec<f32> = (0..=u32::MAX)
            .step_by(4099)
            .map(f32::from_bits)
            .chain([
                0.0,
                -0.0,
                0.625,
                -0.625,
                88.8,
                -104.0,
                f32::INFINITY,
                f32::NEG_INFINITY,
            ])
            .collect();
        for len in [z.len(), 1, 7, 8, 9, 15, 16, 17, 31] {
            let z = &z[z.len() - len..];
            let mut a = std::vec![0.0f32; len];
            // SAFETY: `supported` checked the level above.
            unsafe { simd(z, &mut a) };
            for (&x, &got) in z.iter().zip(&a) {
                let want = scalar(x);
                assert!(
                    got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
                    "{level:?} {x:e}: {got:e}, scalar {want:e}"
                );
            }
        }
    }

    #[test]
    fn tanh_is_the_scalar_function_bit_for_bit() {
        check(avx512::tanh, Level::Avx512, fast::tanh);
        check(avx2::tanh, Level::Avx2, fast::tanh);
    }

    #[test]
    fn sigmoid_is_the_scalar_function_bit_for_bit() {
        check(avx512::sigmoid, Level::Avx512, |x| Sigmoid.apply(x));
        check(avx2::sigmoid, Level::Avx2, |x| Sigmoid.apply(x));
    }

    #[test]
    fn lengths_must_match() {
        assert!(!tanh(&[0.0; 33], &mut [0.0; 32]));
        assert!(!sigmoid(&[0.0; 32], &mut [0.0; 33]));
        assert!(
            !tanh(&[0.0; 8], &mut [0.0; 8]),
            "narrow layers keep the scalar loop"
        );
    }

    #[test]
    fn the_dispatch_gives_the_scalar_bits() {
        let z: Vec<f32> = (0..40).map(|i| (i as f32 - 20.0) * 0.37).collect();
        let mut a = std::vec![0.0f32; 40];
        let done = tanh(&z, &mut a);
        assert_eq!(done, level() != Level::Portable);
        if done {
            for (&z, &a) in z.iter().zip(&a) {
                assert_eq!(a.to_bits(), fast::tanh(z).to_bits());
            }
        }
    }
}
