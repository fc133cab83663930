//! The errors a network's fallible methods return.

use core::fmt;

/// Why a call was refused. Every method that returns an `Error` has changed nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A flat parameter slice did not have the network's `PARAMS` length.
    ParamLength {
        /// The length the network needs (`PARAMS`).
        expected: usize,
        /// The length that was given.
        found: usize,
    },
    /// An input slice did not have the network's `INPUTS` length.
    InputLength {
        /// The length the network needs (`INPUTS`).
        expected: usize,
        /// The length that was given.
        found: usize,
    },
    /// A mini-batch held no samples, so it has no mean gradient.
    EmptyBatch,
    /// A mini-batch had a different number of inputs and targets.
    BatchLength {
        /// Number of inputs given.
        inputs: usize,
        /// Number of targets given.
        targets: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::ParamLength { expected, found } => write!(
                f,
                "parameter slice has {found} values but the network has {expected} parameters"
            ),
            Error::InputLength { expected, found } => write!(
                f,
                "input has {found} values but the network takes {expected}"
            ),
            Error::EmptyBatch => f.write_str("a mini-batch needs at least one sample"),
            Error::BatchLength { inputs, targets } => write!(
                f,
                "mini-batch has {inputs} inputs but {targets} targets; they must pair up"
            ),
        }
    }
}

impl core::error::Error for Error {}
