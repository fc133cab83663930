//! The matrix kernels behind every layer, on row-major flat slices: an implementation detail
//! of the layers, public only so that benchmarks and tests can reach it.
//!
//! Layers call the named operations ([`add_xwt`], [`add_wt_delta`], [`add_outer`]); each is
//! one of two general kernels with `A`'s strides fixed. Those dispatch: `f32` on x86-64 with
//! `std` first tries the SIMD versions of [`simd`] when the CPU has AVX2+FMA or AVX-512 and
//! the product is large enough, and everything else runs the [`portable`] code.

#[cfg(all(feature = "std", target_arch = "x86_64"))]
pub mod act_simd;
pub mod dispatch;
pub mod int8;
#[cfg(all(feature = "std", target_arch = "x86_64"))]
mod lanes;
#[cfg(all(feature = "std", target_arch = "x86_64"))]
pub mod matvec_cols;
#[cfg(all(feature = "std", target_arch = "x86_64"))]
pub mod matvec_simd;
pub mod portable;
#[cfg(all(feature = "std", target_arch = "x86_64"))]
pub mod recurrent;
#[cfg(all(feature = "std", target_arch = "x86_64"))]
pub mod recurrent_cols;
#[cfg(all(feature = "std", target_arch = "x86_64"))]
pub mod simd;

pub use portable::dot;

use crate::scalar::Float;

/// Below this many multiply-adds (or rows narrower than 16) the portable code, fully unrolled
/// for compile-time sizes, beats a call into a SIMD kernel.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
const SIMD_MIN_WORK: usize = 512;

/// The bound for the products of one sample: `gemm_nt` with one input row (`W·x`), and
/// `gemm_acc` with one row or one `k` (`Wᵀδ`, and the SGD update `W −= lr·δ ⊗ x`). There the
/// portable code, inlined with compile-time sizes, measured faster than a call into the SIMD
/// kernels for layers up to this size: W2's 32 × 32 layer in a default build on a Zen 3, best
/// of 400 runs: `Wᵀδ` 71–84 ns vs 88 ns, update 110–150 ns vs 150–220 ns; `W·x` about even
/// alone (100–125 vs 95–140 ns) but faster within a whole training step.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
const SIMD_MIN_WORK_PER_SAMPLE: usize = 4096;

/// `z[s·m + j] += Σᵢ x[s·n + i] · w[j·n + i]`: the forward product `Z += X·Wᵀ` of a batch of
/// inputs `x` (rows of width `n`) with a weight matrix `w` of `m` rows of width `n`.
#[inline(always)]
pub fn add_xwt<T: Float>(x: &[T], w: &[T], n: usize, z: &mut [T]) {
    gemm_nt(x, w, n, z)
}

/// `c[s] += α · Wᵀ·δ[s]` for every row `s` of `delta` (width `m`) and of `c` (width `n`),
/// with `w` of `m` rows of width `n`: back-propagation through a weight matrix, walking `W` in
/// memory order (row-wise axpy `c += δⱼ · Wⱼ`).
#[inline(always)]
pub fn add_wt_delta<T: Float>(alpha: T, delta: &[T], m: usize, w: &[T], n: usize, c: &mut [T]) {
    gemm_acc(alpha, delta, m, 1, w, n, c)
}

/// `c += α · Σₛ δ[s] ⊗ x[s]` over the rows `s` of `delta` (width `m`) and `x` (width `n`),
/// into `c` of `m` rows of width `n`: a weight gradient, or with `α = −lr` the SGD update.
/// For one sample it computes `c += α·(δⱼ·x)`, so the update rounds exactly as `p −= lr·g`.
#[inline(always)]
pub fn add_outer<T: Float>(alpha: T, delta: &[T], m: usize, x: &[T], n: usize, c: &mut [T]) {
    gemm_acc(alpha, delta, 1, m, x, n, c)
}

/// `z[i] += Σⱼ x[j] · wt[j·m + i]` for one sample, `wt` holding `x.len()` columns of
/// `m = z.len()` weights each (a frozen layer's `[IN, OUT]` weights): one multiply-add of the
/// whole output vector per input, and no horizontal sum.
#[inline(always)]
pub fn add_cols<T: Float>(wt: &[T], x: &[T], z: &mut [T]) {
    let m = z.len();
    debug_assert_eq!(wt.len(), x.len() * m);
    for (col, &xj) in wt.chunks_exact(m).zip(x) {
        for (zi, &w) in z.iter_mut().zip(col) {
            *zi += w * xj;
        }
    }
}

/// [`portable::gemm_nt`], or its SIMD version for large enough `f32` products.
#[inline(always)]
pub fn gemm_nt<T: Float>(x: &[T], w: &[T], n: usize, z: &mut [T]) {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if n >= 16
        && x.len() / n * w.len() >= SIMD_MIN_WORK
        && (x.len() > n || w.len() >= SIMD_MIN_WORK_PER_SAMPLE)
        && let (Some(x), Some(w), Some(z)) = (T::as_f32s(x), T::as_f32s(w), T::as_f32s_mut(z))
        && simd::gemm_nt(simd::level(), x, w, n, z)
    {
        return;
    }
    portable::gemm_nt(x, w, n, z)
}

/// [`portable::gemm_acc`], or its SIMD version for large enough `f32` products.
#[inline(always)]
pub fn gemm_acc<T: Float>(
    alpha: T,
    a: &[T],
    a_row: usize,
    a_col: usize,
    b: &[T],
    n: usize,
    c: &mut [T],
) {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if n >= 16
        && b.len() / n * c.len() >= SIMD_MIN_WORK
        && ((c.len() > n && b.len() > n) || b.len() / n * c.len() >= SIMD_MIN_WORK_PER_SAMPLE)
        && let (Some(alpha), Some(a), Some(b), Some(c)) = (
            T::as_f32s(core::slice::from_ref(&alpha)),
            T::as_f32s(a),
            T::as_f32s(b),
            T::as_f32s_mut(c),
        )
        && simd::gemm_acc(simd::level(), alpha[0], a, a_row, a_col, b, n, c)
    {
        return;
    }
    portable::gemm_acc(alpha, a, a_row, a_col, b, n, c)
}

/// `a = tanh(z)` for `f32` layers through [`act_simd`] where the CPU allows; `false` (nothing
/// done) for other scalars and targets, and the caller runs the scalar loop.
#[inline(always)]
pub fn tanh_layer<T: Float>(z: &[T], a: &mut [T]) -> bool {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    // The width is a constant once inlined: narrow layers compile to the scalar loop alone.
    if z.len() >= act_simd::MIN_WIDTH
        && let (Some(z), Some(a)) = (T::as_f32s(z), T::as_f32s_mut(a))
    {
        return act_simd::tanh(z, a);
    }
    let _ = (z, a);
    false
}

/// `a = σ(z)` for `f32` layers, as [`tanh_layer`] does `tanh`.
#[inline(always)]
pub fn sigmoid_layer<T: Float>(z: &[T], a: &mut [T]) -> bool {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    // The width is a constant once inlined: narrow layers compile to the scalar loop alone.
    if z.len() >= act_simd::MIN_WIDTH
        && let (Some(z), Some(a)) = (T::as_f32s(z), T::as_f32s_mut(a))
    {
        return act_simd::sigmoid(z, a);
    }
    let _ = (z, a);
    false
}
