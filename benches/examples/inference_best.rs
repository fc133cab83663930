//! Best-of timing of inference, less disturbed by other processes than criterion's means on a
//! shared machine: each workload runs many repetitions of a fixed number of calls and prints
//! the fastest repetition, in ns per call (per batch of 256 for the last lines). The
//! workloads are those of `benches/inference.rs`, each also frozen (`net.freeze()`), plus
//! wider tanh and sigmoid layers.
//!
//! Run with `cargo run --release -p network-benches --example inference_best`.

use network::Rng;
use network::prelude::*;
use std::hint::black_box;
use std::time::Instant;

network! {
    struct Xor < dense(2 -> 8, tanh), dense(8 -> 1, sigmoid) >
    struct Mnist < dense(784 -> 128, relu), dense(128 -> 10, softmax) >
    struct Linear8 < dense(8 -> 8, identity) >
    struct Tanh16 < dense(16 -> 16, tanh) >
    struct Relu64 < dense(64 -> 64, relu) >
    struct Tanh64 < dense(64 -> 64, tanh) >
    struct Tanh128 < dense(16 -> 128, tanh) >
    struct Sig32 < dense(16 -> 32, sigmoid) >
}

/// A sample with entries uniform in `[0, 1)`.
fn sample<const N: usize>(rng: &mut Rng) -> [f32; N] {
    core::array::from_fn(|_| rng.uniform(0.0, 1.0))
}

/// Prints the fastest of `reps` runs of `inner` calls of `f`, per call.
fn best<F: FnMut()>(name: &str, reps: usize, inner: usize, mut f: F) {
    let mut best = f64::INFINITY;
    for _ in 0..reps {
        let t = Instant::now();
        for _ in 0..inner {
            f();
        }
        best = best.min(t.elapsed().as_nanos() as f64 / inner as f64);
    }
    println!("{name:32} {best:10.2} ns");
}

fn main() {
    let mut rng = Rng::new(7);
    let xor = Xor::<f32>::seeded(1);
    let x: [f32; 2] = sample(&mut rng);
    best("xor", 3000, 1000, || {
        black_box(xor.forward(black_box(&x)));
    });
    let frozen = xor.freeze();
    best("xor frozen", 3000, 1000, || {
        black_box(frozen.forward(black_box(&x)));
    });
    let mnist = Mnist::<f32>::boxed_seeded(2);
    let x: [f32; 784] = sample(&mut rng);
    best("mnist", 2000, 10, || {
        black_box(mnist.forward(black_box(&x)));
    });
    let frozen = Box::new(mnist.freeze());
    best("mnist frozen", 2000, 10, || {
        black_box(frozen.forward(black_box(&x)));
    });
    let l8 = Linear8::<f32>::seeded(3);
    let x: [f32; 8] = sample(&mut rng);
    best("8-8 identity", 3000, 1000, || {
        black_box(l8.forward(black_box(&x)));
    });
    let frozen = l8.freeze();
    best("8-8 identity frozen", 3000, 1000, || {
        black_box(frozen.forward(black_box(&x)));
    });
    let t16 = Tanh16::<f32>::seeded(4);
    let x: [f32; 16] = sample(&mut rng);
    best("16-16 tanh", 3000, 1000, || {
        black_box(t16.forward(black_box(&x)));
    });
    let frozen = t16.freeze();
    best("16-16 tanh frozen", 3000, 1000, || {
        black_box(frozen.forward(black_box(&x)));
    });
    let r64 = Relu64::<f32>::seeded(5);
    let x: [f32; 64] = sample(&mut rng);
    best("64-64 relu", 3000, 300, || {
        black_box(r64.forward(black_box(&x)));
    });
    let frozen = r64.freeze();
    best("64-64 relu frozen", 3000, 300, || {
        black_box(frozen.forward(black_box(&x)));
    });
    let n = Tanh64::<f32>::seeded(5);
    let x: [f32; 64] = sample(&mut rng);
    best("64-64 tanh", 3000, 300, || {
        black_box(n.forward(black_box(&x)));
    });
    let n = Tanh128::<f32>::seeded(5);
    let x: [f32; 16] = sample(&mut rng);
    best("16-128 tanh", 3000, 300, || {
        black_box(n.forward(black_box(&x)));
    });
    let n = Sig32::<f32>::seeded(5);
    let x: [f32; 16] = sample(&mut rng);
    best("16-32 sigmoid", 3000, 300, || {
        black_box(n.forward(black_box(&x)));
    });
    let xs: Vec<[f32; 784]> = (0..256).map(|_| sample(&mut rng)).collect();
    let mut ys = vec![[0.0f32; 10]; 256];
    best("784-128-10 x256, forward per row", 200, 1, || {
        for (x, y) in xs.iter().zip(ys.iter_mut()) {
            *y = mnist.forward(black_box(x));
        }
        black_box(&ys);
    });
    best("784-128-10 x256, forward_batch", 200, 1, || {
        mnist.forward_batch(black_box(&xs), &mut ys);
        black_box(&ys);
    });
    let frozen = Box::new(mnist.freeze());
    best("784-128-10 x256, frozen forward_batch", 200, 1, || {
        frozen.forward_batch(black_box(&xs), &mut ys);
        black_box(&ys);
    });
}
