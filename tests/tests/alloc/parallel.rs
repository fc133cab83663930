//! `train_batch_parallel_with` reuses its scratch: after the first step, no step allocates
//! gradient-sized memory on any thread (rayon's scheduling may still make small allocations,
//! which is why this counts bytes, on every thread, rather than calls). Feature `parallel`.

use network::prelude::*;
use network::{PARALLEL_PARTS, Rng};

use crate::counting::{alone, bytes_allocated};

network! {
    struct Mnist < dense(784 -> 128, relu), dense(128 -> 10, softmax) >
}

#[test]
fn reused_scratch_allocates_no_gradient_buffers_and_matches_the_allocating_call() {
    let _alone = alone();
    let mut rng = Rng::new(5);
    let xs: Vec<[f32; 784]> = (0..256)
        .map(|_| core::array::from_fn(|_| rng.uniform(0.0, 1.0)))
        .collect();
    let ys: Vec<[f32; 10]> = (0..256)
        .map(|i| core::array::from_fn(|j| (j == i % 10) as u8 as f32))
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let grads_bytes = core::mem::size_of::<MnistGradients<f32>>();

    let mut a = Mnist::<f32>::boxed_seeded(2);
    let mut b = Mnist::<f32>::boxed_seeded(2);
    let mut scratch = ParallelScratch::new();
    let mut sgd = Sgd::new(0.05f32);
    let first = bytes_allocated(|| {
        pool.install(|| {
            a.train_batch_parallel_with(&mut scratch, &xs, &ys, &CrossEntropy, &mut sgd)
                .unwrap();
        })
    });
    // The counter does count: the first step allocates the parts' buffers.
    assert!(
        first >= PARALLEL_PARTS * grads_bytes,
        "first step: {first} bytes"
    );
    pool.install(|| {
        b.train_batch_parallel(&xs, &ys, &CrossEntropy, &mut Sgd::new(0.05))
            .unwrap()
    });

    let mut later = 0;
    for step in 0..5 {
        let r = (step % 4) * 64..(step % 4 + 1) * 64;
        let mut la = 0.0;
        later += bytes_allocated(|| {
            la = pool.install(|| {
                a.train_batch_parallel_with(
                    &mut scratch,
                    &xs[r.clone()],
                    &ys[r.clone()],
                    &CrossEntropy,
                    &mut sgd,
                )
                .unwrap()
            });
        });
        let lb = pool.install(|| {
            b.train_batch_parallel(&xs[r.clone()], &ys[r], &CrossEntropy, &mut Sgd::new(0.05))
                .unwrap()
        });
        assert_eq!(la.to_bits(), lb.to_bits(), "step {step}: losses differ");
    }
    eprintln!("first step {first} bytes, next 5 steps {later} bytes, one gradient {grads_bytes}");
    assert!(
        later < grads_bytes / 10,
        "5 steps with a warm scratch allocated {later} bytes (a gradient is {grads_bytes})"
    );
    let (mut pa, mut pb) = (
        vec![0.0; Mnist::<f32>::PARAMS],
        vec![0.0; Mnist::<f32>::PARAMS],
    );
    a.write_params(&mut pa).unwrap();
    b.write_params(&mut pb).unwrap();
    assert!(pa == pb, "reusing the scratch changed the parameters' bits");
}
