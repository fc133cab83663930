//! [`ZeroBits`]: the types whose all-zero bytes are a valid value, and [`zeroed_box`], which
//! allocates one on the heap without building it anywhere else first. Here, beside the scalar
//! types, so that [`Float`](super::Float) can require it; the impls for layers, optimizers and
//! generated networks are in [`heap`](crate::heap).
//!
//! `unsafe` is allowed in this module for one thing: taking a zero-filled allocation as a
//! value, which [`ZeroBits`] proves valid.
#![allow(unsafe_code)]

#[cfg(feature = "std")]
use std::boxed::Box;

/// Types for which a value whose bytes are all zero is valid, so that [`zeroed_box`] can make
/// one on the heap without building it anywhere else first.
///
/// Implemented for `f32`, `f64`, `u32`, `bool`, arrays of such types, the layers, their
/// gradients, the activations, the optimizers, and every network and gradient type that
/// `network!` generates.
///
/// # Safety
///
/// All-zero bytes must be a valid value of the type: no references, no `NonZero` integers, no
/// enums without a variant of discriminant 0. For a struct it is enough that every field is
/// `ZeroBits` (padding bytes may hold anything).
pub unsafe trait ZeroBits: Sized {}

// SAFETY: zero bytes are 0.0 for floats, 0 for integers and `false` for `bool`.
unsafe impl ZeroBits for f32 {}
// SAFETY: as above.
unsafe impl ZeroBits for f64 {}
// SAFETY: as above.
unsafe impl ZeroBits for u32 {}
// SAFETY: as above.
unsafe impl ZeroBits for bool {}
// SAFETY: an array is its elements, each all-zero valid.
unsafe impl<Z: ZeroBits, const N: usize> ZeroBits for [Z; N] {}

/// Compiles only for a `ZeroBits` type: the field checks of `ZeroBits` impls call it.
#[doc(hidden)]
#[inline(always)]
pub fn is_zero_bits<Z: ZeroBits>(_: &Z) {}

/// A value of all-zero bytes, allocated on the heap and never on the stack, whatever the
/// optimisation level. For a network or gradient type that is all-zero parameters; for an
/// optimizer, zero settings and zero state.
#[cfg(feature = "std")]
pub fn zeroed_box<Z: ZeroBits>() -> Box<Z> {
    let layout = core::alloc::Layout::new::<Z>();
    // No `Z` by value anywhere in this function: an unoptimised build reserves stack for every
    // local, even one on a branch not taken.
    if layout.size() == 0 {
        // SAFETY: a dangling, aligned, non-null pointer is a valid `Box` of a zero-sized type
        // (no allocation), and its value, with no bytes, is valid since `Z: ZeroBits`.
        return unsafe { Box::from_raw(core::ptr::NonNull::<Z>::dangling().as_ptr()) };
    }
    // SAFETY: the layout has a non-zero size.
    let ptr = unsafe { std::alloc::alloc_zeroed(layout) }.cast::<Z>();
    if ptr.is_null() {
        std::alloc::handle_alloc_error(layout);
    }
    // SAFETY: `ptr` comes from the global allocator with `Z`'s layout, as `Box` requires, and
    // its bytes are zero, a valid `Z` since `Z: ZeroBits`.
    unsafe { Box::from_raw(ptr) }
}
