//! Networks in and out of the process: the crate's own model files ([`model`]), safetensors
//! files for PyTorch, candle and burn (`safetensors`, feature `safetensors`) and serde
//! (`serde_impls`, feature `serde`), and Rust source for firmware (`rust_source`, feature `std`).

mod embed;
mod error;
#[cfg(feature = "std")]
mod file;
mod format;
pub mod model;
#[cfg(feature = "std")]
pub mod rust_source;
#[cfg(feature = "safetensors")]
pub mod safetensors;
#[cfg(feature = "serde")]
pub mod serde_impls;
