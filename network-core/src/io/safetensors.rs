//! Export and import in the [safetensors](https://huggingface.co/docs/safetensors) format, so
//! weights trained in PyTorch load here and ours load in PyTorch, candle or burn.
//!
//! Tensors are named as [`Parameters::tensor_name`](crate::Parameters::tensor_name) gives them (`l1.weight`, `l1.bias`, ...) and
//! shaped as PyTorch's `nn.Linear` (`[out, in]` weights, `[out]` biases), `nn.GRU` and
//! `nn.LSTM` (`l1.weight_ih_l0` `[G·H, in]`, `l1.weight_hh_l0` `[G·H, H]`, `l1.bias_ih_l0`,
//! `l1.bias_hh_l0` `[G·H]`, with `G` = 3 or 4 gates), so a PyTorch module whose layers are
//! attributes `l1`, `l2`, ... exchanges its `state_dict` with the generated network directly,
//! dense and sequence networks alike. The header's `__metadata__` holds `"format": "pt"` and the
//! architecture with activations (`"network.layout"`); a file that has that key must match the
//! network's architecture, one that lacks it (as PyTorch writes them) is checked by names and
//! shapes only, as activations are not stored by PyTorch.
//!
//! Needs the `safetensors` feature (which enables `std`; the format's JSON header needs an
//! allocator).

use std::borrow::ToOwned;
use std::fmt;
use std::format;
use std::path::Path;
use std::string::String;
use std::vec::Vec;

use ::safetensors::tensor::TensorView;
use ::safetensors::{Dtype, SafeTensorError, SafeTensors};

use crate::float::Float;
use crate::io::file::write_atomic;
use crate::network::Architecture;

/// Why a safetensors export or import failed. On an import error the network is unchanged.
#[derive(Debug)]
#[non_exhaustive]
pub enum SafetensorsError {
    /// The bytes are not a valid safetensors file (the `safetensors` crate's diagnosis).
    Format(SafeTensorError),
    /// The file lacks one of the network's tensors.
    MissingTensor(&'static str),
    /// The file holds a tensor the network does not have (another architecture).
    UnexpectedTensor(String),
    /// A tensor has another shape than the network's.
    Shape {
        /// The tensor's name.
        tensor: &'static str,
        /// The network's shape for it.
        expected: &'static [usize],
        /// The file's shape.
        found: Vec<usize>,
    },
    /// A tensor's element type cannot be read into the network's scalar type without loss
    /// (only `F32` into `f32` or `f64`, and `F64` into `f64`, are accepted).
    Dtype {
        /// The tensor's name.
        tensor: &'static str,
        /// The file's element type.
        found: Dtype,
    },
    /// The file's `network.layout` metadata describes another architecture.
    Layout {
        /// The network's layout.
        expected: String,
        /// The file's.
        found: String,
    },
    /// A value is NaN or infinite; such weights are refused both ways.
    NonFinite {
        /// The tensor's name.
        tensor: &'static str,
        /// The flat index within the tensor.
        index: usize,
    },
    /// The file system refused.
    Io(std::io::Error),
}

impl fmt::Display for SafetensorsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SafetensorsError::Format(e) => write!(f, "not a valid safetensors file: {e}"),
            SafetensorsError::MissingTensor(t) => write!(f, "the file has no tensor `{t}`"),
            SafetensorsError::UnexpectedTensor(t) => {
                write!(f, "the file has a tensor `{t}` the network does not have")
            }
            SafetensorsError::Shape {
                tensor,
                expected,
                found,
            } => write!(
                f,
                "tensor `{tensor}` has shape {found:?} but the network needs {expected:?}"
            ),
            SafetensorsError::Dtype { tensor, found } => write!(
                f,
                "tensor `{tensor}` is {found:?}, which does not fit the network's scalar type"
            ),
            SafetensorsError::Layout { expected, found } => write!(
                f,
                "the file is for `{found}` but the network is `{expected}`"
            ),
            SafetensorsError::NonFinite { tensor, index } => {
                write!(f, "value {index} of tensor `{tensor}` is NaN or infinite")
            }
            SafetensorsError::Io(e) => write!(f, "safetensors file: {e}"),
        }
    }
}

impl std::error::Error for SafetensorsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SafetensorsError::Format(e) => Some(e),
            SafetensorsError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<SafeTensorError> for SafetensorsError {
    fn from(e: SafeTensorError) -> Self {
        SafetensorsError::Format(e)
    }
}

/// The metadata key holding the architecture.
pub const LAYOUT_KEY: &str = "network.layout";

/// The architecture as one line: `l1=dense(2 -> 8, tanh); l2=dense(8 -> 1, sigmoid)`, or
/// `l1=gru(1 -> 16); l2=dense(16 -> 1, identity)` (a recurrent layer has no activation).
pub fn layout_string<T: Float, N: Architecture<T>>() -> String {
    let layers: Vec<String> = N::LAYOUT
        .iter()
        .map(|l| {
            let (name, kind, i, o) = (l.name, l.kind, l.inputs, l.outputs);
            match l.activation {
                "" => format!("{name}={kind}({i} -> {o})"),
                act => format!("{name}={kind}({i} -> {o}, {act})"),
            }
        })
        .collect();
    layers.join("; ")
}

fn dtype_of<T: Float>() -> Dtype {
    if core::mem::size_of::<T>() == 4 {
        Dtype::F32
    } else {
        Dtype::F64
    }
}

/// The network as a safetensors file, in memory. A NaN or infinite parameter is refused.
pub fn to_safetensors<T: Float, N: Architecture<T>>(net: &N) -> Result<Vec<u8>, SafetensorsError> {
    let size = core::mem::size_of::<T>();
    let mut data: Vec<Vec<u8>> = Vec::with_capacity(N::TENSORS);
    for i in 0..N::TENSORS {
        let t = net.tensor(i);
        let mut bytes = Vec::with_capacity(core::mem::size_of_val(t));
        for (index, &p) in t.iter().enumerate() {
            if !p.is_finite() {
                return Err(SafetensorsError::NonFinite {
                    tensor: N::tensor_name(i),
                    index,
                });
            }
            if size == 4 {
                bytes.extend_from_slice(&(p.as_f64() as f32).to_le_bytes());
            } else {
                bytes.extend_from_slice(&p.as_f64().to_le_bytes());
            }
        }
        data.push(bytes);
    }
    let mut views = Vec::with_capacity(N::TENSORS);
    for (i, bytes) in data.iter().enumerate() {
        let view = TensorView::new(dtype_of::<T>(), N::tensor_shape(i).to_vec(), bytes)?;
        views.push((N::tensor_name(i), view));
    }
    let metadata = [
        ("format".to_owned(), "pt".to_owned()),
        (LAYOUT_KEY.to_owned(), layout_string::<T, N>()),
    ]
    .into_iter()
    .collect();
    Ok(::safetensors::serialize(views, Some(metadata))?)
}

/// Reads a safetensors file into `net`. The file must hold exactly the network's tensors, with
/// its shapes, as `F32` (or `F64` for an `f64` network), all finite, and if it carries
/// `network.layout` metadata, the network's layout. Every check runs before a parameter is
/// written: on an error `net` is unchanged.
pub fn from_safetensors<T: Float, N: Architecture<T>>(
    net: &mut N,
    bytes: &[u8],
) -> Result<(), SafetensorsError> {
    let (_, metadata) = SafeTensors::read_metadata(bytes)?;
    if let Some(found) = metadata.metadata().as_ref().and_then(|m| m.get(LAYOUT_KEY)) {
        let expected = layout_string::<T, N>();
        if *found != expected {
            return Err(SafetensorsError::Layout {
                expected,
                found: found.clone(),
            });
        }
    }
    let file = SafeTensors::deserialize(bytes)?;
    for name in file.names() {
        if !(0..N::TENSORS).any(|i| N::tensor_name(i) == name) {
            return Err(SafetensorsError::UnexpectedTensor(name.to_owned()));
        }
    }
    let mut flat: Vec<T> = Vec::with_capacity(N::PARAMS);
    for i in 0..N::TENSORS {
        let name = N::tensor_name(i);
        let view = file
            .tensor(name)
            .map_err(|_| SafetensorsError::MissingTensor(name))?;
        if view.shape() != N::tensor_shape(i) {
            return Err(SafetensorsError::Shape {
                tensor: name,
                expected: N::tensor_shape(i),
                found: view.shape().to_vec(),
            });
        }
        let start = flat.len();
        match view.dtype() {
            Dtype::F32 => flat.extend(
                view.data()
                    .chunks_exact(4)
                    .map(|b| T::cast(f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64)),
            ),
            Dtype::F64 if core::mem::size_of::<T>() == 8 => {
                flat.extend(view.data().chunks_exact(8).map(|b| {
                    let mut a = [0u8; 8];
                    a.copy_from_slice(b);
                    T::cast(f64::from_le_bytes(a))
                }))
            }
            found => {
                return Err(SafetensorsError::Dtype {
                    tensor: name,
                    found,
                });
            }
        }
        if let Some(index) = flat[start..].iter().position(|p| !p.is_finite()) {
            return Err(SafetensorsError::NonFinite {
                tensor: name,
                index,
            });
        }
    }
    net.read_params(&flat)
        .expect("the tensors' shapes add up to PARAMS");
    Ok(())
}

/// Writes the network as a safetensors file at `path`, atomically (as
/// [`save`](crate::model::save)).
pub fn save_safetensors<T: Float, N: Architecture<T>, P: AsRef<Path>>(
    net: &N,
    path: P,
) -> Result<(), SafetensorsError> {
    let bytes = to_safetensors(net)?;
    write_atomic(path.as_ref(), &bytes, |f, b| {
        std::io::Write::write_all(f, b)
    })
    .map_err(SafetensorsError::Io)
}

/// Reads the safetensors file at `path` into `net`; on any error `net` is unchanged.
pub fn load_safetensors<T: Float, N: Architecture<T>, P: AsRef<Path>>(
    net: &mut N,
    path: P,
) -> Result<(), SafetensorsError> {
    let bytes = std::fs::read(path).map_err(SafetensorsError::Io)?;
    from_safetensors(net, &bytes)
}
