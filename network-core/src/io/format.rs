//! The model-file format: constants, the writer, and the one header parser behind every reader
//! ([`from_bytes`], [`verify`](super::model::verify), [`load`](super::model::load)).

use super::error::{LayerDesc, ModelError};
use crate::float::Float;
use crate::network::Architecture;
use crate::params::Parameters;

/// The first eight bytes of every model file. The high first byte and the `\r\n`/`\x1a`
/// pair catch 7-bit and text-mode transfers that would corrupt the file, as in PNG.
pub const MAGIC: [u8; 8] = *b"\x89NNM\r\n\x1a\n";

/// The format version this crate writes, and the only one it reads.
pub const VERSION: u32 = 1;

/// Bytes before the variable part: magic, version, total length.
pub(crate) const FIXED_HEADER: usize = 8 + 4 + 8;

/// Bytes of the trailing checksum.
const CHECKSUM_LEN: usize = 4;

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
pub const fn params_offset<T: Float, N: Architecture<T>>() -> usize {
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
pub const fn encoded_len<T: Float, N: Architecture<T>>() -> usize {
    params_offset::<T, N>() + N::PARAMS * core::mem::size_of::<T>() + CHECKSUM_LEN
}

/// `?` for `const fn`, where the operator is not available.
macro_rules! tri {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return Err(e),
        }
    };
}

/// Reads the header from the bytes present of a model that declares `total` bytes, the
/// header ending before `end`. A read past what is present is [`ModelError::Truncated`] (the
/// rest of the file may hold it); a read past `end` is [`ModelError::Malformed`] (the header
/// contradicts the declared length).
struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
    end: u64,
    total: u64,
}

impl<'a> Reader<'a> {
    const fn take(&mut self, n: usize) -> Result<&'a [u8], ModelError> {
        let end = match self.at.checked_add(n) {
            Some(end) => end,
            None => return Err(ModelError::Malformed),
        };
        if end as u64 > self.end {
            return Err(ModelError::Malformed);
        }
        if end > self.buf.len() {
            return Err(if (self.buf.len() as u64) < self.total {
                ModelError::Truncated {
                    needed: self.total,
                    found: self.buf.len(),
                }
            } else {
                ModelError::Malformed
            });
        }
        let (_, rest) = self.buf.split_at(self.at);
        let (s, _) = rest.split_at(n);
        self.at = end;
        Ok(s)
    }

    const fn u8(&mut self) -> Result<u8, ModelError> {
        Ok(tri!(self.take(1))[0])
    }

    const fn u16(&mut self) -> Result<u16, ModelError> {
        let b = tri!(self.take(2));
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    const fn u32(&mut self) -> Result<u32, ModelError> {
        let b = tri!(self.take(4));
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    const fn u64(&mut self) -> Result<u64, ModelError> {
        let b = tri!(self.take(8));
        Ok(u64::from_le_bytes([
            b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
        ]))
    }

    const fn str16(&mut self) -> Result<&'a str, ModelError> {
        let n = tri!(self.u16()) as usize;
        match core::str::from_utf8(tri!(self.take(n))) {
            Ok(s) => Ok(s),
            Err(_) => Err(ModelError::Malformed),
        }
    }

    /// One entry of the layer table.
    const fn layer(&mut self) -> Result<RawLayer<'a>, ModelError> {
        let name = tri!(self.str16());
        let kind = tri!(self.str16());
        let inputs = tri!(self.u32());
        let outputs = tri!(self.u32());
        let activation = tri!(self.str16());
        Ok(RawLayer {
            name,
            kind,
            inputs,
            outputs,
            activation,
        })
    }
}

/// A layer entry as the file holds it.
struct RawLayer<'a> {
    name: &'a str,
    kind: &'a str,
    inputs: u32,
    outputs: u32,
    activation: &'a str,
}

impl RawLayer<'_> {
    const fn describe(&self) -> LayerDesc {
        LayerDesc {
            name: super::error::ShortStr::new(self.name),
            kind: super::error::ShortStr::new(self.kind),
            inputs: self.inputs,
            outputs: self.outputs,
            activation: super::error::ShortStr::new(self.activation),
        }
    }
}

/// The header of a model file, parsed from the bytes present (which may be a prefix of the
/// file, or run past its end).
pub(crate) struct Header<'a> {
    /// The file's length as it declares it, checksum included.
    pub(crate) total: u64,
    scalar: &'a [u8],
    layer_count: u32,
    /// Where the layer table starts.
    layers_at: usize,
    params: u64,
    /// Where the parameters start.
    pub(crate) params_at: usize,
}

/// The fixed part of the header: magic, version, and the declared length, which it returns.
const fn parse_fixed(bytes: &[u8]) -> Result<u64, ModelError> {
    // Magic and version come first, so that a foreign file is reported as such.
    if bytes.len() < MAGIC.len() || !bytes_eq(bytes, 0, &MAGIC) {
        return Err(ModelError::BadMagic);
    }
    if bytes.len() < FIXED_HEADER {
        return Err(ModelError::Truncated {
            needed: FIXED_HEADER as u64,
            found: bytes.len(),
        });
    }
    let version = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
    if version != VERSION {
        return Err(ModelError::UnsupportedVersion { found: version });
    }
    let total = u64::from_le_bytes([
        bytes[12], bytes[13], bytes[14], bytes[15], bytes[16], bytes[17], bytes[18], bytes[19],
    ]);
    if total < (FIXED_HEADER + CHECKSUM_LEN) as u64 {
        return Err(ModelError::Malformed);
    }
    Ok(total)
}

/// Parses the header: magic, version, declared length, scalar type, layer table, parameter
/// count. Needs only the bytes up to the first parameter; fewer than that is
/// [`ModelError::Truncated`] if the file declares more bytes than are present.
pub(crate) const fn parse_header(bytes: &[u8]) -> Result<Header<'_>, ModelError> {
    let total = tri!(parse_fixed(bytes));
    let mut r = Reader {
        buf: bytes,
        at: FIXED_HEADER,
        // The checksum is no part of the header.
        end: total - CHECKSUM_LEN as u64,
        total,
    };
    let n = tri!(r.u8()) as usize;
    let scalar = tri!(r.take(n));
    let layer_count = tri!(r.u32());
    let layers_at = r.at;
    let mut i = 0;
    while i < layer_count {
        tri!(r.layer());
        i += 1;
    }
    let params = tri!(r.u64());
    Ok(Header {
        total,
        scalar,
        layer_count,
        layers_at,
        params,
        params_at: r.at,
    })
}

/// Whether the header describes network `N` with scalar `T`; if not, the first difference:
/// the scalar type, then the layer count, then the first layer that differs, then the
/// parameter count.
const fn compare<T: Float, N: Architecture<T>>(
    bytes: &[u8],
    h: &Header<'_>,
) -> Result<(), ModelError> {
    if !slices_eq(h.scalar, T::NAME.as_bytes()) {
        let found = if slices_eq(h.scalar, b"f32") {
            "f32"
        } else if slices_eq(h.scalar, b"f64") {
            "f64"
        } else {
            "?"
        };
        return Err(ModelError::ScalarType {
            expected: T::NAME,
            found,
        });
    }
    if h.layer_count as usize != N::LAYOUT.len() {
        return Err(ModelError::LayerCount {
            expected: N::LAYOUT.len(),
            found: h.layer_count as u64,
        });
    }
    let mut r = Reader {
        buf: bytes,
        at: h.layers_at,
        end: u64::MAX,
        total: u64::MAX,
    };
    let mut index = 0;
    while index < N::LAYOUT.len() {
        // The table was parsed whole by `parse_header`, so this read cannot fail.
        let f = tri!(r.layer());
        let l = &N::LAYOUT[index];
        if !slices_eq(f.name.as_bytes(), l.name.as_bytes())
            || !slices_eq(f.kind.as_bytes(), l.kind.as_bytes())
            || f.inputs as usize != l.inputs
            || f.outputs as usize != l.outputs
            || !slices_eq(f.activation.as_bytes(), l.activation.as_bytes())
        {
            return Err(ModelError::Layer {
                index,
                found: f.describe(),
                expected: l,
            });
        }
        index += 1;
    }
    if h.params != N::PARAMS as u64 {
        return Err(ModelError::ParamCount {
            expected: N::PARAMS,
            found: h.params,
        });
    }
    Ok(())
}

/// Checks `bytes` as a model of network `N` with scalar `T`, except the finiteness of the
/// parameters, and returns where the parameters start. The one check behind every reader.
///
/// Order: magic, version and declared length (not a model file, another version); a complete
/// file's checksum, so that corruption is reported as such; the rest of the header (a file
/// cut inside it is truncated); the header compared with the network, so that a file of another architecture is
/// reported as such whatever its length; then the length and the layout of the parameters.
pub(crate) const fn check_header<T: Float, N: Architecture<T>>(
    bytes: &[u8],
) -> Result<usize, ModelError> {
    let total = tri!(parse_fixed(bytes));
    let complete = bytes.len() as u64 == total;
    if complete {
        let body = bytes.len() - CHECKSUM_LEN;
        let (head, tail) = bytes.split_at(body);
        let stored = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]);
        let computed = crc32(head);
        if stored != computed {
            return Err(ModelError::Checksum { stored, computed });
        }
    }
    let h = tri!(parse_header(bytes));
    tri!(compare::<T, N>(bytes, &h));
    if (bytes.len() as u64) < h.total {
        return Err(ModelError::Truncated {
            needed: h.total,
            found: bytes.len(),
        });
    }
    if !complete {
        return Err(ModelError::TrailingBytes {
            expected: h.total,
            found: bytes.len(),
        });
    }
    if h.params_at + N::PARAMS * core::mem::size_of::<T>() + CHECKSUM_LEN != bytes.len() {
        return Err(ModelError::Malformed);
    }
    Ok(h.params_at)
}

/// `bytes[at..at + want.len()] == want`, in `const` context.
pub(crate) const fn bytes_eq(bytes: &[u8], at: usize, want: &[u8]) -> bool {
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

/// `a == b`, in `const` context.
const fn slices_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bytes_eq(a, 0, b)
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
pub fn to_bytes<T: Float, N: Architecture<T>>(
    net: &N,
    buf: &mut [u8],
) -> Result<usize, ModelError> {
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

/// Reads a model file written by [`to_bytes`] (or [`save`](super::model::save)) into `net`.
/// No allocation. Every check (magic, version, checksum, scalar type, architecture, length,
/// finite parameters) runs before the first parameter is written, so on an error `net` is
/// unchanged. Bytes of a model of another architecture give the architecture error
/// ([`ModelError::Layer`], ...), whether they are longer or shorter than this network's model.
pub fn from_bytes<T: Float, N: Architecture<T>>(
    net: &mut N,
    bytes: &[u8],
) -> Result<(), ModelError> {
    let start = check_header::<T, N>(bytes)?;
    let size = core::mem::size_of::<T>();
    let data = &bytes[start..start + N::PARAMS * size];
    for (index, b) in data.chunks_exact(size).enumerate() {
        if !get_scalar::<T>(b).is_finite() {
            return Err(ModelError::NonFinite { index });
        }
    }
    let mut chunks = data.chunks_exact(size);
    for i in 0..N::TENSORS {
        for (p, b) in net.tensor_mut(i).iter_mut().zip(&mut chunks) {
            *p = get_scalar(b);
        }
    }
    Ok(())
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
}
