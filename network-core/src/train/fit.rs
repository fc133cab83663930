//! [`fit`]: mini-batch training over a data set until an epoch count, a target loss or a
//! plateau, with a per-epoch callback and divergence detection.
//!
//! Needs the `alloc` feature (on with `std`): the [`History`] grows and the shuffled sample
//! order is a `Vec`. The step itself allocates nothing: gradients, their backup and each
//! sample's trace live on the stack.

use alloc::vec::Vec;
use core::fmt;

use crate::inspect::metrics::{accuracy, class_of, mean_loss};
use crate::layers::init::Rng;
use crate::loss::Loss;
use crate::network::params::Parameters;
use crate::network::{Network, Trainable};
use crate::optim::Optimizer;
use crate::scalar::{Float, Vector};

/// What an epoch callback tells [`fit`] to do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Control {
    /// Go on training.
    Continue,
    /// Stop after this epoch ([`StopReason::Callback`]).
    Stop,
}

/// What [`fit`] reports after each epoch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochReport<T> {
    /// The epoch just finished, counting from 1.
    pub epoch: usize,
    /// The number of epochs [`fit`] was asked for.
    pub epochs: usize,
    /// Mean training loss over the epoch's samples (each computed before its batch's update).
    pub loss: T,
    /// Training accuracy over the epoch, if [`FitConfig::accuracy`] is on.
    pub accuracy: Option<f64>,
    /// Mean loss over the validation set after the epoch, if one was given.
    pub val_loss: Option<T>,
    /// Accuracy over the validation set after the epoch, if one was given and
    /// [`FitConfig::accuracy`] is on.
    pub val_accuracy: Option<f64>,
    /// Samples trained on in this epoch (time steps, for
    /// [`fit_sequences`](super::fit_sequences)).
    pub samples: usize,
    /// Optimizer steps taken so far, over all epochs.
    pub steps: usize,
    /// Whether this is the last epoch: the epoch count is reached, or the target loss or the
    /// patience rule stops training after it (a callback's own stop comes after this report).
    pub last: bool,
}

/// Why [`fit`] stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StopReason {
    /// It ran all the epochs it was given.
    Epochs,
    /// The epoch's training loss reached [`FitConfig::target_loss`].
    TargetLoss,
    /// The monitored loss did not improve for [`FitConfig::patience`] epochs.
    Patience,
    /// The callback returned [`Control::Stop`].
    Callback,
}

/// The per-epoch record of a [`fit`] run.
#[derive(Clone, Debug, PartialEq)]
pub struct History<T> {
    /// Mean training loss of each epoch.
    pub loss: Vec<T>,
    /// Training accuracy of each epoch (empty unless accuracy is tracked).
    pub accuracy: Vec<f64>,
    /// Validation loss after each epoch (empty without a validation set).
    pub val_loss: Vec<T>,
    /// Validation accuracy after each epoch (empty without a validation set or accuracy).
    pub val_accuracy: Vec<f64>,
    /// Why training stopped.
    pub stopped: StopReason,
    /// Optimizer steps taken.
    pub steps: usize,
}

impl<T: Float> History<T> {
    /// Number of epochs run.
    pub fn epochs(&self) -> usize {
        self.loss.len()
    }

    /// The last epoch's training loss, if any epoch ran.
    pub fn final_loss(&self) -> Option<T> {
        self.loss.last().copied()
    }
}

/// Training diverged: a loss or gradient was not finite (or a step made a parameter so). The
/// network keeps its parameters from before that step, which are all finite.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Diverged {
    /// The epoch, counting from 1.
    pub epoch: usize,
    /// The optimizer step, counting from 1 over the whole run, that was refused.
    pub step: usize,
}

impl fmt::Display for Diverged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "training diverged at epoch {}, step {}: a loss, gradient or updated parameter was \
             not finite (try a smaller learning rate or gradient clipping); the network keeps \
             its parameters from before that step",
            self.epoch, self.step
        )
    }
}

impl core::error::Error for Diverged {}

/// The callback type of a [`FitConfig`] without one.
pub type NoCallback<T> = fn(&EpochReport<T>) -> Control;

/// How [`fit`] trains. Build it with [`FitConfig::new`] and the setters:
///
/// ```text
/// FitConfig::new(200).batch_size(16).seed(7).patience(20).validation(&val).accuracy()
/// ```
///
/// `D` is the sample type `(N::Input, N::Output)` and `F` the epoch callback.
#[derive(Clone, Copy, Debug)]
pub struct FitConfig<'v, T, D, F> {
    /// Maximum number of passes over the data.
    pub epochs: usize,
    /// Samples per mini-batch (the last batch of an epoch may be smaller). 32 by default.
    pub batch_size: usize,
    /// Seed of the per-epoch shuffle.
    pub seed: u64,
    /// Whether to shuffle the samples before each epoch (on by default).
    pub shuffle: bool,
    /// Stop once an epoch's mean training loss is at most this.
    pub target_loss: Option<T>,
    /// Stop once the monitored loss (validation loss if there is a validation set, training
    /// loss otherwise) has not improved for this many epochs.
    pub patience: Option<usize>,
    /// Samples evaluated (never trained on) after each epoch.
    pub validation: Option<&'v [D]>,
    /// Whether to measure classification accuracy (see [`class_of`]).
    pub accuracy: bool,
    /// Called after each epoch.
    pub callback: F,
}

impl<T, D> FitConfig<'static, T, D, NoCallback<T>> {
    /// At most `epochs` epochs, batches of 32, seed 0, shuffled, no early stop, no validation,
    /// no accuracy, no callback.
    pub fn new(epochs: usize) -> Self {
        FitConfig {
            epochs,
            batch_size: 32,
            seed: 0,
            shuffle: true,
            target_loss: None,
            patience: None,
            validation: None,
            accuracy: false,
            callback: |_| Control::Continue,
        }
    }
}

impl<'v, T, D, F> FitConfig<'v, T, D, F> {
    /// Samples per mini-batch (at least 1).
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size.max(1);
        self
    }

    /// Seed of the shuffle: the same seed, data and starting network give the same result,
    /// bit for bit.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Whether to shuffle before each epoch.
    pub fn shuffle(mut self, shuffle: bool) -> Self {
        self.shuffle = shuffle;
        self
    }

    /// Stop once an epoch's mean training loss is at most `target`.
    pub fn target_loss(mut self, target: T) -> Self {
        self.target_loss = Some(target);
        self
    }

    /// Stop once the monitored loss has not improved for `epochs` epochs.
    pub fn patience(mut self, epochs: usize) -> Self {
        self.patience = Some(epochs);
        self
    }

    /// Measure classification accuracy on the training and validation sets.
    pub fn accuracy(mut self) -> Self {
        self.accuracy = true;
        self
    }

    /// Evaluate `validation` after each epoch; patience then watches its loss.
    pub fn validation<'w>(self, validation: &'w [D]) -> FitConfig<'w, T, D, F> {
        FitConfig {
            epochs: self.epochs,
            batch_size: self.batch_size,
            seed: self.seed,
            shuffle: self.shuffle,
            target_loss: self.target_loss,
            patience: self.patience,
            validation: Some(validation),
            accuracy: self.accuracy,
            callback: self.callback,
        }
    }

    /// Calls `callback` after each epoch; it can stop training by returning
    /// [`Control::Stop`].
    pub fn on_epoch<G>(self, callback: G) -> FitConfig<'v, T, D, G>
    where
        G: FnMut(&EpochReport<T>) -> Control,
    {
        FitConfig {
            epochs: self.epochs,
            batch_size: self.batch_size,
            seed: self.seed,
            shuffle: self.shuffle,
            target_loss: self.target_loss,
            patience: self.patience,
            validation: self.validation,
            accuracy: self.accuracy,
            callback,
        }
    }
}

/// Trains `net` on `data` with mini-batch gradient descent.
///
/// Each epoch: [`Optimizer::start_epoch`], a shuffle of the sample order (from `config.seed`),
/// then one optimizer step per mini-batch with the batch's mean gradient. After each epoch the
/// validation set is evaluated, the callback runs and the stopping rules are checked. Returns
/// the [`History`].
///
/// Divergence is an error, never silent: if a batch's loss or gradient is not finite, or a step
/// leaves a parameter that is not finite, training stops with [`Diverged`] and `net` keeps its
/// parameters from before that step.
///
/// `config` is taken by value because the callback is `FnMut`. An empty `data` runs no epoch.
pub fn fit<'v, T, N, L, O, F>(
    net: &mut N,
    data: &[(N::Input, N::Output)],
    loss: &L,
    opt: &mut O,
    mut config: FitConfig<'v, T, (N::Input, N::Output), F>,
) -> Result<History<T>, Diverged>
where
    T: Float,
    N: Network<T>,
    L: Loss<T, N::OutputActivation>,
    O: Optimizer<T, N>,
    F: FnMut(&EpochReport<T>) -> Control,
{
    if data.is_empty() {
        return Ok(Run::<T, N::Gradients>::history(config.epochs));
    }
    let mut order: Vec<usize> = (0..data.len()).collect();
    let mut rng = Rng::new(config.seed);
    let batch_size = config.batch_size.max(1);
    // On the heap: a large network's gradients do not fit a thread's stack.
    let mut run = Run::new(
        config.epochs,
        boxed_gradients::<T, N>(),
        boxed_gradients::<T, N>(),
    );

    for epoch in 1..=config.epochs {
        begin_epoch::<T, N, O>(opt, epoch, config.shuffle.then_some(&mut rng), &mut order);
        let mut total = T::zero();
        let mut correct = 0usize;
        for batch in order.chunks(batch_size) {
            run.grads.set_zero();
            let mut batch_loss = T::zero();
            for &i in batch {
                let (x, y) = &data[i];
                let trace = net.forward_trace(x);
                let (z, a) = N::trace_output(&trace);
                batch_loss += loss.value(z.as_ref(), a.as_ref(), y.as_ref());
                if config.accuracy {
                    correct += usize::from(class_of(a.as_ref()) == class_of(y.as_ref()));
                }
                let mut delta = N::Output::zeroed();
                loss.delta(
                    net.output_activation(),
                    z.as_ref(),
                    a.as_ref(),
                    y.as_ref(),
                    delta.as_mut(),
                );
                net.backward_delta(&trace, &delta, &mut run.grads);
            }
            run.grads.scale(T::one() / T::cast(batch.len() as f64));
            run.update(net, opt, batch_loss, epoch)?;
            total += batch_loss;
        }
        let epoch_loss = total / T::cast(data.len() as f64);
        let train_accuracy = config.accuracy.then(|| correct as f64 / data.len() as f64);
        let val = config.validation.filter(|v| !v.is_empty()).map(|val| {
            let acc = config.accuracy.then(|| accuracy(&*net, val));
            (mean_loss(&*net, val, loss), acc)
        });
        if run.end_epoch(
            &mut config,
            epoch,
            epoch_loss,
            train_accuracy,
            val,
            data.len(),
        ) {
            break;
        }
    }
    Ok(run.history)
}

/// The start of epoch `epoch` (from 1): tells the optimizer, and shuffles the sample order
/// with `rng` if given.
pub(super) fn begin_epoch<T: Float, N: Trainable<T>, O: Optimizer<T, N>>(
    opt: &mut O,
    epoch: usize,
    rng: Option<&mut Rng>,
    order: &mut [usize],
) {
    opt.start_epoch(epoch - 1);
    if let Some(rng) = rng {
        rng.shuffle(order);
    }
}

/// What [`fit`] and [`fit_sequences`](super::fit_sequences) share: the history, the stopping
/// rules, and the optimizer step guarded against divergence. `G` is the gradient type.
pub(super) struct Run<T, G> {
    /// The record so far.
    pub history: History<T>,
    /// The gradients of the current batch, on the heap.
    pub grads: alloc::boxed::Box<G>,
    /// The parameters before the current step (same shapes as the gradients).
    backup: alloc::boxed::Box<G>,
    best: T,
    since_best: usize,
    step: usize,
}

impl<T: Float, G: Parameters<T>> Run<T, G> {
    /// An empty history for a run of at most `epochs` epochs.
    pub fn history(epochs: usize) -> History<T> {
        History {
            loss: Vec::with_capacity(epochs),
            accuracy: Vec::new(),
            val_loss: Vec::new(),
            val_accuracy: Vec::new(),
            stopped: StopReason::Epochs,
            steps: 0,
        }
    }

    /// A run of at most `epochs` epochs, with zeroed `grads` and `backup` allocated by the
    /// caller.
    pub fn new(epochs: usize, grads: alloc::boxed::Box<G>, backup: alloc::boxed::Box<G>) -> Self {
        Run {
            history: Self::history(epochs),
            grads,
            backup,
            best: T::infinity(),
            since_best: 0,
            step: 0,
        }
    }

    /// One optimizer step on [`grads`](Self::grads), counted, unless the batch's loss or
    /// gradient is not finite; a step that makes a parameter not finite is undone. Both are
    /// [`Diverged`].
    pub fn update<N, O>(
        &mut self,
        net: &mut N,
        opt: &mut O,
        batch_loss: T,
        epoch: usize,
    ) -> Result<(), Diverged>
    where
        N: Trainable<T, Gradients = G>,
        O: Optimizer<T, N>,
    {
        self.step += 1;
        let step = self.step;
        if !batch_loss.is_finite() || !self.grads.all_finite() {
            return Err(Diverged { epoch, step });
        }
        copy_params(&*net, &mut *self.backup);
        opt.step(net, &self.grads);
        if !net.all_finite() {
            copy_params(&*self.backup, net);
            return Err(Diverged { epoch, step });
        }
        Ok(())
    }

    /// Records an epoch (its training loss and accuracy, the validation loss and accuracy),
    /// applies the patience and target-loss rules, reports to the callback. Returns whether to
    /// stop; the reason is then in the history.
    #[allow(clippy::too_many_arguments)]
    pub fn end_epoch<D, F>(
        &mut self,
        config: &mut FitConfig<'_, T, D, F>,
        epoch: usize,
        epoch_loss: T,
        train_accuracy: Option<f64>,
        val: Option<(T, Option<f64>)>,
        samples: usize,
    ) -> bool
    where
        F: FnMut(&EpochReport<T>) -> Control,
    {
        let history = &mut self.history;
        history.steps = self.step;
        history.loss.push(epoch_loss);
        history.accuracy.extend(train_accuracy);
        let (val_loss, val_accuracy) = (val.map(|v| v.0), val.and_then(|v| v.1));
        history.val_loss.extend(val_loss);
        history.val_accuracy.extend(val_accuracy);
        let mut stop = None;
        if let Some(patience) = config.patience {
            let monitored = val_loss.unwrap_or(epoch_loss);
            if monitored < self.best {
                self.best = monitored;
                self.since_best = 0;
            } else {
                self.since_best += 1;
                if self.since_best >= patience {
                    stop = Some(StopReason::Patience);
                }
            }
        }
        if config.target_loss.is_some_and(|t| epoch_loss <= t) {
            stop = Some(StopReason::TargetLoss);
        }
        let report = EpochReport {
            epoch,
            epochs: config.epochs,
            loss: epoch_loss,
            accuracy: train_accuracy,
            val_loss,
            val_accuracy,
            samples,
            steps: self.step,
            last: stop.is_some() || epoch == config.epochs,
        };
        if (config.callback)(&report) == Control::Stop && stop.is_none() {
            stop = Some(StopReason::Callback);
        }
        if let Some(reason) = stop {
            history.stopped = reason;
        }
        stop.is_some()
    }
}

/// Zero gradients on the heap, never on the stack with `std` (generated networks allocate them
/// zeroed).
#[cfg(feature = "std")]
fn boxed_gradients<T: Float, N: Network<T>>() -> alloc::boxed::Box<N::Gradients> {
    N::boxed_gradients()
}

/// Zero gradients on the heap (built on the stack first in unoptimised builds).
#[cfg(not(feature = "std"))]
fn boxed_gradients<T: Float, N: Network<T>>() -> alloc::boxed::Box<N::Gradients> {
    alloc::boxed::Box::default()
}

/// Copies every parameter of `src` into `dst`, tensor by tensor (same shapes).
fn copy_params<T: Float, A: Parameters<T>, B: Parameters<T>>(src: &A, dst: &mut B) {
    for i in 0..A::TENSORS {
        dst.tensor_mut(i).copy_from_slice(src.tensor(i));
    }
}

/// A ready-made epoch callback that prints one compact line on the first epoch, every
/// `every` epochs and the last one (also when training stops early): epoch, training loss, accuracy and validation figures
/// when measured, and throughput in samples per second since the previous line.
///
/// ```text
/// epoch   20/200  loss 0.091523  acc 97.50%  val_loss 0.104114  val_acc 96.67%  412.3k samples/s
/// ```
///
/// It returns `impl FnMut(&EpochReport<T>) -> Control` (always [`Control::Continue`]), for
/// [`FitConfig::on_epoch`]; to print and also stop on a condition, call it from a closure:
/// `let mut p = progress(10); move |r| { p(r); if r.loss < 0.01 { Control::Stop } else { Control::Continue } }`.
#[cfg(feature = "std")]
pub fn progress<T: Float>(every: usize) -> impl FnMut(&EpochReport<T>) -> Control {
    use std::time::Instant;
    let every = every.max(1);
    let mut since = Instant::now();
    let mut samples = 0usize;
    move |r: &EpochReport<T>| {
        samples += r.samples;
        if r.epoch == 1 || r.epoch.is_multiple_of(every) || r.last {
            let secs = since.elapsed().as_secs_f64();
            let rate = if secs > 0.0 {
                samples as f64 / secs
            } else {
                f64::INFINITY
            };
            let wide = crate::inspect::metrics::digits(r.epochs);
            let mut line = std::format!(
                "epoch {:>wide$}/{}  loss {:.6}",
                r.epoch,
                r.epochs,
                r.loss.as_f64()
            );
            if let Some(a) = r.accuracy {
                line.push_str(&std::format!("  acc {:.2}%", 100.0 * a));
            }
            if let Some(l) = r.val_loss {
                line.push_str(&std::format!("  val_loss {:.6}", l.as_f64()));
            }
            if let Some(a) = r.val_accuracy {
                line.push_str(&std::format!("  val_acc {:.2}%", 100.0 * a));
            }
            let (rate, unit) = if rate >= 1e6 {
                (rate / 1e6, "M")
            } else if rate >= 1e3 {
                (rate / 1e3, "k")
            } else {
                (rate, "")
            };
            line.push_str(&std::format!("  {rate:.1}{unit} samples/s"));
            std::println!("{line}");
            since = Instant::now();
            samples = 0;
        }
        Control::Continue
    }
}
