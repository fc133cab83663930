//! [`fit_sequences`]: [`fit`](super::fit) for sequence networks (`gru`, `lstm`), trained by
//! backpropagation through time over a data set of sequences.
//!
//! One data set covers both shapes sequence training takes:
//!
//! - **labelled sequences**, each its own example (a gesture, a sentence): sequences of one
//!   window each, the loss on the last steps only (a warm-up of `W − 1` scores the last step,
//!   as a classifier does);
//! - **streams** (audio, sensor logs): one long sequence, or a stream cut into segments, walked
//!   window after window with the state carried from each window to the next (truncated BPTT),
//!   the first `warmup` steps of each sequence bringing the state up from zero.
//!
//! Needs the `alloc` feature, as `fit` does: the history, the shuffled order and one start
//! state per sequence of a batch are allocated once per run; the window's step traces live
//! in storage the caller passes in, and a step allocates nothing.

use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;

use super::fit::{Control, Diverged, EpochReport, FitConfig, History, Run, begin_epoch};
use crate::inspect::metrics::class_of;
use crate::layers::init::Rng;
use crate::loss::Loss;
use crate::network::params::Parameters;
use crate::network::{SequenceNetwork, WindowTrace};
use crate::optim::Optimizer;
use crate::scalar::Float;

/// One sequence of a data set for [`fit_sequences`]: its inputs and its targets, one per time
/// step (`targets[t]` is what the output should be after `inputs[t]`).
pub type Sequence<'a, I, O> = (&'a [I], &'a [O]);

/// Trains the sequence network `net` on the sequences `data` by backpropagation through
/// time, in windows of `W` steps whose traces live in `window`.
///
/// Each sequence starts from the zero state and is walked in consecutive windows of `W`
/// steps, the state carried from each window to the next (truncated BPTT); steps past its
/// last full window are not used. The loss is the mean over every step from `warmup` on of
/// the per-step loss: the first `warmup` steps of each sequence only bring the state up (a
/// window wholly inside them is stepped through without gradient; the window where they end
/// back-propagates through its warm-up steps too, see
/// [`window_gradients`](SequenceNetwork::window_gradients)).
///
/// Each epoch: [`Optimizer::start_epoch`], a shuffle of the sequences (from `config.seed`;
/// [`FitConfig::shuffle`] turns it off, for a stream whose segments must stay in order),
/// then the sequences go by batches of [`FitConfig::batch_size`]: window `k` of every
/// sequence of the batch makes one optimizer step on the mean of their gradients. Validation
/// sequences are scored the same way after each epoch (loss, and accuracy with
/// [`FitConfig::accuracy`]: the fraction of scored steps whose output has the target's
/// class, see [`class_of`]). Target loss, patience, the callback and the [`History`] are as
/// for [`fit`](super::fit); [`EpochReport::samples`] counts time steps.
///
/// Divergence is an error, never silent: if a batch's loss or gradient is not finite, or a
/// step leaves a parameter that is not finite, training stops with [`Diverged`] and `net`
/// keeps its parameters from before that step.
///
/// # Panics
///
/// If a sequence's inputs and targets differ in length, or if a sequence (training or
/// validation) has no step from `warmup` on within its full windows.
pub fn fit_sequences<'v, 'd, T, N, L, O, F, const W: usize>(
    net: &mut N,
    data: &[Sequence<'d, N::Input, N::Output>],
    warmup: usize,
    window: &mut WindowTrace<N::Step, W>,
    loss: &L,
    opt: &mut O,
    mut config: FitConfig<'v, T, Sequence<'d, N::Input, N::Output>, F>,
) -> Result<History<T>, Diverged>
where
    T: Float,
    N: SequenceNetwork<T>,
    L: Loss<T, N::OutputActivation>,
    O: Optimizer<T, N>,
    F: FnMut(&EpochReport<T>) -> Control,
{
    let scored = check::<_, _, W>(data, warmup);
    if let Some(val) = config.validation {
        check::<_, _, W>(val, warmup);
    }
    if data.is_empty() {
        return Ok(Run::<T, N::Gradients>::history(config.epochs));
    }
    let steps: usize = data.iter().map(|(xs, _)| xs.len() / W * W).sum();
    let mut order: Vec<usize> = (0..data.len()).collect();
    let mut rng = Rng::new(config.seed);
    let batch_size = config.batch_size.max(1).min(data.len());
    let mut run = Run::<T, N::Gradients>::new(config.epochs, Box::default(), Box::default());
    let mut starts = vec![N::State::default(); batch_size];

    for epoch in 1..=config.epochs {
        begin_epoch::<T, N, O>(opt, epoch, config.shuffle.then_some(&mut rng), &mut order);
        let mut total = T::zero();
        let mut correct = 0usize;
        for batch in order.chunks(batch_size) {
            let starts = &mut starts[..batch.len()];
            starts.fill(N::State::default());
            let windows = batch.iter().map(|&i| data[i].0.len() / W).max();
            for k in 0..windows.unwrap_or(0) {
                let at = k * W;
                // The sequences of the batch that have a window `k`, and their states.
                let lanes = batch
                    .iter()
                    .zip(starts.iter_mut())
                    .filter(|&(&i, _)| data[i].0.len() >= at + W)
                    .map(|(&i, state)| (&data[i].0[at..at + W], &data[i].1[at..at + W], state));
                if at + W <= warmup {
                    for (xs, _, state) in lanes {
                        for x in xs {
                            net.step(state, x);
                        }
                    }
                    continue;
                }
                let skip = warmup.saturating_sub(at);
                run.grads.set_zero();
                let (mut batch_loss, mut count) = (T::zero(), 0usize);
                for (xs, ys, state) in lanes {
                    let (xs, ys) = (xs.try_into().unwrap(), ys.try_into().unwrap());
                    let (l, end) =
                        net.window_gradients(state, xs, ys, skip, loss, window, &mut run.grads);
                    (*state, batch_loss, count) = (end, batch_loss + l, count + 1);
                    if config.accuracy {
                        correct += window.steps[skip..]
                            .iter()
                            .zip(&ys[skip..])
                            .filter(|(s, y)| same_class::<T, N>(N::step_output(s).1, y))
                            .count();
                    }
                }
                run.grads.scale(T::one() / T::cast(count as f64));
                run.update(net, opt, batch_loss, epoch)?;
                // Every window of the batch scores `W − skip` steps.
                total += batch_loss * T::cast((W - skip) as f64);
            }
        }
        let epoch_loss = total / T::cast(scored as f64);
        let train_accuracy = config.accuracy.then(|| correct as f64 / scored as f64);
        let val = config
            .validation
            .filter(|v| !v.is_empty())
            .map(|val| evaluate::<T, N, L, W>(net, val, warmup, loss, config.accuracy));
        if run.end_epoch(&mut config, epoch, epoch_loss, train_accuracy, val, steps) {
            break;
        }
    }
    Ok(run.history)
}

/// Checks the sequences' shapes; returns how many steps a pass scores.
fn check<I, O, const W: usize>(data: &[Sequence<'_, I, O>], warmup: usize) -> usize {
    data.iter()
        .map(|(xs, ys)| {
            assert_eq!(
                xs.len(),
                ys.len(),
                "fit_sequences: every sequence needs one target per input"
            );
            let full = xs.len() / W * W;
            assert!(
                full > warmup,
                "fit_sequences: a sequence of {} steps has no step after the warm-up of \
                 {warmup} within its full windows of {W} steps",
                xs.len()
            );
            full - warmup
        })
        .sum()
}

fn same_class<T: Float, N: SequenceNetwork<T>>(a: &N::Output, y: &N::Output) -> bool {
    class_of(a.as_ref()) == class_of(y.as_ref())
}

/// The mean loss over the scored steps of `data` (each sequence from the zero state, its
/// full windows only), and the accuracy over them if asked.
fn evaluate<T, N, L, const W: usize>(
    net: &N,
    data: &[Sequence<'_, N::Input, N::Output>],
    warmup: usize,
    loss: &L,
    accuracy: bool,
) -> (T, Option<f64>)
where
    T: Float,
    N: SequenceNetwork<T>,
    L: Loss<T, N::OutputActivation>,
{
    let (mut total, mut count, mut correct) = (T::zero(), 0usize, 0usize);
    for (xs, ys) in data {
        let full = xs.len() / W * W;
        let start = N::State::default();
        net.scored_steps(&start, &xs[..full], &ys[..full], warmup, |z, a, y| {
            total += loss.value(z.as_ref(), a.as_ref(), y.as_ref());
            count += 1;
            correct += usize::from(same_class::<T, N>(a, y));
        });
    }
    let acc = accuracy.then(|| correct as f64 / count as f64);
    (total / T::cast(count as f64), acc)
}
