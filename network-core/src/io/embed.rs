//! Model files baked into a program with `include_bytes!`: checked and decoded at compile time.

use super::format::check_header;
use crate::float::Float;
use crate::network::Architecture;

/// Decodes `N` little-endian `f32`s starting at byte `at`, at compile time if wanted: with
/// [`params_offset`](super::model::params_offset) it turns a model file baked in with
/// `include_bytes!` into the arrays of a `const` network. It does not check the file (use
/// [`verify`] in a `const` assertion for that), and panics (a compile error in `const`
/// context) if the bytes run out.
pub const fn f32s_le<const N: usize>(bytes: &[u8], at: usize) -> [f32; N] {
    let mut out = [0.0f32; N];
    let mut i = 0;
    while i < N {
        let j = at + 4 * i;
        out[i] = f32::from_le_bytes([bytes[j], bytes[j + 1], bytes[j + 2], bytes[j + 3]]);
        i += 1;
    }
    out
}

/// Decodes an `R × C` row-major matrix of little-endian `f32`s starting at byte `at` (a
/// [`Dense`](crate::Dense) weight), like [`f32s_le`].
pub const fn f32_rows_le<const C: usize, const R: usize>(bytes: &[u8], at: usize) -> [[f32; C]; R] {
    let mut out = [[0.0f32; C]; R];
    let mut r = 0;
    while r < R {
        out[r] = f32s_le::<C>(bytes, at + 4 * C * r);
        r += 1;
    }
    out
}

/// Whether `bytes` is a well-formed model file of network `N` with scalar `T`: the same checks
/// as [`from_bytes`](super::model::from_bytes), by the same parser, except the finiteness of
/// parameters, as a `const fn`, so that `const _: () = assert!(verify::<f32, Xor>(MODEL));`
/// rejects a wrong or corrupt baked-in model at compile time.
pub const fn verify<T: Float, N: Architecture<T>>(bytes: &[u8]) -> bool {
    check_header::<T, N>(bytes).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f32s_le_decodes_little_endian() {
        let mut b = [0u8; 9];
        b[1..5].copy_from_slice(&1.5f32.to_le_bytes());
        b[5..9].copy_from_slice(&(-2.0f32).to_le_bytes());
        assert_eq!(f32s_le::<2>(&b, 1), [1.5, -2.0]);
        assert_eq!(f32_rows_le::<1, 2>(&b, 1), [[1.5], [-2.0]]);
    }
}
