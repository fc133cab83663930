//! A uniform view of every weight and bias tensor of a network (or of its gradients).
//!
//! Optimizers, parameter I/O and gradient arithmetic are written once against this trait; the
//! `network!` macro implements it for each generated network and gradient type by listing the
//! layers' tensors in order: layer by layer, the weight (row by row), then the bias. That is
//! PyTorch's `state_dict` order.

use crate::error::Error;
use crate::scalar::Float;

/// An ordered list of parameter tensors, each a flat slice.
pub trait Parameters<T: Float> {
    /// Total number of scalars over all tensors.
    const PARAMS: usize;

    /// Number of tensors: two per layer (weight, then bias).
    const TENSORS: usize;

    /// Tensor `i` (`i < TENSORS`) as a flat slice; an empty slice past the end.
    fn tensor(&self, i: usize) -> &[T];

    /// Tensor `i` (`i < TENSORS`) as a flat mutable slice; an empty slice past the end.
    fn tensor_mut(&mut self, i: usize) -> &mut [T];

    /// Tensor `i`'s name, `"<layer>.weight"` or `"<layer>.bias"` (PyTorch's naming); `""` past
    /// the end.
    fn tensor_name(i: usize) -> &'static str;

    /// Tensor `i`'s shape as PyTorch gives it: `[OUT, IN]` for a weight, `[OUT]` for a bias;
    /// empty past the end.
    fn tensor_shape(i: usize) -> &'static [usize];

    /// Copies all parameters from `src`, in flat order. If `src.len() != PARAMS` it returns
    /// [`Error::ParamLength`] and changes nothing.
    fn read_params(&mut self, src: &[T]) -> Result<(), Error> {
        check_len(Self::PARAMS, src.len())?;
        let mut rest = src;
        for i in 0..Self::TENSORS {
            let t = self.tensor_mut(i);
            let (head, tail) = rest.split_at(t.len());
            t.copy_from_slice(head);
            rest = tail;
        }
        Ok(())
    }

    /// Copies all parameters into `dst`, in flat order. If `dst.len() != PARAMS` it returns
    /// [`Error::ParamLength`] and writes nothing.
    fn write_params(&self, dst: &mut [T]) -> Result<(), Error> {
        check_len(Self::PARAMS, dst.len())?;
        let mut rest = dst;
        for i in 0..Self::TENSORS {
            let t = self.tensor(i);
            let (head, tail) = rest.split_at_mut(t.len());
            head.copy_from_slice(t);
            rest = tail;
        }
        Ok(())
    }

    /// Sets every scalar to zero.
    fn set_zero(&mut self) {
        for i in 0..Self::TENSORS {
            self.tensor_mut(i).fill(T::zero());
        }
    }

    /// Adds `other` element by element: `self += other`.
    fn add_from(&mut self, other: &Self) {
        for i in 0..Self::TENSORS {
            for (s, &o) in self.tensor_mut(i).iter_mut().zip(other.tensor(i)) {
                *s += o;
            }
        }
    }

    /// Multiplies every scalar by `factor`.
    fn scale(&mut self, factor: T) {
        for i in 0..Self::TENSORS {
            for s in self.tensor_mut(i) {
                *s *= factor;
            }
        }
    }

    /// `Σ p²` over every scalar (the squared L2 norm).
    fn norm_squared(&self) -> T {
        (0..Self::TENSORS)
            .map(|i| self.tensor(i).iter().map(|&p| p * p).sum::<T>())
            .sum()
    }

    /// Whether every scalar is finite (no NaN, no infinity).
    fn all_finite(&self) -> bool {
        (0..Self::TENSORS).all(|i| self.tensor(i).iter().all(|p| p.is_finite()))
    }
}

fn check_len(expected: usize, found: usize) -> Result<(), Error> {
    if expected == found {
        Ok(())
    } else {
        Err(Error::ParamLength { expected, found })
    }
}

/// `p ← p − lr·g` for every parameter: what [`Sgd`](crate::Sgd) does.
pub fn sgd_apply<T: Float, N: Parameters<T>, G: Parameters<T>>(net: &mut N, grads: &G, lr: T) {
    for i in 0..N::TENSORS {
        for (p, &g) in net.tensor_mut(i).iter_mut().zip(grads.tensor(i)) {
            *p -= lr * g;
        }
    }
}
