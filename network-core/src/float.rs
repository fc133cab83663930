//! The scalar type of a network and the fixed-size vectors built from it.

use core::fmt::{Debug, Display};
use core::iter::Sum;
use core::ops::{AddAssign, DivAssign, MulAssign, SubAssign};

/// A floating-point scalar a network computes in: `f32` or `f64`.
///
/// It is [`num_traits::Float`] (so `exp`, `tanh`, `ln`... work without `std`, through `libm`)
/// plus the operator and formatting traits that generic numeric code needs.
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
{
    /// The type's name as Rust spells it (`"f32"` or `"f64"`).
    const NAME: &'static str;

    /// Converts an `f64` constant, rounding to nearest (exact for `f64`).
    fn cast(value: f64) -> Self;

    /// Widens (or keeps) the value as an `f64`.
    fn as_f64(self) -> f64;

    /// The error function `erf(x) = (2/√π) ∫₀ˣ e^(−t²) dt` (from `libm`, so also without
    /// `std`). The default goes through `f64`.
    fn erf(self) -> Self {
        Self::cast(libm::erf(self.as_f64()))
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
    fn erf(self) -> Self {
        libm::erff(self)
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
