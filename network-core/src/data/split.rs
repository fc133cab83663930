//! Seeded train/test splits.

use std::vec::Vec;

use crate::init::Rng;

/// Number of test samples among `n` for `test_fraction`, rounded, and at most `n`.
fn test_count(n: usize, test_fraction: f64) -> usize {
    let f = if test_fraction.is_finite() {
        test_fraction.clamp(0.0, 1.0)
    } else {
        0.0
    };
    ((n as f64 * f).round() as usize).min(n)
}

/// Splits `data` into `(train, test)` after a shuffle seeded by `seed`: `test` holds
/// `round(len · test_fraction)` samples. The same seed gives the same split.
///
/// ```
/// # use network_core::data::train_test_split;
/// let data: Vec<u32> = (0..10).collect();
/// let (train, test) = train_test_split(&data, 0.3, 1);
/// assert_eq!((train.len(), test.len()), (7, 3));
/// ```
pub fn train_test_split<S: Clone>(data: &[S], test_fraction: f64, seed: u64) -> (Vec<S>, Vec<S>) {
    let mut shuffled = data.to_vec();
    Rng::new(seed).shuffle(&mut shuffled);
    let test = shuffled.split_off(shuffled.len() - test_count(data.len(), test_fraction));
    (shuffled, test)
}

/// Like [`train_test_split`], but each class (as `class_of` says, e.g.
/// `|(_, y)| argmax(y)`) is split on its own, so both splits keep the classes' proportions.
/// Each split is shuffled, so classes are interleaved.
///
/// ```
/// # use network_core::data::stratified_split;
/// let data: Vec<(u32, usize)> = (0..20).map(|i| (i, usize::from(i < 5))).collect();
/// let (train, test) = stratified_split(&data, 0.4, 1, |s| s.1);
/// assert_eq!(test.iter().filter(|s| s.1 == 1).count(), 2);
/// assert_eq!(test.iter().filter(|s| s.1 == 0).count(), 6);
/// assert_eq!(train.len(), 12);
/// ```
pub fn stratified_split<S: Clone>(
    data: &[S],
    test_fraction: f64,
    seed: u64,
    class_of: impl Fn(&S) -> usize,
) -> (Vec<S>, Vec<S>) {
    let classes = data.iter().map(&class_of).max().map_or(0, |m| m + 1);
    let mut rng = Rng::new(seed);
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for c in 0..classes {
        let mut members: Vec<S> = data.iter().filter(|s| class_of(s) == c).cloned().collect();
        rng.shuffle(&mut members);
        let t = members.split_off(members.len() - test_count(members.len(), test_fraction));
        train.extend(members);
        test.extend(t);
    }
    rng.shuffle(&mut train);
    rng.shuffle(&mut test);
    (train, test)
}
