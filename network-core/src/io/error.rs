//! Why a model could not be written or read, in words that say what differs.

use core::fmt;

use super::format::VERSION;
use crate::network::LayerInfo;

/// A string of at most `N` bytes held inline, so that [`ModelError`] stays `Copy` and needs no
/// allocator. Longer strings are cut at a character boundary and shown with a trailing `…`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ShortStr<const N: usize> {
    bytes: [u8; N],
    len: u8,
    cut: bool,
}

impl<const N: usize> ShortStr<N> {
    /// The first at most `N` bytes of `s`, cut at a character boundary.
    pub const fn new(s: &str) -> Self {
        let b = s.as_bytes();
        let mut len = if b.len() < N { b.len() } else { N };
        // Back off to a character boundary: a UTF-8 continuation byte is `10xx_xxxx`.
        while len < b.len() && len > 0 && (b[len] & 0xC0) == 0x80 {
            len -= 1;
        }
        let mut bytes = [0u8; N];
        let mut i = 0;
        while i < len {
            bytes[i] = b[i];
            i += 1;
        }
        ShortStr {
            bytes,
            len: len as u8,
            cut: len < b.len(),
        }
    }

    /// The string held (without the `…` of a cut one).
    pub fn as_str(&self) -> &str {
        // Cut at a character boundary of valid UTF-8, so always valid.
        core::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("?")
    }
}

impl<const N: usize> fmt::Display for ShortStr<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())?;
        if self.cut {
            f.write_str("…")?;
        }
        Ok(())
    }
}

impl<const N: usize> fmt::Debug for ShortStr<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

/// One layer as a model file describes it, shown as `l1: dense(13 -> 16, tanh)` or
/// `l1: gru(1 -> 16)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayerDesc {
    /// The layer's field name.
    pub name: ShortStr<24>,
    /// The layer kind: `dense`, `gru` or `lstm`.
    pub kind: ShortStr<12>,
    /// Input width.
    pub inputs: u32,
    /// Output width.
    pub outputs: u32,
    /// The activation with its argument, if any: `relu`, `leaky_relu(0.2)`; empty for a
    /// recurrent layer.
    pub activation: ShortStr<24>,
}

impl LayerDesc {
    /// The description of a network's layer, as the network's model file holds it.
    pub const fn of(l: &LayerInfo) -> Self {
        LayerDesc {
            name: ShortStr::new(l.name),
            kind: ShortStr::new(l.kind),
            inputs: l.inputs as u32,
            outputs: l.outputs as u32,
            activation: ShortStr::new(l.activation),
        }
    }
}

// Both sides of a layer mismatch read alike, as the layer is declared: `l1: dense(2 -> 8,
// tanh)`, `l1: gru(1 -> 16)` (a recurrent layer has no activation to show).
fn fmt_layer(
    f: &mut fmt::Formatter<'_>,
    name: impl fmt::Display,
    kind: impl fmt::Display,
    (inputs, outputs): (u32, u32),
    activation: Option<impl fmt::Display>,
) -> fmt::Result {
    write!(f, "{name}: {kind}({inputs} -> {outputs}")?;
    if let Some(activation) = activation {
        write!(f, ", {activation}")?;
    }
    f.write_str(")")
}

impl fmt::Display for LayerInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let widths = (self.inputs as u32, self.outputs as u32);
        let activation = (!self.activation.is_empty()).then_some(self.activation);
        fmt_layer(f, self.name, self.kind, widths, activation)
    }
}

impl fmt::Display for LayerDesc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let widths = (self.inputs, self.outputs);
        let activation = (!self.activation.as_str().is_empty()).then_some(self.activation);
        fmt_layer(f, self.name, self.kind, widths, activation)
    }
}

/// Why a model could not be written or read. Whenever one is returned, the network (for a
/// read) and the bytes past what was reported (for a write) are unchanged.
///
/// A model of another architecture is reported as such ([`ScalarType`](Self::ScalarType),
/// [`Layer`](Self::Layer), [`LayerCount`](Self::LayerCount)) whatever the length of the bytes:
/// its header is compared with the network before its length is judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ModelError {
    /// The output buffer cannot hold the model.
    BufferTooSmall {
        /// Bytes the model needs ([`encoded_len`](super::model::encoded_len)).
        needed: usize,
        /// Bytes the buffer has.
        available: usize,
    },
    /// The bytes do not start with [`MAGIC`](super::model::MAGIC): not a model file.
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
    /// The model has more or fewer layers than the network.
    LayerCount {
        /// The network's layers.
        expected: usize,
        /// The file's layers.
        found: u64,
    },
    /// Layer `index` (from 0) differs from the network's in name, kind, widths or activation.
    /// The message counts layers from 1, as the macro's default names `l1`, `l2`, ... do.
    Layer {
        /// The first layer that differs, from 0.
        index: usize,
        /// That layer as the file holds it.
        found: LayerDesc,
        /// That layer as the network declares it.
        expected: &'static LayerInfo,
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

impl ModelError {
    /// Whether the error says the model is of another architecture (scalar type, layers or
    /// parameter count) rather than damaged or not a model at all.
    pub fn is_other_architecture(&self) -> bool {
        matches!(
            self,
            ModelError::ScalarType { .. }
                | ModelError::LayerCount { .. }
                | ModelError::Layer { .. }
                | ModelError::ParamCount { .. }
        )
    }
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
                "the file holds {found} parameters, this network computes in {expected} \
                 (declare it as `Name<{found}>` to read this file)"
            ),
            ModelError::LayerCount { expected, found } => write!(
                f,
                "the file holds {found} layers, this network has {expected}"
            ),
            ModelError::Layer {
                index,
                found,
                expected,
            } => write!(
                f,
                "layer {}: the file holds `{found}`, this network has `{expected}`",
                index + 1
            ),
            ModelError::ParamCount { expected, found } => write!(
                f,
                "the file holds {found} parameters, this network has {expected}"
            ),
            ModelError::Malformed => f.write_str("model header is malformed"),
            ModelError::NonFinite { index } => {
                write!(f, "parameter {index} is NaN or infinite")
            }
        }
    }
}

impl core::error::Error for ModelError {}
