//! Learning-rate schedules, and [`Scheduled`], which applies one to an optimizer.

use super::{LearningRate, Optimizer};
use crate::network::Trainable;
use crate::scalar::Float;

/// A learning rate as a function of time `t` (an epoch or a step count, from 0).
pub trait Schedule<T> {
    /// The learning rate at time `t`.
    fn lr(&self, t: usize) -> T;
}

/// The same learning rate at every time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Constant<T>(pub T);

impl<T: Float> Schedule<T> for Constant<T> {
    fn lr(&self, _t: usize) -> T {
        self.0
    }
}

/// `lr(t) = initial · γ^⌊t / every⌋`: multiplied by `gamma` every `every` units of time
/// (PyTorch's `StepLR`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepDecay<T> {
    /// The learning rate at `t = 0`.
    pub initial: T,
    /// The factor applied at each decay, `γ` (0.1 is usual).
    pub gamma: T,
    /// Time between decays (at least 1).
    pub every: usize,
}

impl<T: Float> Schedule<T> for StepDecay<T> {
    fn lr(&self, t: usize) -> T {
        let k = t / self.every.max(1);
        self.initial * self.gamma.powi(k.min(i32::MAX as usize) as i32)
    }
}

/// Cosine annealing from `initial` down to `min` over `period` units of time, then `min`:
/// `lr(t) = min + (initial − min)·(1 + cos(π·t/period))/2` for `t ≤ period` (PyTorch's
/// `CosineAnnealingLR` with `T_max = period`, without restarts).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cosine<T> {
    /// The learning rate at `t = 0`.
    pub initial: T,
    /// The learning rate reached at `t = period` and kept after it.
    pub min: T,
    /// Length of the annealing (at least 1).
    pub period: usize,
}

impl<T: Float> Schedule<T> for Cosine<T> {
    fn lr(&self, t: usize) -> T {
        let period = self.period.max(1);
        let x = t.min(period) as f64 / period as f64;
        let w = T::cast(0.5 * (1.0 + num_traits::Float::cos(core::f64::consts::PI * x)));
        self.min + (self.initial - self.min) * w
    }
}

/// Whether a [`Scheduled`] optimizer's time counts epochs or optimizer steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Unit {
    Epoch,
    Step,
}

/// An optimizer whose learning rate follows a [`Schedule`].
///
/// Per epoch: the rate is set at [`start_epoch`](Optimizer::start_epoch), which `fit` calls
/// before each epoch. Per step: the rate is set before every step from the wrapper's own step
/// count, so it also works in a hand-written loop.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scheduled<O, S> {
    /// The wrapped optimizer.
    pub inner: O,
    /// The schedule.
    pub schedule: S,
    unit: Unit,
    steps: usize,
}

impl<O, S> Scheduled<O, S> {
    /// `inner` with its learning rate set to `schedule.lr(epoch)` at the start of each epoch.
    pub fn per_epoch(inner: O, schedule: S) -> Self {
        Scheduled {
            inner,
            schedule,
            unit: Unit::Epoch,
            steps: 0,
        }
    }

    /// `inner` with its learning rate set to `schedule.lr(step)` before each step (counting
    /// from 0).
    pub fn per_step(inner: O, schedule: S) -> Self {
        Scheduled {
            inner,
            schedule,
            unit: Unit::Step,
            steps: 0,
        }
    }
}

impl<T, N, O, S> Optimizer<T, N> for Scheduled<O, S>
where
    T: Float,
    N: Trainable<T>,
    O: Optimizer<T, N> + LearningRate<T>,
    S: Schedule<T>,
{
    #[inline]
    fn step(&mut self, net: &mut N, grads: &N::Gradients) {
        if self.unit == Unit::Step {
            self.inner.set_learning_rate(self.schedule.lr(self.steps));
        }
        self.steps += 1;
        self.inner.step(net, grads);
    }

    fn start_epoch(&mut self, epoch: usize) {
        if self.unit == Unit::Epoch {
            self.inner.set_learning_rate(self.schedule.lr(epoch));
        }
        self.inner.start_epoch(epoch);
    }
}

impl<T, O: LearningRate<T>, S> LearningRate<T> for Scheduled<O, S> {
    fn learning_rate(&self) -> T {
        self.inner.learning_rate()
    }

    fn set_learning_rate(&mut self, lr: T) {
        self.inner.set_learning_rate(lr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant() {
        assert_eq!(Constant(0.5f64).lr(0), 0.5);
        assert_eq!(Constant(0.5f64).lr(1000), 0.5);
    }

    #[test]
    fn step_decay() {
        let s = StepDecay {
            initial: 1.0f64,
            gamma: 0.5,
            every: 10,
        };
        assert_eq!(s.lr(0), 1.0);
        assert_eq!(s.lr(9), 1.0);
        assert_eq!(s.lr(10), 0.5);
        assert_eq!(s.lr(25), 0.25);
    }

    #[test]
    fn cosine() {
        let s = Cosine {
            initial: 1.0f64,
            min: 0.1,
            period: 100,
        };
        assert_eq!(s.lr(0), 1.0);
        assert!((s.lr(50) - 0.55).abs() < 1e-12, "{}", s.lr(50));
        assert!((s.lr(100) - 0.1).abs() < 1e-12);
        assert!((s.lr(500) - 0.1).abs() < 1e-12);
        let quarter = 0.1 + 0.9 * 0.5 * (1.0 + (core::f64::consts::PI / 4.0).cos());
        assert!((s.lr(25) - quarter).abs() < 1e-12);
    }
}
