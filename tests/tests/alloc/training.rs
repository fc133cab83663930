//! The training toolkit keeps the hot path off the heap: every optimizer's step (state in the
//! network's own gradient type), the wrappers, and `fit`, whose allocations (history, shuffled
//! index) do not grow with the number of steps.

use network::prelude::*;
use network::{ClipNorm, Rng};

use crate::counting::{allocations, alone};

network! {
    struct Net < dense(4 -> 16, gelu), dense(16 -> 8, silu), dense(8 -> 3, identity) >
    struct Seq < gru(2 -> 8), dense(8 -> 2, identity) >
}

#[test]
fn optimizer_steps_and_fit_steps_do_not_allocate() {
    let _alone = alone();
    let mut net: Net = Net::seeded(1);
    let x = [0.5f32, -1.0, 0.25, 2.0];
    let y = [0.0f32, 1.0, 0.0];
    let mut sgd = Sgd::new(0.01).momentum(0.9).nesterov().weight_decay(1e-4);
    let mut adam = Adam::new(1e-3).weight_decay(1e-4);
    let mut adamw = AdamW::new(1e-3);
    let mut clipped = ClipNorm::new(Adam::new(1e-3), 1.0);
    let mut scheduled = Scheduled::per_step(
        Sgd::new(0.1),
        Cosine {
            initial: 0.1,
            min: 0.0,
            period: 100,
        },
    );
    let mut sink = 0.0f32;
    let n = allocations(|| {
        for _ in 0..10 {
            sink += net.train_step(&x, &y, &CrossEntropy, &mut sgd);
            sink += net.train_step(&x, &y, &CrossEntropy, &mut adam);
            sink += net.train_step(&x, &y, &Huber::default(), &mut adamw);
            sink += net.train_step(&x, &y, &Mae, &mut clipped);
            sink += net.train_step(&x, &y, &Mse, &mut scheduled);
        }
    });
    assert!(sink.is_finite());
    assert_eq!(n, 0, "optimizer steps allocated {n} times");

    // fit: the same number of allocations for 8 steps per epoch or 64.
    let mut rng = Rng::new(2);
    let data: Vec<([f32; 4], [f32; 3])> = (0..64)
        .map(|i| {
            let x = std::array::from_fn(|_| rng.uniform(-1.0, 1.0));
            let mut y = [0.0; 3];
            y[i % 3] = 1.0;
            (x, y)
        })
        .collect();
    let count = |batch_size: usize| {
        let mut net: Net = Net::seeded(3);
        let mut opt = Adam::new(1e-3);
        allocations(|| {
            let h = fit(
                &mut net,
                &data,
                &CrossEntropy,
                &mut opt,
                FitConfig::new(10).batch_size(batch_size),
            )
            .unwrap();
            assert_eq!(h.steps, 10 * 64 / batch_size);
        })
    };
    let (coarse, fine) = (count(8), count(1));
    assert_eq!(coarse, fine, "fit's allocations grew with its steps");
    assert!(fine <= 4, "fit allocated {fine} times for 10 epochs");

    // The counter does count: a Vec allocates.
    let n = allocations(|| {
        let v: Vec<u8> = Vec::with_capacity(std::hint::black_box(16));
        std::hint::black_box(v);
    });
    assert_eq!(n, 1);
}

/// Backpropagation through time, the sequence training steps and `fit_sequences`' steps keep
/// their traces in the caller's window: `fit_sequences` allocates the same for 4 windows per
/// sequence as for 16.
#[test]
fn sequence_steps_and_fit_sequences_steps_do_not_allocate() {
    let _alone = alone();
    const W: usize = 8;
    let mut net: Seq = Seq::seeded(1);
    let mut window = Seq::<f32>::zeroed_window::<W>();
    let mut adam = Adam::new(1e-3);
    let xs = [[0.5f32, -0.25]; W];
    let ys = [[0.1f32, 0.2]; W];
    let mut starts = [SeqState::default(); 2];
    let mut sink = 0.0f32;
    let n = allocations(|| {
        for _ in 0..5 {
            let (l, end) =
                net.train_sequence(&starts[0], &xs, &ys, 2, &Mse, &mut adam, &mut window);
            starts[1] = end;
            sink += l;
            sink += net.train_sequence_batch(
                &mut starts,
                &[xs; 2],
                &[ys; 2],
                0,
                &Mse,
                &mut adam,
                &mut window,
            );
            sink += net.sequence_loss(&starts[0], &xs, &ys, 1, &Mse).0;
        }
    });
    assert!(sink.is_finite());
    assert_eq!(n, 0, "sequence training steps allocated {n} times");

    let mut rng = Rng::new(2);
    let stream: Vec<([f32; 2], [f32; 2])> = (0..8 * 16 * W)
        .map(|_| {
            let x = std::array::from_fn(|_| rng.uniform(-1.0, 1.0));
            (x, [x[1], x[0]])
        })
        .collect();
    let (xs, ys): (Vec<[f32; 2]>, Vec<[f32; 2]>) = stream.into_iter().unzip();
    let mut count = |windows: usize| {
        let data: Vec<Sequence<[f32; 2], [f32; 2]>> = xs
            .chunks(16 * W)
            .zip(ys.chunks(16 * W))
            .map(|(x, y)| (&x[..windows * W], &y[..windows * W]))
            .collect();
        let val = &data[..2];
        let mut net: Seq = Seq::seeded(3);
        let mut opt = Adam::new(1e-3);
        allocations(|| {
            let config = FitConfig::new(5).batch_size(4).validation(val).accuracy();
            let h = fit_sequences(&mut net, &data, 3, &mut window, &Mse, &mut opt, config).unwrap();
            assert_eq!(h.steps, 5 * 2 * windows);
        })
    };
    let (short, long) = (count(4), count(16));
    assert_eq!(
        short, long,
        "fit_sequences' allocations grew with its steps"
    );
    // The history's four growing records, the order, the gradients, their backup, the states.
    assert!(
        long <= 12,
        "fit_sequences allocated {long} times for 5 epochs"
    );
}
