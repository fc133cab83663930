//! [`train_batch`](Network::train_batch) on all cores, with rayon (feature `parallel`).

use crate::error::Error;
use crate::loss::Loss;
use crate::network::{Architecture, Network, Optimizer, Parameters};
use crate::scalar::Float;

/// The data-parallel mini-batch step of every [`Network`], implemented for all of them; in
/// scope through `network::prelude`.
pub trait TrainParallel<T: Float>: Network<T> {
    /// [`train_batch`](Network::train_batch) on all cores: the batch is cut into at most
    /// [`PARALLEL_PARTS`](crate::PARALLEL_PARTS) parts (multiples of
    /// [`BATCH_CHUNK`](crate::BATCH_CHUNK) samples, fixed by the batch length alone); rayon
    /// computes each part's gradient, and they are summed in part order. So a seeded run gives
    /// the same bits on 1 thread or 64. Any optimizer works: the mean gradient goes to its
    /// [`step`](Optimizer::step).
    ///
    /// This allocates the parts' gradient buffers on every call; in a training loop, keep a
    /// [`ParallelScratch`] and call
    /// [`train_batch_parallel_with`](Self::train_batch_parallel_with), which reuses them.
    fn train_batch_parallel<L, O>(
        &mut self,
        xs: &[Self::Input],
        ys: &[Self::Output],
        loss: &L,
        opt: &mut O,
    ) -> Result<T, Error>
    where
        L: Loss<T, Self::OutputActivation> + Sync,
        O: Optimizer<T, Self>,
        Self: Sync,
        Self::Input: Sync,
        Self::Output: Sync,
        Self::Gradients: Send + Sync,
    {
        TrainParallel::train_batch_parallel_with(
            self,
            &mut ParallelScratch::new(),
            xs,
            ys,
            loss,
            opt,
        )
    }

    /// [`train_batch_parallel`](Self::train_batch_parallel) with the parts' gradient buffers
    /// kept in `scratch`: they are allocated by the first call and reused by the next ones, so
    /// a training loop allocates no gradient-sized memory per step (rayon's own scheduling is
    /// all that may touch the heap). The results are the same bits as
    /// `train_batch_parallel`'s.
    fn train_batch_parallel_with<L, O>(
        &mut self,
        scratch: &mut ParallelScratch<Self::Gradients>,
        xs: &[Self::Input],
        ys: &[Self::Output],
        loss: &L,
        opt: &mut O,
    ) -> Result<T, Error>
    where
        L: Loss<T, Self::OutputActivation> + Sync,
        O: Optimizer<T, Self>,
        Self: Sync,
        Self::Input: Sync,
        Self::Output: Sync,
        Self::Gradients: Send + Sync,
    {
        use crate::PARALLEL_PARTS as PARTS;
        use rayon::prelude::*;
        if xs.len() != ys.len() {
            return Err(Error::BatchLength {
                inputs: xs.len(),
                targets: ys.len(),
            });
        }
        if xs.is_empty() {
            return Err(Error::EmptyBatch);
        }
        // Part sizes depend on the batch length only, never on the thread count.
        let chunk = xs
            .len()
            .div_ceil(PARTS)
            .next_multiple_of(crate::BATCH_CHUNK)
            .max(crate::BATCH_CHUNK);
        while scratch.parts.len() < PARTS {
            scratch
                .parts
                .push(<Self as Architecture<T>>::boxed_gradients());
        }
        let net = &*self;
        let mut totals = [T::zero(); PARTS];
        totals
            .par_iter_mut()
            .zip(scratch.parts.par_iter_mut())
            .zip(xs.par_chunks(chunk).zip(ys.par_chunks(chunk)))
            .for_each(|((total, grads), (xc, yc))| {
                grads.set_zero();
                *total = net.accumulate_batch(xc, yc, loss, grads);
            });
        let used = xs.len().div_ceil(chunk);
        let (first, rest) = scratch.parts.split_at_mut(1);
        let grads = &mut *first[0];
        let rest = &rest[..used - 1];
        let inv = T::one() / T::cast(xs.len() as f64);
        // Sum the parts into the first and take the mean, in parallel over slices of each
        // tensor (done serially, this tail held back the speed-up on 2 cores). Every element
        // still gets ((g₀ + g₁) + g₂) + g₃, then × inv: the order of `add_from` part by part
        // and then `scale`, so the bits depend on the threads no more than before.
        const SLICE: usize = 8192;
        for t in 0..<Self::Gradients as Parameters<T>>::TENSORS {
            grads
                .tensor_mut(t)
                .par_chunks_mut(SLICE)
                .enumerate()
                .for_each(|(i, dst)| {
                    let start = i * SLICE;
                    for part in rest {
                        let src = &part.tensor(t)[start..start + dst.len()];
                        for (d, &s) in dst.iter_mut().zip(src) {
                            *d += s;
                        }
                    }
                    for d in dst.iter_mut() {
                        *d *= inv;
                    }
                });
        }
        let total = totals[..used].iter().fold(T::zero(), |s, &t| s + t);
        opt.step(self, grads);
        Ok(total * inv)
    }
}

impl<T: Float, N: Network<T>> TrainParallel<T> for N {}

/// The gradient buffers of
/// [`TrainParallel::train_batch_parallel_with`]: one per part of a batch, allocated by the first
/// step that uses them and reused by every later one.
pub struct ParallelScratch<G> {
    parts: std::vec::Vec<std::boxed::Box<G>>,
}

impl<G> ParallelScratch<G> {
    /// An empty scratch: nothing is allocated until the first step.
    pub const fn new() -> Self {
        ParallelScratch {
            parts: std::vec::Vec::new(),
        }
    }
}

impl<G> Default for ParallelScratch<G> {
    fn default() -> Self {
        Self::new()
    }
}
