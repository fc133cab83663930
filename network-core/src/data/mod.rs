//! Tabular data in, without copying a loader from an example: numeric CSV files into
//! `(features, target)` pairs ([`Csv`]), one-hot targets ([`one_hot`]), a seeded train/test
//! split, optionally stratified ([`train_test_split`], [`stratified_split`]), feature scaling
//! fitted on the training split and stored next to the model ([`Standardizer`]), and the
//! adapters between the `(x, y)` pairs of [`fit`](crate::fit) and the `xs`, `ys` slices of
//! [`train_batch`](crate::Network::train_batch) ([`unzip`], [`zip`]). Feature `std`.
//!
//! ```
//! use network_core::data::{Csv, Standardizer, train_test_split};
//!
//! let text = "a,b,class\n1,2,0\n3,4,1\n5,6,2\n7,8,1\n";
//! let data: Vec<([f32; 2], [f32; 3])> = Csv::new(text).header(true).label_named("class").one_hot()?;
//! let (mut train, mut test) = train_test_split(&data, 0.25, 7);
//! let scale = Standardizer::fit_samples(&train);
//! scale.apply_samples(&mut train);
//! scale.apply_samples(&mut test);
//! assert_eq!((train.len(), test.len()), (3, 1));
//! # Ok::<(), network_core::data::DataError>(())
//! ```
//!
//! Errors ([`DataError`]) name the file, and the line and column (both from 1, as editors
//! count) of the cell at fault.

mod csv;
mod error;
mod split;
mod standardize;

pub use csv::{Csv, LabelColumn};
pub use error::{DataError, DataErrorKind};
pub use split::{stratified_split, train_test_split};
pub use standardize::Standardizer;

use crate::float::Float;
use std::vec::Vec;

/// Samples as `(features, target)` pairs, the form [`fit`](crate::fit) and the metrics take.
pub type Samples<X, Y> = Vec<(X, Y)>;

/// The one-hot encoding of `class` among `K` classes: `1` at `class`, `0` elsewhere.
/// `let y: [f32; 3] = one_hot(2);` gives `[0.0, 0.0, 1.0]`.
///
/// # Panics
///
/// If `class >= K`; [`Csv::one_hot`] checks its labels and reports a line and column instead.
pub fn one_hot<T: Float, const K: usize>(class: usize) -> [T; K] {
    assert!(
        class < K,
        "class {class} is out of range for {K} classes (0 to {})",
        K.saturating_sub(1)
    );
    let mut y = [T::zero(); K];
    y[class] = T::one();
    y
}

/// `(x, y)` pairs, as [`fit`](crate::fit) and the metrics take them, to the `xs` and `ys` that
/// [`train_batch`](crate::Network::train_batch) takes.
pub fn unzip<X: Clone, Y: Clone>(pairs: &[(X, Y)]) -> (Vec<X>, Vec<Y>) {
    pairs.iter().cloned().unzip()
}

/// `xs` and `ys` to `(x, y)` pairs, as [`fit`](crate::fit) takes them; the shorter decides
/// the length, so check [`Error::BatchLength`](crate::Error::BatchLength)'s condition first if
/// they may differ.
pub fn zip<X: Clone, Y: Clone>(xs: &[X], ys: &[Y]) -> Vec<(X, Y)> {
    xs.iter().cloned().zip(ys.iter().cloned()).collect()
}
