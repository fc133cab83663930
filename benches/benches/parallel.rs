//! W4 with mini-batches of 256 on 1 thread and on every core, through
//! `Network::train_batch_parallel_with` (feature `parallel`; the scratch is reused, as in a
//! training loop). Run with
//! `cargo bench -p network-benches --features parallel --bench parallel`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use network::Rng;
use network::prelude::*;

network! {
    /// W3/W4's network.
    struct Mnist < dense(784 -> 128, relu), dense(128 -> 10, softmax) >
}

fn parallel(c: &mut Criterion) {
    let mut rng = Rng::new(3);
    let n = 1024;
    let xs: Vec<[f32; 784]> = (0..n)
        .map(|_| core::array::from_fn(|_| rng.uniform(0.0, 1.0)))
        .collect();
    let ys: Vec<[f32; 10]> = (0..n)
        .map(|_| {
            let k = (rng.next_u64() % 10) as usize;
            core::array::from_fn(|j| (j == k) as u8 as f32)
        })
        .collect();
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut group = c.benchmark_group("W4 mnist256 train_batch_parallel");
    group.throughput(Throughput::Elements(256));
    for threads in [1, cores] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut net = Mnist::<f32>::boxed_seeded(4);
        let mut sgd = Sgd::new(0.01f32);
        let mut scratch = ParallelScratch::new();
        let mut i = 0;
        group.bench_function(format!("{threads} threads"), |b| {
            b.iter(|| {
                let r = i * 256..(i + 1) * 256;
                i = (i + 1) % (n / 256);
                pool.install(|| {
                    black_box(
                        net.train_batch_parallel_with(
                            &mut scratch,
                            &xs[r.clone()],
                            &ys[r],
                            &CrossEntropy,
                            &mut sgd,
                        )
                        .unwrap(),
                    )
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, parallel);
criterion_main!(benches);
