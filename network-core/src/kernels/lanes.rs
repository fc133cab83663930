//! The vector operations the recurrent kernels ([`recurrent`](super::recurrent),
//! [`recurrent_cols`](super::recurrent_cols)) are written in, once per instruction set: a
//! kernel module imports one of these and is the same source for every width.
//!
//! The `unsafe` here: masked and unmasked vector loads and stores through raw pointers, whose
//! callers guarantee the lanes lie inside their slices. Every function has the features of
//! its module, so it inlines only into code compiled with them.
#![allow(unsafe_code)]

/// 16 lanes of AVX-512F.
pub(super) mod avx512 {
    use core::arch::x86_64::*;

    /// The vector.
    pub(in crate::kernels) type V = __m512;
    /// Lanes per vector.
    pub(in crate::kernels) const W: usize = 16;

    /// `v` unchanged, through an empty `asm!` block, as the 8-lane `pin`.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub(in crate::kernels) fn pin(mut v: V) -> V {
        // SAFETY: an empty block; the register is left as it was.
        unsafe {
            core::arch::asm!("/* {0} */", inout(zmm_reg) v, options(nomem, nostack, preserves_flags));
        }
        v
    }
    /// All lanes zero.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub(in crate::kernels) fn zero() -> V {
        _mm512_setzero_ps()
    }
    /// `v` in every lane.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub(in crate::kernels) fn splat(v: f32) -> V {
        _mm512_set1_ps(v)
    }
    /// `a + b`.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub(in crate::kernels) fn add(a: V, b: V) -> V {
        _mm512_add_ps(a, b)
    }
    /// `a − b`.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub(in crate::kernels) fn sub(a: V, b: V) -> V {
        _mm512_sub_ps(a, b)
    }
    /// `a·b`.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub(in crate::kernels) fn mul(a: V, b: V) -> V {
        _mm512_mul_ps(a, b)
    }
    /// `a·b + c`.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub(in crate::kernels) fn fma(a: V, b: V, c: V) -> V {
        _mm512_fmadd_ps(a, b, c)
    }
    /// Lane `l` of `v` in every lane.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub(in crate::kernels) fn lane(v: V, l: usize) -> V {
        _mm512_permutexvar_ps(_mm512_set1_epi32(l as i32), v)
    }
    /// The first `n ≤ 16` lanes at `p`, zero in the others.
    /// SAFETY (callers): those lanes are readable.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub(in crate::kernels) unsafe fn ld(p: *const f32, n: usize) -> V {
        if n >= W {
            // SAFETY: the caller's contract, n ≥ 16.
            unsafe { _mm512_loadu_ps(p) }
        } else {
            // SAFETY: the caller's contract; masked lanes are not read.
            unsafe { _mm512_maskz_loadu_ps(((1u32 << n) - 1) as __mmask16, p) }
        }
    }
    /// Stores the first `n ≤ 16` lanes of `v` at `p`.
    /// SAFETY (callers): those lanes are writable.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub(in crate::kernels) unsafe fn st(p: *mut f32, n: usize, v: V) {
        if n >= W {
            // SAFETY: the caller's contract, n ≥ 16.
            unsafe { _mm512_storeu_ps(p, v) }
        } else {
            // SAFETY: the caller's contract; masked lanes are not written.
            unsafe { _mm512_mask_storeu_ps(p, ((1u32 << n) - 1) as __mmask16, v) }
        }
    }
}

/// The 8-lane operations for the features `$feature`.
macro_rules! lanes8 {
    ($feature:literal) => {
        use core::arch::x86_64::*;

        /// The vector.
        pub(in crate::kernels) type V = __m256;
        /// Lanes per vector.
        pub(in crate::kernels) const W: usize = 8;

        /// All lanes zero.
        #[target_feature(enable = $feature)]
        #[inline]
        pub(in crate::kernels) fn zero() -> V {
            _mm256_setzero_ps()
        }
        /// `v` in every lane.
        #[target_feature(enable = $feature)]
        #[inline]
        pub(in crate::kernels) fn splat(v: f32) -> V {
            _mm256_set1_ps(v)
        }
        /// `a + b`.
        #[target_feature(enable = $feature)]
        #[inline]
        pub(in crate::kernels) fn add(a: V, b: V) -> V {
            _mm256_add_ps(a, b)
        }
        /// `a − b`.
        #[target_feature(enable = $feature)]
        #[inline]
        pub(in crate::kernels) fn sub(a: V, b: V) -> V {
            _mm256_sub_ps(a, b)
        }
        /// `a·b`.
        #[target_feature(enable = $feature)]
        #[inline]
        pub(in crate::kernels) fn mul(a: V, b: V) -> V {
            _mm256_mul_ps(a, b)
        }
        /// `a·b + c`.
        #[target_feature(enable = $feature)]
        #[inline]
        pub(in crate::kernels) fn fma(a: V, b: V, c: V) -> V {
            _mm256_fmadd_ps(a, b, c)
        }
        /// Lane `l` of `v` in every lane.
        #[target_feature(enable = $feature)]
        #[inline]
        pub(in crate::kernels) fn lane(v: V, l: usize) -> V {
            _mm256_permutevar8x32_ps(v, _mm256_set1_epi32(l as i32))
        }
        /// All bits set in the first `n < 8` lanes.
        #[target_feature(enable = $feature)]
        #[inline]
        pub(in crate::kernels) fn mask(n: usize) -> __m256i {
            _mm256_cmpgt_epi32(
                _mm256_set1_epi32(n as i32),
                _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
            )
        }
        /// The first `n ≤ 8` lanes at `p`, zero in the others.
        /// SAFETY (callers): those lanes are readable.
        #[target_feature(enable = $feature)]
        #[inline]
        pub(in crate::kernels) unsafe fn ld(p: *const f32, n: usize) -> V {
            if n >= W {
                // SAFETY: the caller's contract, n ≥ 8.
                unsafe { _mm256_loadu_ps(p) }
            } else {
                // SAFETY: the caller's contract; masked lanes are not read.
                unsafe { _mm256_maskload_ps(p, mask(n)) }
            }
        }
        /// `v` unchanged, through an empty `asm!` block: such blocks keep their order, so
        /// accumulators passed through one after each column of a product keep its
        /// multiply-adds in the order written, column by column (LLVM may otherwise reorder
        /// them into one long chain per accumulator, one after the other).
        #[target_feature(enable = $feature)]
        #[inline]
        pub(in crate::kernels) fn pin(mut v: V) -> V {
            // SAFETY: an empty block; the register is left as it was.
            unsafe {
                core::arch::asm!("/* {0} */", inout(ymm_reg) v, options(nomem, nostack, preserves_flags));
            }
            v
        }
        /// Stores the first `n ≤ 8` lanes of `v` at `p`.
        /// SAFETY (callers): those lanes are writable.
        #[target_feature(enable = $feature)]
        #[inline]
        pub(in crate::kernels) unsafe fn st(p: *mut f32, n: usize, v: V) {
            if n >= W {
                // SAFETY: the caller's contract, n ≥ 8.
                unsafe { _mm256_storeu_ps(p, v) }
            } else {
                // SAFETY: the caller's contract; masked lanes are not written.
                unsafe { _mm256_maskstore_ps(p, mask(n), v) }
            }
        }
    };
}

/// 8 lanes of AVX2 with FMA (16 registers).
pub(super) mod avx2 {
    lanes8!("avx2,fma");
}

/// 8 lanes of AVX2 with FMA, compiled with AVX-512VL (32 registers, masks for the tails).
pub(super) mod avx2vl {
    lanes8!("avx2,fma,avx512f,avx512vl");
}
