//! Model files: a network's architecture and parameters as bytes, checked on the way back in.
//!
//! [`to_bytes`] writes a network into a caller's buffer and [`from_bytes`] reads one back; both
//! work without `std` or an allocator. With the `std` feature, [`save`] writes a file atomically
//! and [`load`] / [`load_into`] read one. [`ModelFile`] offers all of them as methods on every
//! network.
//!
//! The format (version 1, every integer little-endian; `docs/model-format.md` has the full
//! specification and a Python reader):
//!
//! | bytes | field |
//! |---|---|
//! | 8 | magic `89 4E 4E 4D 0D 0A 1A 0A` (`\x89NNM\r\n\x1a\n`) |
//! | 4 | format version, `u32` = 1 |
//! | 8 | total length of the file in bytes, checksum included, `u64` |
//! | 1 + n | scalar type: `u8` length, then `"f32"` or `"f64"` in ASCII |
//! | 4 | number of layers, `u32` |
//! | per layer | name, kind, activation as strings (`u16` length + UTF-8) and inputs, outputs as `u32`: name, kind (`dense`, `gru`, `lstm`), inputs, outputs, activation (empty for `gru` and `lstm`) |
//! | 8 | number of parameters, `u64` |
//! | 4 or 8 each | the parameters in [`Parameters`](crate::Parameters) order (PyTorch's `state_dict` order: `weight`, `bias` of a dense layer, `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0` of a recurrent one), IEEE-754 little-endian |
//! | 4 | CRC-32 (IEEE 802.3, the one of zlib and PNG) of every byte before it, `u32` |
//!
//! Reading refuses, with a typed [`ModelError`] and without touching the network: a wrong
//! magic, another format version, a bad checksum, another scalar type, another architecture
//! (whatever the file's length; the error names the first layer that differs, as the file
//! holds it and as the network declares it), a length that disagrees with the buffer, and NaN
//! or infinite parameters. One header parser serves every reader, `const` [`verify`]
//! included.

pub use super::embed::{f32_rows_le, f32s_le, verify};
pub use super::error::{LayerDesc, ModelError, ShortStr};
#[cfg(feature = "std")]
pub use super::file::{FileError, load, load_into, save};
pub use super::format::{MAGIC, VERSION, crc32, encoded_len, from_bytes, params_offset, to_bytes};
use crate::float::Float;
use crate::network::Architecture;

/// Model files as methods of every network: `net.to_bytes(&mut buf)`, `net.save(path)`,
/// `Xor::load(path)`. Implemented for every [`Architecture`], dense and sequence networks alike.
pub trait ModelFile<T: Float>: Architecture<T> {
    /// Bytes of this network's model file; see [`encoded_len`].
    const ENCODED_LEN: usize = encoded_len::<T, Self>();

    /// [`to_bytes`]: writes the model into `buf`, returns the bytes written.
    fn to_bytes(&self, buf: &mut [u8]) -> Result<usize, ModelError> {
        to_bytes(self, buf)
    }

    /// [`from_bytes`]: reads a model into `self`, which is unchanged on an error.
    // In place rather than `-> Self`: on a microcontroller a second network may not fit, and
    // the name matches the free function.
    #[allow(clippy::wrong_self_convention)]
    fn from_bytes(&mut self, bytes: &[u8]) -> Result<(), ModelError> {
        from_bytes(self, bytes)
    }

    /// [`save`]: writes the model file at `path` atomically.
    #[cfg(feature = "std")]
    fn save<P: AsRef<std::path::Path>>(&self, path: P) -> Result<(), FileError> {
        save(self, path)
    }

    /// [`load`]: a network read from the model file at `path`.
    #[cfg(feature = "std")]
    fn load<P: AsRef<std::path::Path>>(path: P) -> Result<Self, FileError> {
        load(path)
    }

    /// [`load_into`]: reads the model file at `path` into `self`, unchanged on an error.
    #[cfg(feature = "std")]
    fn load_into<P: AsRef<std::path::Path>>(&mut self, path: P) -> Result<(), FileError> {
        load_into(self, path)
    }
}

impl<T: Float, N: Architecture<T>> ModelFile<T> for N {}
