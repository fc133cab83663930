//! The scalar type of a network and the fixed-size vectors built from it.
//!
//! The bottom of the crate: nothing here uses another module of it. `fast` and `erf` are
//! the scalar functions behind the `f32` activations and GELU.

use core::fmt::{Debug, Display};
use core::iter::Sum;
use core::ops::{AddAssign, DivAssign, MulAssign, SubAssign};

mod erf;
#[doc(hidden)]
pub mod fast;
pub mod zero_bits;

pub use zero_bits::ZeroBits;

/// A floating-point scalar a network computes in: `f32` or `f64`.
///
/// It is [`num_traits::Float`] (so `exp`, `tanh`, `ln`... work without `std` too, through
/// libm when the `libm` feature is on) plus the operator and formatting traits that generic
/// numeric code needs.
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
    + ZeroBits
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
        Self::cast(erf::erf(self.as_f64()))
    }

    /// `eˣ` as activations and losses compute it: libm's for `f64`, the vectorisable
    /// `fast::exp` (within a few ulps) for `f32`.
    #[inline]
    fn act_exp(self) -> Self {
        self.exp()
    }

    /// `tanh x` as the `tanh` activation computes it: libm's for `f64`, the vectorisable
    /// `fast::tanh` (within a few ulps) for `f32`.
    #[inline]
    fn act_tanh(self) -> Self {
        self.tanh()
    }

    /// `Some(s)` for `f32`, `None` otherwise: how the kernels find their `f32` SIMD versions
    /// without `unsafe`. An implementation detail of the kernels.
    #[doc(hidden)]
    #[inline(always)]
    fn as_f32s(s: &[Self]) -> Option<&[f32]> {
        let _ = s;
        None
    }

    /// The mutable form of [`as_f32s`](Self::as_f32s).
    #[doc(hidden)]
    #[inline(always)]
    fn as_f32s_mut(s: &mut [Self]) -> Option<&mut [f32]> {
        let _ = s;
        None
    }
}

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
        fast::exp(self)
    }

    #[inline(always)]
    fn act_tanh(self) -> f32 {
        fast::tanh(self)
    }

    #[inline(always)]
    fn as_f32s(s: &[f32]) -> Option<&[f32]> {
        Some(s)
    }

    #[inline(always)]
    fn as_f32s_mut(s: &mut [f32]) -> Option<&mut [f32]> {
        Some(s)
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
