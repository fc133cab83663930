//! The scalar type of a network and the fixed-size vectors built from it.

use core::fmt::{Debug, Display};
use core::iter::Sum;
use core::ops::{AddAssign, DivAssign, MulAssign, SubAssign};

use crate::kernels;
#[cfg(all(feature = "std", target_arch = "x86_64"))]
use crate::simd;

/// A floating-point scalar a network computes in: `f32` or `f64`.
///
/// It is [`num_traits::Float`] (so `exp`, `tanh`, `ln`... work without `std` too, through
/// libm when the `libm` feature is on) plus the operator and formatting traits that generic
/// numeric code needs. Its all-zero bytes are `0.0` ([`ZeroBits`](crate::heap::ZeroBits)), so
/// large networks can be allocated zeroed on the heap.
pub trait Float:
    num_traits::Float
    + num_traits::FloatConst
    + Debug
    + Display
    + Default
    + Send
    + Sync
    + 'static
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + Sum
    + crate::heap::ZeroBits
{
    /// The type's name as Rust spells it (`"f32"` or `"f64"`).
    const NAME: &'static str;

    /// Converts an `f64` constant, rounding to nearest (exact for `f64`).
    fn cast(value: f64) -> Self;

    /// Widens (or keeps) the value as an `f64`.
    fn as_f64(self) -> f64;

    /// The error function `erf(x) = (2/√π) ∫₀ˣ e^(−t²) dt`, computed in `f64` by this crate
    /// (no libm, same bits on every target; within 1 ulp, see `erf.rs`), then rounded.
    fn erf(self) -> Self {
        Self::cast(crate::erf::erf(self.as_f64()))
    }

    /// `eˣ` as activations and losses compute it: libm's for `f64`, the vectorisable
    /// [`fast::exp`](crate::fast::exp) (within a few ulps) for `f32`.
    #[inline]
    fn act_exp(self) -> Self {
        self.exp()
    }

    /// `tanh x` as the `tanh` activation computes it: libm's for `f64`, the vectorisable
    /// [`fast::tanh`](crate::fast::tanh) (within a few ulps) for `f32`.
    #[inline]
    fn act_tanh(self) -> Self {
        self.tanh()
    }

    /// `z[b·m + j] += Σᵢ x[b·n + i] · w[j·n + i]`: the forward product `Z += X·Wᵀ` of a batch
    /// of inputs `x` with a weight matrix `w` of `m` rows, all row-major with width `n`.
    /// `f32` uses SIMD kernels where the CPU has them; see [`kernels::gemm_nt`].
    #[inline(always)]
    fn gemm_nt(x: &[Self], w: &[Self], n: usize, z: &mut [Self]) {
        kernels::gemm_nt(x, w, n, z)
    }

    /// `c[r·n + i] += α · Σₖ a[r·a_row + k·a_col] · b[k·n + i]`: the axpy-row product behind
    /// `Wᵀδ`, `δ ⊗ x` and the SGD update. See [`kernels::gemm_acc`].
    #[inline(always)]
    fn gemm_acc(
        alpha: Self,
        a: &[Self],
        a_row: usize,
        a_col: usize,
        b: &[Self],
        n: usize,
        c: &mut [Self],
    ) {
        kernels::gemm_acc(alpha, a, a_row, a_col, b, n, c)
    }
}

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

impl Float for f32 {
    const NAME: &'static str = "f32";

    #[inline(always)]
    fn cast(value: f64) -> Self {
        value as f32
    }

    #[inline(always)]
    fn as_f64(self) -> f64 {
        self as f64
    }

    #[inline(always)]
    fn act_exp(self) -> f32 {
        crate::fast::exp(self)
    }

    #[inline(always)]
    fn act_tanh(self) -> f32 {
        crate::fast::tanh(self)
    }

    #[inline(always)]
    fn gemm_nt(x: &[f32], w: &[f32], n: usize, z: &mut [f32]) {
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        if n >= 16
            && x.len() / n * w.len() >= SIMD_MIN_WORK
            && (x.len() > n || w.len() >= SIMD_MIN_WORK_PER_SAMPLE)
            && simd::gemm_nt(simd::level(), x, w, n, z)
        {
            return;
        }
        kernels::gemm_nt(x, w, n, z)
    }

    #[inline(always)]
    fn gemm_acc(
        alpha: f32,
        a: &[f32],
        a_row: usize,
        a_col: usize,
        b: &[f32],
        n: usize,
        c: &mut [f32],
    ) {
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        if n >= 16
            && b.len() / n * c.len() >= SIMD_MIN_WORK
            && ((c.len() > n && b.len() > n) || b.len() / n * c.len() >= SIMD_MIN_WORK_PER_SAMPLE)
            && simd::gemm_acc(simd::level(), alpha, a, a_row, a_col, b, n, c)
        {
            return;
        }
        kernels::gemm_acc(alpha, a, a_row, a_col, b, n, c)
    }
}

impl Float for f64 {
    const NAME: &'static str = "f64";

    #[inline(always)]
    fn cast(value: f64) -> Self {
        value
    }

    #[inline(always)]
    fn as_f64(self) -> f64 {
        self
    }
}

/// A fixed-size vector of scalars: `[T; N]` for every `N`.
///
/// Generic code over any [`Network`](crate::Network) needs to make and index its input and
/// output arrays without knowing their lengths; `Default` stops at 32 elements, so this trait
/// supplies `zeroed` for every length.
pub trait Vector<T: Float>: Copy + Debug + PartialEq + AsRef<[T]> + AsMut<[T]> {
    /// Number of elements.
    const LEN: usize;

    /// A vector of zeros.
    fn zeroed() -> Self;
}

impl<T: Float, const N: usize> Vector<T> for [T; N] {
    const LEN: usize = N;

    #[inline(always)]
    fn zeroed() -> Self {
        [T::zero(); N]
    }
}
