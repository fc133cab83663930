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
//! | per layer | name, kind, activation as strings (`u16` length + UTF-8) and inputs, outputs as `u32`: name, kind, inputs, outputs, activation |
//! | 8 | number of parameters, `u64` |
//! | 4 or 8 each | the parameters in [`Parameters`] order (PyTorch's `state_dict` order), IEEE-754 little-endian |
//! | 4 | CRC-32 (IEEE 802.3, the one of zlib and PNG) of every byte before it, `u32` |
//!
//! Reading refuses, with a typed [`ModelError`] and without touching the network: a wrong
//! magic, another format version, a length that disagrees with the buffer, a bad checksum,
//! another scalar type, another architecture, and NaN or infinite parameters.

use core::fmt;

use crate::float::Float;
use crate::network::Network;
use crate::params::Parameters;

/// The first eight bytes of every model file. The high first byte and the `\r\n`/`\x1a`
/// pair catch 7-bit and text-mode transfers that would corrupt the file, as in PNG.
pub const MAGIC: [u8; 8] = *b"\x89NNM\r\n\x1a\n";

/// The format version this crate writes, and the only one it reads.
pub const VERSION: u32 = 1;

/// Bytes before the variable part: magic, version, total length.
const FIXED_HEADER: usize = 8 + 4 + 8;

/// Bytes of the trailing checksum.
const CHECKSUM_LEN: usize = 4;

/// Why a model could not be written or read. Whenever one is returned, the network (for a
/// read) and the bytes past what was reported (for a write) are unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ModelError {
    /// The output buffer cannot hold the model.
    BufferTooSmall {
        /// Bytes the model needs ([`encoded_len`]).
        needed: usize,
        /// Bytes the buffer has.
        available: usize,
    },
    /// The bytes do not start with [`MAGIC`]: not a model file.
    BadMagic,
    /// The file has a format version this crate cannot read.
    UnsupportedVersion {
        /// The version in the file.
        found: u32,
    },
    /// The bytes end before the model does (a truncated file).
    Truncated {
        /// Bytes the model needs.
        needed: u64,
        /// Bytes present.
        found: usize,
    },
    /// There are bytes past the end of the model.
    TrailingBytes {
        /// Bytes the model has.
        expected: u64,
        /// Bytes present.
        found: usize,
    },
    /// The stored checksum does not match the contents: the file is corrupt.
    Checksum {
        /// The CRC-32 in the file.
        stored: u32,
        /// The CRC-32 of the contents.
        computed: u32,
    },
    /// The model's scalar type is not the network's.
    ScalarType {
        /// The network's scalar type.
        expected: &'static str,
        /// The file's: `"f32"`, `"f64"`, or `"?"` for anything else.
        found: &'static str,
    },
    /// The model has another number of layers than the network.
    LayerCount {
        /// The network's layers.
        expected: usize,
        /// The file's layers.
        found: u64,
    },
    /// Layer `index` (from 0) differs from the network's in name, kind, widths or activation.
    Layer {
        /// The first layer that differs.
        index: usize,
    },
    /// The model's parameter count is not the network's.
    ParamCount {
        /// The network's `PARAMS`.
        expected: usize,
        /// The file's count.
        found: u64,
    },
    /// The structure inside the header is inconsistent (a string or count runs past the
    /// declared length, or a string is not UTF-8).
    Malformed,
    /// Parameter `index` (in flat order) is NaN or infinite; such a model is refused both ways.
    NonFinite {
        /// The first such parameter.
        index: usize,
    },
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ModelError::BufferTooSmall { needed, available } => write!(
                f,
                "the model needs {needed} bytes but the buffer has {available}"
            ),
            ModelError::BadMagic => f.write_str("not a model file (wrong magic number)"),
            ModelError::UnsupportedVersion { found } => write!(
                f,
                "model format version {found} is not supported (this crate reads version {VERSION})"
            ),
            ModelError::Truncated { needed, found } => {
                write!(f, "model is truncated: {found} bytes of {needed}")
            }
            ModelError::TrailingBytes { expected, found } => {
                write!(f, "model has {found} bytes but declares {expected}")
            }
            ModelError::Checksum { stored, computed } => write!(
                f,
                "model is corrupt: checksum {computed:08x} does not match the stored {stored:08x}"
            ),
            ModelError::ScalarType { expected, found } => write!(
                f,
                "model holds {found} parameters but the network computes in {expected}"
            ),
            ModelError::LayerCount { expected, found } => {
                write!(f, "model has {found} layers but the network has {expected}")
            }
            ModelError::Layer { index } => write!(
                f,
                "layer {index} of the model differs from the network's (name, kind, widths or activation)"
            ),
            ModelError::ParamCount { expected, found } => write!(
                f,
                "model has {found} parameters but the network has {expected}"
            ),
            ModelError::Malformed => f.write_str("model header is malformed"),
            ModelError::NonFinite { index } => {
                write!(f, "parameter {index} is NaN or infinite")
            }
        }
    }
}

impl core::error::Error for ModelError {}

/// The CRC-32 lookup table of the reflected IEEE polynomial `0xEDB88320`, built at compile time.
const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// CRC-32 (IEEE 802.3; what zlib's `crc32`, PNG and gzip compute) of `bytes`:
/// reflected polynomial `0xEDB88320`, initial value and final XOR `0xFFFFFFFF`.
/// `crc32(b"123456789") == 0xCBF43926`.
pub const fn crc32(bytes: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    let mut i = 0;
    while i < bytes.len() {
        c = CRC_TABLE[((c ^ bytes[i] as u32) & 0xFF) as usize] ^ (c >> 8);
        i += 1;
    }
    c ^ 0xFFFF_FFFF
}

/// Bytes of the header up to the first parameter: where the parameters start in a model of
/// network `N` with scalar `T`.
pub const fn params_offset<T: Float, N: Network<T>>() -> usize {
    let mut n = FIXED_HEADER + 1 + T::NAME.len() + 4;
    let mut i = 0;
    while i < N::LAYOUT.len() {
        let l = &N::LAYOUT[i];
        n += 2 + l.name.len() + 2 + l.kind.len() + 4 + 4 + 2 + l.activation.len();
        i += 1;
    }
    n + 8
}

/// Bytes of the model file of network `N` with scalar `T`: use it to size the buffer of
/// [`to_bytes`], e.g. `[0u8; encoded_len::<f32, Xor>()]`.
pub const fn encoded_len<T: Float, N: Network<T>>() -> usize {
    params_offset::<T, N>() + N::PARAMS * core::mem::size_of::<T>() + CHECKSUM_LEN
}

/// Appends to a byte slice; the caller has checked that everything fits.
struct Writer<'a> {
    buf: &'a mut [u8],
    at: usize,
}

impl Writer<'_> {
    fn bytes(&mut self, b: &[u8]) {
        self.buf[self.at..self.at + b.len()].copy_from_slice(b);
        self.at += b.len();
    }

    fn str16(&mut self, s: &str) {
        // The macro's identifiers and activation names are far below 64 KiB.
        self.bytes(&(s.len() as u16).to_le_bytes());
        self.bytes(s.as_bytes());
    }
}

/// Reads from a byte slice; every read that would run past the end is `Malformed`.
struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ModelError> {
        let end = self.at.checked_add(n).ok_or(ModelError::Malformed)?;
        let s = self.buf.get(self.at..end).ok_or(ModelError::Malformed)?;
        self.at = end;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], ModelError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn u16(&mut self) -> Result<u16, ModelError> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, ModelError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, ModelError> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    fn str16(&mut self) -> Result<&'a str, ModelError> {
        let n = self.u16()? as usize;
        core::str::from_utf8(self.take(n)?).map_err(|_| ModelError::Malformed)
    }
}

/// Encodes one scalar little-endian into `out` (4 or 8 bytes, `T`'s width).
fn put_scalar<T: Float>(v: T, out: &mut [u8]) {
    // `T` is `f32` or `f64`; going through `f64` is exact for both.
    if core::mem::size_of::<T>() == 4 {
        out.copy_from_slice(&(v.as_f64() as f32).to_le_bytes());
    } else {
        out.copy_from_slice(&v.as_f64().to_le_bytes());
    }
}

/// Decodes one little-endian scalar of `T`'s width.
fn get_scalar<T: Float>(b: &[u8]) -> T {
    if core::mem::size_of::<T>() == 4 {
        let mut a = [0u8; 4];
        a.copy_from_slice(b);
        T::cast(f32::from_le_bytes(a) as f64)
    } else {
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        T::cast(f64::from_le_bytes(a))
    }
}

/// Writes `net` as a model file into the start of `buf` and returns the number of bytes
/// written, [`encoded_len`]. No allocation. A buffer that is too small, or a network with a NaN
/// or infinite parameter (which could never be loaded back), is an error and nothing is
/// written.
pub fn to_bytes<T: Float, N: Network<T>>(net: &N, buf: &mut [u8]) -> Result<usize, ModelError> {
    let len = encoded_len::<T, N>();
    if buf.len() < len {
        return Err(ModelError::BufferTooSmall {
            needed: len,
            available: buf.len(),
        });
    }
    if let Some(index) = first_non_finite(net) {
        return Err(ModelError::NonFinite { index });
    }
    let mut w = Writer { buf, at: 0 };
    w.bytes(&MAGIC);
    w.bytes(&VERSION.to_le_bytes());
    w.bytes(&(len as u64).to_le_bytes());
    w.bytes(&[T::NAME.len() as u8]);
    w.bytes(T::NAME.as_bytes());
    w.bytes(&(N::LAYOUT.len() as u32).to_le_bytes());
    for l in N::LAYOUT {
        w.str16(l.name);
        w.str16(l.kind);
        w.bytes(&(l.inputs as u32).to_le_bytes());
        w.bytes(&(l.outputs as u32).to_le_bytes());
        w.str16(l.activation);
    }
    w.bytes(&(N::PARAMS as u64).to_le_bytes());
    let size = core::mem::size_of::<T>();
    for i in 0..N::TENSORS {
        for &p in net.tensor(i) {
            put_scalar(p, &mut w.buf[w.at..w.at + size]);
            w.at += size;
        }
    }
    let crc = crc32(&w.buf[..w.at]);
    w.bytes(&crc.to_le_bytes());
    debug_assert_eq!(w.at, len);
    Ok(len)
}

/// The flat index of the first NaN or infinite parameter, if any.
fn first_non_finite<T: Float, N: Parameters<T>>(net: &N) -> Option<usize> {
    let mut index = 0;
    for i in 0..N::TENSORS {
        for p in net.tensor(i) {
            if !p.is_finite() {
                return Some(index);
            }
            index += 1;
        }
    }
    None
}

/// Checks `bytes` as a model of network `N` and returns where its parameters start. Touches
/// nothing: every check runs before a single parameter is written.
fn check<T: Float, N: Network<T>>(bytes: &[u8]) -> Result<usize, ModelError> {
    // Magic, version and length come first, so that a truncated or foreign file is reported
    // as such and the checksum is found where the writer put it.
    if bytes.len() < MAGIC.len() || bytes[..MAGIC.len()] != MAGIC {
        return Err(ModelError::BadMagic);
    }
    if bytes.len() < FIXED_HEADER {
        return Err(ModelError::Truncated {
            needed: FIXED_HEADER as u64,
            found: bytes.len(),
        });
    }
    let mut r = Reader {
        buf: bytes,
        at: MAGIC.len(),
    };
    let version = r.u32()?;
    if version != VERSION {
        return Err(ModelError::UnsupportedVersion { found: version });
    }
    let total = r.u64()?;
    if total < (FIXED_HEADER + CHECKSUM_LEN) as u64 {
        return Err(ModelError::Malformed);
    }
    if (bytes.len() as u64) < total {
        return Err(ModelError::Truncated {
            needed: total,
            found: bytes.len(),
        });
    }
    if (bytes.len() as u64) > total {
        return Err(ModelError::TrailingBytes {
            expected: total,
            found: bytes.len(),
        });
    }
    // From here `total == bytes.len()`, so it fits a usize.
    let body = bytes.len() - CHECKSUM_LEN;
    let mut stored = [0u8; 4];
    stored.copy_from_slice(&bytes[body..]);
    let stored = u32::from_le_bytes(stored);
    let computed = crc32(&bytes[..body]);
    if stored != computed {
        return Err(ModelError::Checksum { stored, computed });
    }

    // The contents are what the writer wrote; now they must describe this network.
    let mut r = Reader {
        buf: &bytes[..body],
        at: FIXED_HEADER,
    };
    let n = r.array::<1>()?[0] as usize;
    let scalar = r.take(n)?;
    if scalar != T::NAME.as_bytes() {
        let found = match scalar {
            b"f32" => "f32",
            b"f64" => "f64",
            _ => "?",
        };
        return Err(ModelError::ScalarType {
            expected: T::NAME,
            found,
        });
    }
    let layers = r.u32()? as u64;
    if layers != N::LAYOUT.len() as u64 {
        return Err(ModelError::LayerCount {
            expected: N::LAYOUT.len(),
            found: layers,
        });
    }
    for (index, l) in N::LAYOUT.iter().enumerate() {
        let name = r.str16()?;
        let kind = r.str16()?;
        let inputs = r.u32()? as u64;
        let outputs = r.u32()? as u64;
        let activation = r.str16()?;
        if name != l.name
            || kind != l.kind
            || inputs != l.inputs as u64
            || outputs != l.outputs as u64
            || activation != l.activation
        {
            return Err(ModelError::Layer { index });
        }
    }
    let params = r.u64()?;
    if params != N::PARAMS as u64 {
        return Err(ModelError::ParamCount {
            expected: N::PARAMS,
            found: params,
        });
    }
    let start = r.at;
    let size = core::mem::size_of::<T>();
    let data = r.take(N::PARAMS * size)?;
    if r.at != body {
        return Err(ModelError::Malformed);
    }
    for (index, b) in data.chunks_exact(size).enumerate() {
        if !get_scalar::<T>(b).is_finite() {
            return Err(ModelError::NonFinite { index });
        }
    }
    Ok(start)
}

/// Reads a model file written by [`to_bytes`] (or [`save`]) into `net`. No allocation. Every
/// check (magic, version, length, checksum, scalar type, architecture, finite parameters) runs
/// before the first parameter is written, so on an error `net` is unchanged.
pub fn from_bytes<T: Float, N: Network<T>>(net: &mut N, bytes: &[u8]) -> Result<(), ModelError> {
    let start = check::<T, N>(bytes)?;
    let size = core::mem::size_of::<T>();
    let mut chunks = bytes[start..].chunks_exact(size);
    for i in 0..N::TENSORS {
        for (p, b) in net.tensor_mut(i).iter_mut().zip(&mut chunks) {
            *p = get_scalar(b);
        }
    }
    Ok(())
}

/// Decodes `N` little-endian `f32`s starting at byte `at`, at compile time if wanted: with
/// [`params_offset`] it turns a model file baked in with `include_bytes!` into the arrays of a
/// `const` network. It does not check the file (use [`verify`] in a `const` assertion for
/// that), and panics (a compile error in `const` context) if the bytes run out.
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
/// as [`from_bytes`] except the finiteness of parameters, as a `const fn`, so that
/// `const _: () = assert!(verify::<f32, Xor>(MODEL));` rejects a wrong or corrupt baked-in
/// model at compile time.
pub const fn verify<T: Float, N: Network<T>>(bytes: &[u8]) -> bool {
    if bytes.len() != encoded_len::<T, N>() || bytes.len() < FIXED_HEADER + CHECKSUM_LEN {
        return false;
    }
    if !bytes_eq(bytes, 0, &MAGIC) || !bytes_eq(bytes, 8, &VERSION.to_le_bytes()) {
        return false;
    }
    if !bytes_eq(bytes, 12, &(bytes.len() as u64).to_le_bytes()) {
        return false;
    }
    let body = bytes.len() - CHECKSUM_LEN;
    let (head, _) = bytes.split_at(body);
    let crc = crc32(head).to_le_bytes();
    if !bytes_eq(bytes, body, &crc) {
        return false;
    }
    let mut at = FIXED_HEADER;
    if bytes[at] as usize != T::NAME.len() || !bytes_eq(bytes, at + 1, T::NAME.as_bytes()) {
        return false;
    }
    at += 1 + T::NAME.len();
    if !bytes_eq(bytes, at, &(N::LAYOUT.len() as u32).to_le_bytes()) {
        return false;
    }
    at += 4;
    let mut i = 0;
    while i < N::LAYOUT.len() {
        let l = &N::LAYOUT[i];
        if !str_eq(bytes, &mut at, l.name) || !str_eq(bytes, &mut at, l.kind) {
            return false;
        }
        if !bytes_eq(bytes, at, &(l.inputs as u32).to_le_bytes())
            || !bytes_eq(bytes, at + 4, &(l.outputs as u32).to_le_bytes())
        {
            return false;
        }
        at += 8;
        if !str_eq(bytes, &mut at, l.activation) {
            return false;
        }
        i += 1;
    }
    bytes_eq(bytes, at, &(N::PARAMS as u64).to_le_bytes())
}

/// `bytes[at..at + want.len()] == want`, in `const` context.
const fn bytes_eq(bytes: &[u8], at: usize, want: &[u8]) -> bool {
    if at + want.len() > bytes.len() {
        return false;
    }
    let mut i = 0;
    while i < want.len() {
        if bytes[at + i] != want[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether a `u16`-length-prefixed string at `*at` is `want`; advances `*at` past it.
const fn str_eq(bytes: &[u8], at: &mut usize, want: &str) -> bool {
    if !bytes_eq(bytes, *at, &(want.len() as u16).to_le_bytes()) {
        return false;
    }
    let ok = bytes_eq(bytes, *at + 2, want.as_bytes());
    *at += 2 + want.len();
    ok
}

/// Model files as methods of every network: `net.to_bytes(&mut buf)`, `net.save(path)`,
/// `Xor::load(path)`. Implemented for every [`Network`].
pub trait ModelFile<T: Float>: Network<T> {
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

impl<T: Float, N: Network<T>> ModelFile<T> for N {}

#[cfg(feature = "safetensors")]
pub(crate) use self::file::write_atomic;
#[cfg(feature = "std")]
pub use self::file::{FileError, load, load_into, save};

#[cfg(feature = "std")]
mod file {
    use std::fs::{self, File, OpenOptions};
    use std::io::{self, Read, Write};
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::{format, vec};

    use super::{ModelError, encoded_len, from_bytes, to_bytes};
    use crate::float::Float;
    use crate::network::Network;

    /// Why [`save`] or [`load`] failed.
    #[derive(Debug)]
    #[non_exhaustive]
    pub enum FileError {
        /// The file system refused: the file is missing, the disk is full, ...
        Io(io::Error),
        /// The bytes are not a model of this network (or the network cannot be saved).
        Model(ModelError),
    }

    impl std::fmt::Display for FileError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            match self {
                FileError::Io(e) => write!(f, "model file: {e}"),
                FileError::Model(e) => write!(f, "model file: {e}"),
            }
        }
    }

    impl std::error::Error for FileError {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            match self {
                FileError::Io(e) => Some(e),
                FileError::Model(e) => Some(e),
            }
        }
    }

    impl From<io::Error> for FileError {
        fn from(e: io::Error) -> Self {
            FileError::Io(e)
        }
    }

    impl From<ModelError> for FileError {
        fn from(e: ModelError) -> Self {
            FileError::Model(e)
        }
    }

    /// Writes `net`'s model file at `path`, atomically: the bytes go to a new temporary file
    /// in the same folder, which is flushed to disk (`fsync`) and then renamed over `path`, and
    /// the folder is synced so the rename itself is durable. A crash, a full disk or any error
    /// leaves the previous file at `path`, if any, intact, and removes the temporary file.
    pub fn save<T: Float, N: Network<T>, P: AsRef<Path>>(
        net: &N,
        path: P,
    ) -> Result<(), FileError> {
        let mut bytes = vec![0u8; encoded_len::<T, N>()];
        to_bytes(net, &mut bytes)?;
        write_atomic(path.as_ref(), &bytes, |f, b| f.write_all(b))
    }

    /// Distinguishes temporary files of concurrent saves within one process.
    static COUNTER: AtomicU64 = AtomicU64::new(0);

    /// The atomic write behind [`save`], with the step that writes the contents injectable so
    /// that tests can fail it part-way.
    pub(crate) fn write_atomic(
        path: &Path,
        bytes: &[u8],
        write: impl FnOnce(&mut File, &[u8]) -> io::Result<()>,
    ) -> Result<(), FileError> {
        let name = path.file_name().ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "model path has no file name")
        })?;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(
            ".{}.{}.tmp",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let tmp = dir.join(tmp_name);
        let file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        // The closure owns the file, so it is closed before the rename.
        let written = (move || {
            let mut file = file;
            write(&mut file, bytes)?;
            file.sync_all()
        })()
        .and_then(|()| fs::rename(&tmp, path));
        if let Err(e) = written {
            // The temporary file is garbage now; the original was never touched.
            let _ = fs::remove_file(&tmp);
            return Err(e.into());
        }
        // Make the rename durable. Opening a folder to sync it only works on Unix.
        #[cfg(unix)]
        File::open(&dir)?.sync_all()?;
        Ok(())
    }

    /// Reads the model file at `path` into a new network (of all-zero parameters before the
    /// read). Errors as [`from_bytes`], or the file system's.
    pub fn load<T: Float, N: Network<T>, P: AsRef<Path>>(path: P) -> Result<N, FileError> {
        let mut net = N::zeroed();
        load_into(&mut net, path)?;
        Ok(net)
    }

    /// Reads the model file at `path` into `net`; on any error `net` is unchanged.
    pub fn load_into<T: Float, N: Network<T>, P: AsRef<Path>>(
        net: &mut N,
        path: P,
    ) -> Result<(), FileError> {
        let want = encoded_len::<T, N>();
        let mut bytes = vec::Vec::with_capacity(want + 1);
        // Read one byte more than a model can have, so a huge file is refused without
        // reading it all.
        File::open(path)?
            .take(want as u64 + 1)
            .read_to_end(&mut bytes)?;
        from_bytes(net, &bytes)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(
            crc32(b"The quick brown fox jumps over the lazy dog"),
            0x414F_A339
        );
    }

    #[test]
    fn f32s_le_decodes_little_endian() {
        let mut b = [0u8; 9];
        b[1..5].copy_from_slice(&1.5f32.to_le_bytes());
        b[5..9].copy_from_slice(&(-2.0f32).to_le_bytes());
        assert_eq!(f32s_le::<2>(&b, 1), [1.5, -2.0]);
        assert_eq!(f32_rows_le::<1, 2>(&b, 1), [[1.5], [-2.0]]);
    }

    #[cfg(feature = "std")]
    mod files {
        use super::super::file::write_atomic;
        use std::io::{self, Write};
        use std::{fs, vec::Vec};

        fn dir(name: &str) -> std::path::PathBuf {
            let d = std::env::temp_dir().join(std::format!(
                "network-core-atomic-{}-{name}",
                std::process::id()
            ));
            let _ = fs::remove_dir_all(&d);
            fs::create_dir_all(&d).unwrap();
            d
        }

        fn listing(d: &std::path::Path) -> Vec<std::ffi::OsString> {
            let mut v: Vec<_> = fs::read_dir(d)
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            v.sort();
            v
        }

        #[test]
        fn a_write_failing_part_way_keeps_the_old_file() {
            let d = dir("partial");
            let path = d.join("m.model");
            fs::write(&path, b"the good old model").unwrap();
            let new = [7u8; 1000];
            // Writes half, then fails as a full disk would.
            let err = write_atomic(&path, &new, |f, b| {
                f.write_all(&b[..b.len() / 2])?;
                Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"))
            })
            .unwrap_err();
            assert!(std::format!("{err}").contains("disk full"));
            assert_eq!(fs::read(&path).unwrap(), b"the good old model");
            assert_eq!(
                listing(&d),
                ["m.model"],
                "the temporary file was left behind"
            );
            fs::remove_dir_all(&d).unwrap();
        }

        #[test]
        fn a_successful_write_replaces_the_file_whole() {
            let d = dir("whole");
            let path = d.join("m.model");
            fs::write(&path, b"old").unwrap();
            write_atomic(&path, b"new contents", |f, b| f.write_all(b)).unwrap();
            assert_eq!(fs::read(&path).unwrap(), b"new contents");
            assert_eq!(listing(&d), ["m.model"]);
            fs::remove_dir_all(&d).unwrap();
        }

        #[test]
        fn a_missing_folder_is_an_error_and_creates_nothing() {
            let d = dir("missing");
            let path = d.join("no-such-folder").join("m.model");
            assert!(write_atomic(&path, b"x", |f, b| f.write_all(b)).is_err());
            assert!(listing(&d).is_empty());
            fs::remove_dir_all(&d).unwrap();
        }
    }
}
