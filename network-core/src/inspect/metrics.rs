//! Evaluation helpers: predicted classes, accuracy, confusion matrix, mean loss.
//!
//! A data set is a slice of `(input, target)` pairs. A class is read from an output vector as
//! its [`argmax`]; a single output is read as the probability of class 1 (a `sigmoid` output):
//! class 1 when it is at least 0.5. Targets are read the same way, so one-hot targets and 0/1
//! targets both work. Everything here is `no_std` and allocation-free.

use core::fmt;

use crate::loss::Loss;
use crate::network::Network;
use crate::scalar::Float;

/// The index of the largest value (the first one on ties); NaN never wins. 0 for an empty
/// slice.
pub fn argmax<T: Float>(values: &[T]) -> usize {
    let mut best = 0;
    let mut max = T::neg_infinity();
    for (i, &v) in values.iter().enumerate() {
        if v > max {
            max = v;
            best = i;
        }
    }
    best
}

/// The class an output (or target) vector stands for: its [`argmax`], or for a single output
/// `p`, class 1 if `p ≥ 0.5` and class 0 otherwise.
pub fn class_of<T: Float>(output: &[T]) -> usize {
    match output {
        [p] => usize::from(*p >= T::cast(0.5)),
        _ => argmax(output),
    }
}

/// The class `net` predicts for `x` (see [`class_of`]).
pub fn predict_class<T: Float, N: Network<T>>(net: &N, x: &N::Input) -> usize {
    class_of(net.forward(x).as_ref())
}

/// The fraction of samples whose predicted class is the target's class, in `[0, 1]`
/// (0 for an empty data set).
pub fn accuracy<T: Float, N: Network<T>>(net: &N, data: &[(N::Input, N::Output)]) -> f64 {
    if data.is_empty() {
        return 0.0;
    }
    let correct = data
        .iter()
        .filter(|(x, y)| predict_class(net, x) == class_of(y.as_ref()))
        .count();
    correct as f64 / data.len() as f64
}

/// The mean of the loss over a data set (0 for an empty one).
pub fn mean_loss<T, N, L>(net: &N, data: &[(N::Input, N::Output)], loss: &L) -> T
where
    T: Float,
    N: Network<T>,
    L: Loss<T, N::OutputActivation>,
{
    if data.is_empty() {
        return T::zero();
    }
    let total: T = data.iter().map(|(x, y)| net.loss(x, y, loss)).sum();
    total / T::cast(data.len() as f64)
}

/// Counts of (actual class, predicted class) pairs over `K` classes: `counts[actual][predicted]`.
/// Its `Display` is a table with actual classes as rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfusionMatrix<const K: usize> {
    /// `counts[actual][predicted]`: how many samples of class `actual` were predicted as
    /// `predicted`.
    pub counts: [[usize; K]; K],
}

impl<const K: usize> Default for ConfusionMatrix<K> {
    fn default() -> Self {
        ConfusionMatrix {
            counts: [[0; K]; K],
        }
    }
}

impl<const K: usize> ConfusionMatrix<K> {
    /// An empty matrix.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one sample. Classes `≥ K` are out of range: the sample is not counted and
    /// `false` is returned.
    pub fn add(&mut self, actual: usize, predicted: usize) -> bool {
        if actual < K && predicted < K {
            self.counts[actual][predicted] += 1;
            true
        } else {
            false
        }
    }

    /// Number of samples counted.
    pub fn total(&self) -> usize {
        self.counts.iter().flatten().sum()
    }

    /// Number of samples on the diagonal (predicted correctly).
    pub fn correct(&self) -> usize {
        (0..K).map(|k| self.counts[k][k]).sum()
    }

    /// `correct / total` (0 when empty).
    pub fn accuracy(&self) -> f64 {
        match self.total() {
            0 => 0.0,
            n => self.correct() as f64 / n as f64,
        }
    }

    /// Recall of class `k`: the fraction of its samples predicted as `k` (0 if it has none).
    pub fn recall(&self, k: usize) -> f64 {
        let row: usize = self.counts[k].iter().sum();
        if row == 0 {
            0.0
        } else {
            self.counts[k][k] as f64 / row as f64
        }
    }
}

/// The confusion matrix of `net` over `data`, with `K` classes. `K` must be the network's
/// number of outputs, or 2 for a single (sigmoid) output; anything else does not compile.
pub fn confusion_matrix<T, N, const K: usize>(
    net: &N,
    data: &[(N::Input, N::Output)],
) -> ConfusionMatrix<K>
where
    T: Float,
    N: Network<T>,
{
    const {
        assert!(
            K == N::OUTPUTS || (N::OUTPUTS == 1 && K == 2),
            "a confusion matrix needs K = the number of outputs (or 2 for one sigmoid output)"
        )
    };
    let mut m = ConfusionMatrix::new();
    for (x, y) in data {
        m.add(class_of(y.as_ref()), predict_class(net, x));
    }
    m
}

impl<const K: usize> fmt::Display for ConfusionMatrix<K> {
    /// Rows are actual classes, columns predicted ones.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let largest = self.counts.iter().flatten().copied().max().unwrap_or(0);
        let w = digits(largest).max(digits(K.saturating_sub(1))).max(2);
        write!(f, "{:>8} |", "actual")?;
        for p in 0..K {
            write!(f, " {p:>w$}")?;
        }
        writeln!(f, "   (columns: predicted)")?;
        write!(f, "{:->8}-+", "")?;
        for _ in 0..K {
            write!(f, "-{:->w$}", "")?;
        }
        writeln!(f)?;
        for (a, row) in self.counts.iter().enumerate() {
            write!(f, "{a:>8} |")?;
            for c in row {
                write!(f, " {c:>w$}")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

/// Number of decimal digits of `n`.
pub(crate) fn digits(mut n: usize) -> usize {
    let mut d = 1;
    while n >= 10 {
        n /= 10;
        d += 1;
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_and_classes() {
        assert_eq!(argmax(&[0.1f32, 0.7, 0.2]), 1);
        assert_eq!(argmax(&[1.0f64, 1.0]), 0);
        assert_eq!(argmax(&[f64::NAN, -1.0]), 1);
        assert_eq!(argmax::<f32>(&[]), 0);
        assert_eq!(class_of(&[0.5f32]), 1);
        assert_eq!(class_of(&[0.49f32]), 0);
        assert_eq!(class_of(&[0.0f32, 0.0, 1.0]), 2);
    }

    #[test]
    fn confusion_counts() {
        let mut m = ConfusionMatrix::<3>::new();
        assert!(m.add(0, 0));
        assert!(m.add(1, 2));
        assert!(m.add(2, 2));
        assert!(m.add(2, 2));
        assert!(!m.add(3, 0));
        assert_eq!(m.total(), 4);
        assert_eq!(m.correct(), 3);
        assert_eq!(m.accuracy(), 0.75);
        assert_eq!(m.recall(1), 0.0);
        assert_eq!(m.recall(2), 1.0);
        assert_eq!(m.counts, [[1, 0, 0], [0, 0, 1], [0, 0, 2]]);
    }

    #[test]
    fn digit_counts() {
        assert_eq!(digits(0), 1);
        assert_eq!(digits(9), 1);
        assert_eq!(digits(10), 2);
        assert_eq!(digits(12345), 5);
    }
}
