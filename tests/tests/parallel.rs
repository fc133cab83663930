//! `train_batch_parallel` (feature `parallel`): the same bits on any number of threads, and
//! the same update as `train_batch` to float rounding.
#![cfg(feature = "parallel")]

use network::Rng;
use network::prelude::*;

network! {
    struct Mnist < dense(784 -> 128, relu), dense(128 -> 10, softmax) >
}

fn params(net: &Mnist) -> Vec<f32> {
    let mut v = vec![0.0; Mnist::<f32>::PARAMS];
    net.write_params(&mut v).unwrap();
    v
}

#[test]
fn bit_identical_across_thread_counts_and_close_to_the_serial_step() {
    let mut rng = Rng::new(8);
    let xs: Vec<[f32; 784]> = (0..100)
        .map(|_| core::array::from_fn(|_| rng.uniform(0.0, 1.0)))
        .collect();
    let ys: Vec<[f32; 10]> = (0..100)
        .map(|i| core::array::from_fn(|j| (j == i % 10) as u8 as f32))
        .collect();
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut net = Mnist::<f32>::boxed_seeded(1);
        let loss = pool.install(|| {
            net.train_batch_parallel(&xs, &ys, &CrossEntropy, &mut Sgd::new(0.1))
                .unwrap()
        });
        (loss, params(&net))
    };
    let (l1, p1) = run(1);
    for threads in [2, 3, 8] {
        let (l, p) = run(threads);
        assert_eq!(l.to_bits(), l1.to_bits(), "{threads} threads");
        assert!(p == p1, "{threads} threads changed the parameters' bits");
    }
    let mut serial = Mnist::<f32>::boxed_seeded(1);
    let ls = serial
        .train_batch(&xs, &ys, &CrossEntropy, &mut Sgd::new(0.1))
        .unwrap();
    assert!((ls - l1).abs() <= 1e-5 * ls.abs());
    let ps = params(&serial);
    assert_ne!(ps, params(&Mnist::<f32>::boxed_seeded(1)));
    for (a, b) in p1.iter().zip(&ps) {
        assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{a} vs {b}");
    }
    let mut net = Mnist::<f32>::boxed_seeded(1);
    assert_eq!(
        net.train_batch_parallel(&xs[..0], &ys[..0], &CrossEntropy, &mut Sgd::new(0.1)),
        Err(network::Error::EmptyBatch)
    );
}
