//! Inputs that arrive as slices (a CSV row, a sensor buffer) instead of arrays.

use crate::error::Error;
use crate::float::{Float, Vector};
use crate::network::Network;

/// [`forward_slice`](Self::forward_slice) for every [`Network`]: the forward pass of an input
/// whose length is only known at run time, checked instead of panicking.
pub trait ForwardSlice<T: Float>: Network<T> {
    /// The output for input `x`, or [`Error::InputLength`] (with both lengths) if `x` does
    /// not have [`INPUTS`](crate::Architecture::INPUTS) values.
    fn forward_slice(&self, x: &[T]) -> Result<Self::Output, Error> {
        if x.len() != Self::INPUTS {
            return Err(Error::InputLength {
                expected: Self::INPUTS,
                found: x.len(),
            });
        }
        let mut input = Self::Input::zeroed();
        input.as_mut().copy_from_slice(x);
        Ok(self.forward(&input))
    }
}

impl<T: Float, N: Network<T>> ForwardSlice<T> for N {}
