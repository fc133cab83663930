//! Feature scaling to zero mean and unit variance, fitted on the training split.

use std::fmt::Write as _;
use std::path::Path;
use std::string::String;

use super::error::{DataError, DataErrorKind};
use crate::float::Float;

/// Scales each feature to zero mean and unit standard deviation with statistics fitted on the
/// training split only (fitting on all the data would leak the test split into training).
/// Apply the same one to every split, and [`save`](Self::save) it next to the model so that
/// inference after [`load`](crate::ModelFile::load) scales its inputs the same way.
///
/// A feature that is constant in the training split keeps its scale (a standard deviation of
/// 0 is taken as 1), so it maps to 0 rather than to NaN.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Standardizer<T, const I: usize> {
    mean: [T; I],
    std: [T; I],
}

impl<T: Float, const I: usize> Standardizer<T, I> {
    /// Fits the mean and the (population) standard deviation of each feature of `xs`.
    /// With no input at all, the identity (mean 0, deviation 1).
    pub fn fit<'a>(xs: impl IntoIterator<Item = &'a [T; I]> + Clone) -> Self
    where
        T: 'a,
    {
        let mut n = 0.0f64;
        let mut sum = [0.0f64; I];
        for x in xs.clone() {
            n += 1.0;
            for (s, v) in sum.iter_mut().zip(x) {
                *s += v.as_f64();
            }
        }
        if n == 0.0 {
            return Self::from_parts([T::zero(); I], [T::one(); I]);
        }
        let mean = sum.map(|s| s / n);
        let mut var = [0.0f64; I];
        for x in xs {
            for ((s, v), m) in var.iter_mut().zip(x).zip(&mean) {
                *s += (v.as_f64() - m).powi(2);
            }
        }
        let std = var.map(|v| {
            let s = (v / n).sqrt();
            if s > 0.0 { s } else { 1.0 }
        });
        Self::from_parts(mean.map(T::cast), std.map(T::cast))
    }

    /// [`fit`](Self::fit) on the features of `(x, y)` pairs, as [`Csv`](super::Csv) returns them.
    pub fn fit_samples<Y>(samples: &[([T; I], Y)]) -> Self {
        Self::fit(samples.iter().map(|(x, _)| x))
    }

    /// A standardizer with these means and standard deviations (a deviation of 0 is taken as 1).
    pub fn from_parts(mean: [T; I], std: [T; I]) -> Self {
        let std = std.map(|s| if s == T::zero() { T::one() } else { s });
        Standardizer { mean, std }
    }

    /// Each feature's mean in the training split.
    pub fn mean(&self) -> &[T; I] {
        &self.mean
    }

    /// Each feature's standard deviation in the training split (1 for a constant feature).
    pub fn std(&self) -> &[T; I] {
        &self.std
    }

    /// `x` scaled: `(x - mean) / std`, feature by feature.
    pub fn transform(&self, x: &[T; I]) -> [T; I] {
        let mut out = *x;
        self.apply(&mut out);
        out
    }

    /// Scales `x` in place.
    pub fn apply(&self, x: &mut [T; I]) {
        for ((v, m), s) in x.iter_mut().zip(&self.mean).zip(&self.std) {
            *v = (*v - *m) / *s;
        }
    }

    /// Scales the features of every `(x, y)` pair in place.
    pub fn apply_samples<Y>(&self, samples: &mut [([T; I], Y)]) {
        for (x, _) in samples {
            self.apply(x);
        }
    }

    /// `x` scaled back: `x · std + mean`.
    pub fn inverse(&self, x: &[T; I]) -> [T; I] {
        let mut out = *x;
        for ((v, m), s) in out.iter_mut().zip(&self.mean).zip(&self.std) {
            *v = *v * *s + *m;
        }
        out
    }

    /// The standardizer as text: a header line, then `mean,std` per feature, every number with
    /// enough digits to read back the same bits.
    pub fn to_text(&self) -> String {
        let mut s = String::from("mean,std\n");
        for (m, d) in self.mean.iter().zip(&self.std) {
            // `{:?}` of f64 is the shortest text that reads back exactly.
            let _ = writeln!(s, "{:?},{:?}", m.as_f64(), d.as_f64());
        }
        s
    }

    /// Reads what [`to_text`](Self::to_text) wrote; errors give the line and column.
    pub fn from_text(text: &str) -> Result<Self, DataError> {
        let rows: std::vec::Vec<([T; 1], [T; 1])> =
            super::Csv::new(text).header(true).label(1).regression()?;
        if rows.len() != I {
            return Err(DataError::whole(DataErrorKind::FeatureCount {
                expected: I,
                found: rows.len(),
            }));
        }
        let mut mean = [T::zero(); I];
        let mut std = [T::one(); I];
        for (i, (m, s)) in rows.iter().enumerate() {
            mean[i] = m[0];
            std[i] = s[0];
        }
        Ok(Self::from_parts(mean, std))
    }

    /// Writes [`to_text`](Self::to_text) at `path`, e.g. `model.with_extension("scale")`.
    pub fn save<P: AsRef<Path>>(&self, path: P) -> Result<(), DataError> {
        let path = path.as_ref();
        std::fs::write(path, self.to_text())
            .map_err(|e| DataError::whole(DataErrorKind::Io(e)).in_file(Some(path)))
    }

    /// Reads a standardizer [`save`](Self::save)d at `path`.
    pub fn load<P: AsRef<Path>>(path: P) -> Result<Self, DataError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| DataError::whole(DataErrorKind::Io(e)).in_file(Some(path)))?;
        Self::from_text(&text).map_err(|e| e.in_file(Some(path)))
    }
}
