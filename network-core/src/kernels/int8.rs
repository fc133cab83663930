//! The int8 dot product of [`quant`](crate::quant): `Σ a[i]·b[i]` in `i32`, with an AVX2
//! version chosen at run time on x86-64 with `std` (the same detection as the `f32` kernels,
//! [`simd::level`](crate::kernels::simd::level)), and AVX-512 VNNI or AVX-512BW ones where the
//! CPU has them.
//!
//! Integer addition is associative, so every version gives the same bits: the AVX2 code sign-
//! extends 16 bytes at a time to `i16` and multiplies pairs into `i32` (`vpmovsxbw`,
//! `vpmaddwd`), which cannot saturate (`vpmaddubsw`'s `i16` pair sums could).
#![allow(unsafe_code)]

/// `Σ a[i]·b[i]` over the common length, exact in `i32` for up to 2¹⁷ terms
/// (`|a[i]·b[i]| ≤ 2¹⁴`).
#[inline]
pub fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if n >= 64
        && std::is_x86_feature_detected!("avx512vnni")
        && std::is_x86_feature_detected!("avx512bw")
    {
        // SAFETY: AVX-512 VNNI and BW are supported on this CPU (checked just above);
        // `dot_vnni` reads only inside `a` and `b`, which have the same length.
        return unsafe { dot_vnni(a, b) };
    }
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if n >= 64 && std::is_x86_feature_detected!("avx512bw") {
        // SAFETY: AVX-512BW is supported on this CPU (checked just above); `dot_avx512` reads
        // only inside `a` and `b`, which have the same length.
        return unsafe { dot_avx512(a, b) };
    }
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if n >= 64 && crate::kernels::simd::supported(crate::kernels::simd::Level::Avx2) {
        // SAFETY: AVX2 is supported on this CPU (checked just above); `dot_avx2` reads only
        // inside `a` and `b`, which have the same length.
        return unsafe { dot_avx2(a, b) };
    }
    dot_portable(a, b)
}

/// The portable version: one multiply-add per element.
#[inline]
pub fn dot_portable(a: &[i8], b: &[i8]) -> i32 {
    a.iter()
        .zip(b)
        .fold(0i32, |acc, (&a, &b)| acc + i32::from(a) * i32::from(b))
}

/// AVX2: 32 bytes per iteration in two accumulators, then the tail one by one.
///
/// # Safety
///
/// The CPU supports AVX2, and `a.len() == b.len()`.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2")]
unsafe fn dot_avx2(a: &[i8], b: &[i8]) -> i32 {
    use core::arch::x86_64::*;
    let n = a.len();
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    let mut acc0 = _mm256_setzero_si256();
    let mut acc1 = _mm256_setzero_si256();
    let mut i = 0;
    // SAFETY (all loads): i + 32 ≤ n (or i + 16 ≤ n) = the length of both slices, and
    // `_mm_loadu_si128` has no alignment requirement.
    while i + 32 <= n {
        let (a0, b0, a1, b1) = unsafe {
            (
                _mm_loadu_si128(pa.add(i).cast()),
                _mm_loadu_si128(pb.add(i).cast()),
                _mm_loadu_si128(pa.add(i + 16).cast()),
                _mm_loadu_si128(pb.add(i + 16).cast()),
            )
        };
        let p0 = _mm256_madd_epi16(_mm256_cvtepi8_epi16(a0), _mm256_cvtepi8_epi16(b0));
        let p1 = _mm256_madd_epi16(_mm256_cvtepi8_epi16(a1), _mm256_cvtepi8_epi16(b1));
        acc0 = _mm256_add_epi32(acc0, p0);
        acc1 = _mm256_add_epi32(acc1, p1);
        i += 32;
    }
    if i + 16 <= n {
        let (a0, b0) = unsafe {
            (
                _mm_loadu_si128(pa.add(i).cast()),
                _mm_loadu_si128(pb.add(i).cast()),
            )
        };
        let p0 = _mm256_madd_epi16(_mm256_cvtepi8_epi16(a0), _mm256_cvtepi8_epi16(b0));
        acc0 = _mm256_add_epi32(acc0, p0);
        i += 16;
    }
    let acc = _mm256_add_epi32(acc0, acc1);
    let s = _mm_add_epi32(
        _mm256_castsi256_si128(acc),
        _mm256_extracti128_si256(acc, 1),
    );
    let s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0b01_00_11_10));
    let s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0b10_11_00_01));
    _mm_cvtsi128_si32(s) + dot_portable(&a[i..], &b[i..])
}

/// AVX-512 VNNI: `vpdpbusd` multiplies unsigned by signed bytes and sums four products into
/// each `i32` lane without saturating. `a` is made unsigned by flipping its sign bit
/// (`a + 128`), so the sum is `Σ (a+128)·b = Σ a·b + 128·Σ b`, and `Σ b` (the same instruction
/// against ones) is taken off at the end.
///
/// # Safety
///
/// The CPU supports AVX-512 VNNI and BW (and so AVX2), and `a.len() == b.len()`.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx512vnni,avx512bw,avx2")]
unsafe fn dot_vnni(a: &[i8], b: &[i8]) -> i32 {
    use core::arch::x86_64::*;
    let n = a.len();
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    let sign = _mm512_set1_epi8(i8::MIN);
    let ones = _mm512_set1_epi8(1);
    let mut acc = _mm512_setzero_si512();
    let mut sum_b = _mm512_setzero_si512();
    let mut i = 0;
    // SAFETY (all loads): i + 64 ≤ n = the length of both slices; unaligned loads.
    while i + 64 <= n {
        let (va, vb) = unsafe {
            (
                _mm512_loadu_si512(pa.add(i).cast()),
                _mm512_loadu_si512(pb.add(i).cast()),
            )
        };
        acc = _mm512_dpbusd_epi32(acc, _mm512_xor_si512(va, sign), vb);
        sum_b = _mm512_dpbusd_epi32(sum_b, ones, vb);
        i += 64;
    }
    let sum = _mm512_reduce_add_epi32(acc) - 128 * _mm512_reduce_add_epi32(sum_b);
    // SAFETY: AVX2 is supported (the caller's contract); the tails have equal lengths.
    sum + unsafe { dot_avx2(&a[i..], &b[i..]) }
}

/// AVX-512BW: 64 bytes per iteration in two accumulators, then the AVX2 tail.
///
/// # Safety
///
/// The CPU supports AVX-512BW (and so AVX2), and `a.len() == b.len()`.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx512bw,avx2")]
unsafe fn dot_avx512(a: &[i8], b: &[i8]) -> i32 {
    use core::arch::x86_64::*;
    let n = a.len();
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    let mut acc0 = _mm512_setzero_si512();
    let mut acc1 = _mm512_setzero_si512();
    let mut i = 0;
    // SAFETY (all loads): i + 64 ≤ n = the length of both slices; unaligned loads.
    while i + 64 <= n {
        let (a0, b0, a1, b1) = unsafe {
            (
                _mm256_loadu_si256(pa.add(i).cast()),
                _mm256_loadu_si256(pb.add(i).cast()),
                _mm256_loadu_si256(pa.add(i + 32).cast()),
                _mm256_loadu_si256(pb.add(i + 32).cast()),
            )
        };
        let p0 = _mm512_madd_epi16(_mm512_cvtepi8_epi16(a0), _mm512_cvtepi8_epi16(b0));
        let p1 = _mm512_madd_epi16(_mm512_cvtepi8_epi16(a1), _mm512_cvtepi8_epi16(b1));
        acc0 = _mm512_add_epi32(acc0, p0);
        acc1 = _mm512_add_epi32(acc1, p1);
        i += 64;
    }
    let sum = _mm512_reduce_add_epi32(_mm512_add_epi32(acc0, acc1));
    // SAFETY: AVX2 is supported (the caller's contract); the tails have equal lengths.
    sum + unsafe { dot_avx2(&a[i..], &b[i..]) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every length around the vector widths, with the extreme values, against the portable sum
    /// (on this machine's best version).
    #[test]
    fn every_length_gives_the_portable_sum() {
        let mut state = 12345u32;
        let mut next = || {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 24) as u8 as i8
        };
        for n in (0..200).chain([783, 784, 785, 4096]) {
            let a: std::vec::Vec<i8> = (0..n).map(|_| next()).collect();
            let b: std::vec::Vec<i8> = (0..n).map(|_| next()).collect();
            assert_eq!(dot_i8(&a, &b), dot_portable(&a, &b), "n = {n}");
            let lo = std::vec![-128i8; n];
            assert_eq!(dot_i8(&lo, &lo), 16384 * n as i32);
        }
    }
}
