//! Criterion benchmarks of inference, one sample per call, f32, one thread: the dense workloads
//! that `bench/rtneural` times for RTNeural's compile-time API, so the two read side by side.
//! Seeded weights; a ring of distinct inputs uniform like the C++ harness's, each call's output
//! passed through `black_box`. Each workload runs, in one criterion group, the network
//! (`network`), its inference form (`frozen`, `net.freeze()`), the frozen form's `forward_with`
//! inside `network::with_simd` (the loop compiled for the instruction set chosen once, as a
//! user's per-sample loop runs it) and its `forward_batch`. At the end a summary prints, per
//! workload and form, the best and the median nanoseconds per call over criterion's samples.
//!
//! Run with `cargo bench -p network-benches --bench inference` (add `-- --quick` for a short run).

use std::hint::black_box;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use network::prelude::*;
use network::{Rng, Simd};

network! {
    /// The XOR-sized network.
    struct Xor < dense(2 -> 8, tanh), dense(8 -> 1, sigmoid) >
    /// A one-hidden-layer MNIST classifier.
    struct Mnist < dense(784 -> 128, relu), dense(128 -> 10, softmax) >
    /// A single linear layer.
    struct Lin8 < dense(8 -> 8, identity) >
    /// A single small layer with a transcendental activation.
    struct Tanh16 < dense(16 -> 16, tanh) >
    /// A single mid-sized layer.
    struct Relu64 < dense(64 -> 64, relu) >
}

/// Every (workload, form, ns per call) measurement criterion took, for the summary.
static SAMPLES: Mutex<Vec<(&'static str, &'static str, f64)>> = Mutex::new(Vec::new());

/// Distinct inputs uniform in `[lo, hi)`: as many as fit in 128 KiB (4 to 1024), as in the C++
/// harness, so every call sees a different sample and the inputs stay in L2.
fn inputs<const I: usize>(seed: u64, lo: f64, hi: f64) -> Vec<[f32; I]> {
    let n = (32768 / I.next_multiple_of(16)).clamp(4, 1024);
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| core::array::from_fn(|_| rng.uniform(lo, hi)))
        .collect()
}

/// Times the network's and the frozen network's `forward` over the ring of inputs `xs`, in one
/// group, recording ns per call.
fn time<const I: usize, const O: usize>(
    c: &mut Criterion,
    name: &'static str,
    xs: &[[f32; I]],
    network: impl Fn(&[f32; I]) -> [f32; O],
    frozen: impl Fn(&[f32; I]) -> [f32; O],
    frozen_batch: impl Fn(&[[f32; I]], &mut [[f32; O]]),
    frozen_with: impl Fn(Simd, &[f32; I]) -> [f32; O],
) {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(1));
    form(&mut group, name, "network", xs, network);
    form(&mut group, name, "frozen", xs, frozen);
    with_simd(&mut group, name, xs, frozen_with);
    batch(&mut group, name, xs, frozen_batch);
    group.finish();
}

/// The frozen form's `forward_batch` over the whole ring in one call (one choice of instruction
/// set for all of it), recording ns per sample: what a single call costs beyond the layers.
fn batch<const I: usize, const O: usize>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &'static str,
    xs: &[[f32; I]],
    forward_batch: impl Fn(&[[f32; I]], &mut [[f32; O]]),
) {
    let mut ys = vec![[0.0f32; O]; xs.len()];
    group.bench_function("frozen forward_batch", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                forward_batch(black_box(xs), &mut ys);
                black_box(&mut ys);
            }
            let d: Duration = start.elapsed();
            let per = (iters * xs.len() as u64) as f64;
            SAMPLES
                .lock()
                .unwrap()
                .push((name, "batch", d.as_nanos() as f64 / per));
            d
        })
    });
}

/// The frozen form's `forward_with` inside `network::with_simd`: the ring loop compiled for the
/// instruction set chosen once, as a user's per-sample loop (an audio buffer, a control tick)
/// runs it; ns per call.
fn with_simd<const I: usize, const O: usize>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &'static str,
    xs: &[[f32; I]],
    forward_with: impl Fn(Simd, &[f32; I]) -> [f32; O],
) {
    let mut next = 0;
    group.bench_function("frozen with_simd", |b| {
        b.iter_custom(|iters| {
            let (d, i) = network::with_simd(
                #[inline(always)]
                |simd| {
                    let mut i = next;
                    let start = Instant::now();
                    for _ in 0..iters {
                        black_box(forward_with(simd, black_box(&xs[i])));
                        i = if i + 1 == xs.len() { 0 } else { i + 1 };
                    }
                    (start.elapsed(), i)
                },
            );
            next = i;
            SAMPLES
                .lock()
                .unwrap()
                .push((name, "with_simd", d.as_nanos() as f64 / iters as f64));
            d
        })
    });
}

/// One form's benchmark within its workload's group.
fn form<const I: usize, const O: usize>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &'static str,
    form: &'static str,
    xs: &[[f32; I]],
    forward: impl Fn(&[f32; I]) -> [f32; O],
) {
    let mut next = 0;
    group.bench_function(form, |b| {
        b.iter_custom(|iters| {
            // The ring's index in a local: the closure's captured one lives in memory, and its
            // store-to-load round trip every call would be timed too (about 2 ns).
            let mut i = next;
            let start = Instant::now();
            for _ in 0..iters {
                black_box(forward(black_box(&xs[i])));
                i = if i + 1 == xs.len() { 0 } else { i + 1 };
            }
            let d: Duration = start.elapsed();
            next = i;
            SAMPLES
                .lock()
                .unwrap()
                .push((name, form, d.as_nanos() as f64 / iters as f64));
            d
        })
    });
}

fn workloads(c: &mut Criterion) {
    let net: Xor = Xor::seeded(1);
    let frozen = net.freeze();
    let xs = inputs::<2>(11, 0.0, 1.0);
    time(
        c,
        "dense(2->8,tanh),dense(8->1,sigmoid)",
        &xs,
        |x| net.forward(x),
        |x| frozen.forward(x),
        |xs, ys| frozen.forward_batch(xs, ys),
        |simd, x| frozen.forward_with(simd, x),
    );

    let net: Mnist = Mnist::seeded(2);
    let frozen = net.freeze();
    let xs = inputs::<784>(12, 0.0, 1.0);
    time(
        c,
        "dense(784->128,relu),dense(128->10,softmax)",
        &xs,
        |x| net.forward(x),
        |x| frozen.forward(x),
        |xs, ys| frozen.forward_batch(xs, ys),
        |simd, x| frozen.forward_with(simd, x),
    );

    let net: Lin8 = Lin8::seeded(3);
    let frozen = net.freeze();
    let xs = inputs::<8>(13, -1.0, 1.0);
    time(
        c,
        "dense(8->8,identity)",
        &xs,
        |x| net.forward(x),
        |x| frozen.forward(x),
        |xs, ys| frozen.forward_batch(xs, ys),
        |simd, x| frozen.forward_with(simd, x),
    );

    let net: Tanh16 = Tanh16::seeded(4);
    let frozen = net.freeze();
    let xs = inputs::<16>(14, -1.0, 1.0);
    time(
        c,
        "dense(16->16,tanh)",
        &xs,
        |x| net.forward(x),
        |x| frozen.forward(x),
        |xs, ys| frozen.forward_batch(xs, ys),
        |simd, x| frozen.forward_with(simd, x),
    );

    let net: Relu64 = Relu64::seeded(5);
    let frozen = net.freeze();
    let xs = inputs::<64>(15, -1.0, 1.0);
    time(
        c,
        "dense(64->64,relu)",
        &xs,
        |x| net.forward(x),
        |x| frozen.forward(x),
        |xs, ys| frozen.forward_batch(xs, ys),
        |simd, x| frozen.forward_with(simd, x),
    );
}

fn summary(_: &mut Criterion) {
    let samples = SAMPLES.lock().unwrap();
    let mut names: Vec<&str> = samples.iter().map(|s| s.0).collect();
    names.dedup();
    // Best and median ns per call of one workload's form.
    let stats = |name: &str, form: &str| {
        let mut ns: Vec<f64> = samples
            .iter()
            .filter(|s| s.0 == name && s.1 == form)
            .map(|s| s.2)
            .collect();
        ns.sort_by(f64::total_cmp);
        (ns[0], ns[ns.len() / 2])
    };
    println!(
        "\n| workload | network: ns per call (best) | (median) | frozen: ns per call (best) \
         | (median) | frozen `forward_with` in `with_simd`: ns per call (best) | (median) \
         | frozen `forward_batch`: ns per sample (best) |\n|---|---:|---:|---:|---:|---:|---:|---:|"
    );
    for name in names {
        let (nb, nm) = stats(name, "network");
        let (fb, fm) = stats(name, "frozen");
        let (bb, _) = stats(name, "batch");
        let (wb, wm) = stats(name, "with_simd");
        println!(
            "| `{name}` | {nb:.2} | {nm:.2} | {fb:.2} | {fm:.2} | {wb:.2} | {wm:.2} | {bb:.2} |"
        );
    }
}

criterion_group!(benches, workloads, summary);
criterion_main!(benches);
