//! Layer kinds and what they are built from: activations and initialisation.

pub mod activation;
pub mod dense;
pub mod init;
