//! Recurrent layers: streaming `step` in nanoseconds per sample for `gru(1 -> 8/16/32)` and
//! `lstm(1 -> 16/40)`, each followed by `dense(H -> 1, identity)` (the workloads of
//! `bench/rtneural`, RTNeural's `GRULayerT`/`LSTMLayerT` with `DenseT`), and backpropagation
//! through time in nanoseconds per time step for the GRU-16 model over a 2048-step window.
//!
//! Each `step` call reads the next input of a ring of 1024 distinct samples and carries the
//! state, as an audio callback does (`step_block` takes the ring's next 64 samples, an audio
//! buffer); criterion's throughput is one element per sample (or per
//! time step), so its `elem/s` is samples per second.
//!
//! Each network is timed beside its frozen form (`net.freeze()`, rows ending in `frozen`:
//! [`FrozenGru`](network::FrozenGru) and [`FrozenLstm`](network::FrozenLstm) hold the weights
//! by columns), and in `step` beside the frozen form's `step_with` inside
//! [`network::with_simd`] (rows ending in `with_simd`). `layer_step` compares each trainable layer's `step` with its frozen form's,
//! the layer alone; `cols_lanes` runs the frozen
//! kernels at AVX-512 in 16 and in 8 lanes, the measurement behind
//! `recurrent_cols::lanes_for`.
//!
//! At the end a summary prints, per workload, the best and the median nanoseconds per sample
//! (per time step for BPTT) over criterion's samples, the statistic `bench/rtneural` prints for
//! RTNeural (best of its repetitions), and the ratio of BPTT per time step to the GRU-16 step.
//!
//! Run with `cargo bench -p network-benches --bench recurrent` (add `-- --quick` for a short
//! run).

use std::hint::black_box;
use std::sync::Mutex;
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use network::{Gru, Lstm, LstmState, Rng, SequenceNetwork, network};
use network_core::Freeze;
use network_core::kernels::recurrent_cols::{self as rc, Lanes};
use network_core::kernels::simd::Level;

network! {
    struct Gru8 < gru(1 -> 8), dense(8 -> 1, identity) >
    struct Gru16 < gru(1 -> 16), dense(16 -> 1, identity) >
    struct Gru32 < gru(1 -> 32), dense(32 -> 1, identity) >
    struct Lstm16 < lstm(1 -> 16), dense(16 -> 1, identity) >
    struct Lstm40 < lstm(1 -> 40), dense(40 -> 1, identity) >
}

const RING: usize = 1024;

/// Every (workload, ns per sample or time step) measurement criterion took, for the summary.
static SAMPLES: Mutex<Vec<(&'static str, f64)>> = Mutex::new(Vec::new());

fn record(name: &'static str, start: Instant, per: u64) -> std::time::Duration {
    let d = start.elapsed();
    SAMPLES
        .lock()
        .unwrap()
        .push((name, d.as_nanos() as f64 / per as f64));
    d
}
const WINDOW: usize = 2048;

fn ring(seed: u64) -> Vec<[f32; 1]> {
    let mut rng = Rng::new(seed);
    (0..RING).map(|_| [rng.uniform(-1.0, 1.0)]).collect()
}

/// `step` over the ring, ns per sample: `$net` is a network or its frozen form; with
/// `with_simd`, the frozen form's `step_with` inside `network::with_simd`, the ring loop
/// compiled for the instruction set chosen once.
macro_rules! bench_step {
    ($g:ident, $net:expr, $state:expr, $name:expr $(, $with:ident)?) => {{
        let net = $net;
        let xs = ring(2);
        let mut state = $state;
        let mut next = 0;
        $g.bench_function($name, |b| {
            b.iter_custom(|iters| step_loop!($($with)? net, state, xs, next, iters, $name))
        });
    }};
}

/// The timed loop of [`bench_step!`], by `step` or inside `with_simd` by `step_with`.
macro_rules! step_loop {
    ($net:ident, $state:ident, $xs:ident, $next:ident, $iters:ident, $name:expr) => {
        ring!($xs, $next, $iters, $name, |x| $net.step(&mut $state, x))
    };
    (with_simd $net:ident, $state:ident, $xs:ident, $next:ident, $iters:ident, $name:expr) => {
        network::with_simd(
            #[inline(always)]
            |simd| {
                ring!($xs, $next, $iters, $name, |x| $net.step_with(
                    simd,
                    &mut $state,
                    x
                ))
            },
        )
    };
}

/// `$iters` calls of `$call`, `$x` each the ring's next input, from `$next` on; records them.
macro_rules! ring {
    ($xs:ident, $next:ident, $iters:ident, $name:expr, |$x:ident| $call:expr) => {{
        // The ring's index in a local, not in the closure's captured memory.
        let mut i = $next;
        let start = Instant::now();
        for _ in 0..$iters {
            i = (i + 1) % RING;
            let $x = black_box(&$xs[i]);
            black_box($call);
        }
        $next = i;
        record($name, start, $iters)
    }};
}

/// `step_block` over buffers of [`BLOCK`] samples from the ring, ns per sample.
macro_rules! bench_block {
    ($g:ident, $net:expr, $state:expr, $name:expr) => {{
        let net = $net;
        let xs = ring(2);
        let mut ys = vec![[0.0f32; 1]; BLOCK];
        let mut state = $state;
        let mut i = 0;
        $g.bench_function($name, |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                for _ in 0..iters {
                    i = (i + BLOCK) % RING;
                    net.step_block(&mut state, black_box(&xs[i..i + BLOCK]), &mut ys);
                    black_box(&mut ys);
                }
                record($name, start, iters * BLOCK as u64)
            })
        });
    }};
}

/// An audio buffer's length.
const BLOCK: usize = 64;

/// Each network's `step`, then its frozen form's (`net.freeze()`, weights by columns), then the
/// frozen form's `step_with` inside `network::with_simd`.
fn step(c: &mut Criterion) {
    let mut g = c.benchmark_group("step");
    g.throughput(Throughput::Elements(1));
    macro_rules! both {
        ($net:ident, $state:ident, $name:literal) => {{
            let net: $net = $net::seeded(1);
            bench_step!(g, &net, $state::default(), $name);
            bench_step!(
                g,
                net.freeze(),
                $state::default(),
                concat!($name, " frozen")
            );
            bench_step!(
                g,
                net.freeze(),
                $state::default(),
                concat!($name, " frozen with_simd"),
                with_simd
            );
        }};
    }
    both!(Gru8, Gru8State, "gru(1->8),dense(8->1)");
    both!(Gru16, Gru16State, "gru(1->16),dense(16->1)");
    both!(Gru32, Gru32State, "gru(1->32),dense(32->1)");
    both!(Lstm16, Lstm16State, "lstm(1->16),dense(16->1)");
    both!(Lstm40, Lstm40State, "lstm(1->40),dense(40->1)");
    g.finish();
}

/// Each network's `step_block`, then its frozen form's.
fn block(c: &mut Criterion) {
    let mut g = c.benchmark_group("step_block");
    g.throughput(Throughput::Elements(BLOCK as u64));
    macro_rules! both {
        ($net:ident, $state:ident, $name:literal) => {{
            let net: $net = $net::seeded(1);
            bench_block!(g, &net, $state::default(), concat!($name, " block 64"));
            bench_block!(
                g,
                net.freeze(),
                $state::default(),
                concat!($name, " block 64 frozen")
            );
        }};
    }
    both!(Gru8, Gru8State, "gru(1->8),dense(8->1)");
    both!(Gru16, Gru16State, "gru(1->16),dense(16->1)");
    both!(Gru32, Gru32State, "gru(1->32),dense(32->1)");
    both!(Lstm16, Lstm16State, "lstm(1->16),dense(16->1)");
    both!(Lstm40, Lstm40State, "lstm(1->40),dense(40->1)");
    g.finish();
}

fn bptt(c: &mut Criterion) {
    let mut g = c.benchmark_group("bptt");
    g.throughput(Throughput::Elements(WINDOW as u64));
    g.sample_size(20);
    let net: Gru16 = Gru16::seeded(1);
    let mut rng = Rng::new(3);
    let xs: Box<[[f32; 1]; WINDOW]> = Box::new(std::array::from_fn(|_| [rng.uniform(-1.0, 1.0)]));
    let ys: Box<[[f32; 1]; WINDOW]> = Box::new(std::array::from_fn(|_| [rng.uniform(-1.0, 1.0)]));
    let mut window = Box::new(Gru16::<f32>::zeroed_window::<WINDOW>());
    let mut grads = Gru16Gradients::zeroed();
    let start_state = Gru16State::default();
    const NAME: &str = "gru(1->16),dense(16->1) window 2048";
    g.bench_function(NAME, |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                black_box(net.window_gradients(
                    &start_state,
                    &xs,
                    &ys,
                    0,
                    &network::Mse,
                    &mut window,
                    &mut grads,
                ));
            }
            record(NAME, start, iters * WINDOW as u64)
        })
    });
    g.finish();
}

/// One layer's `step` alone, `bench_step!`'s loop: `$make` builds the layer from a seeded
/// trainable one.
macro_rules! bench_layer {
    ($g:ident, $layer:expr, $state:expr, $name:expr) => {{
        let layer = $layer;
        let xs = ring(2);
        let mut state = $state;
        let mut i = 0;
        $g.bench_function($name, |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                for _ in 0..iters {
                    i = (i + 1) % RING;
                    black_box(layer.step(&mut state, black_box(&xs[i])));
                }
                record($name, start, iters)
            })
        });
    }};
}

fn seeded<L: network::StepLayer<f32, Config = ()>>() -> L {
    let mut l = L::zeroed(());
    l.init_in_place(&mut Rng::new(1));
    l
}

/// The trainable layers' `step` (rows, PyTorch's layout) against their frozen forms' (columns),
/// `IN = 1`, alone, each step choosing its kernel for the CPU's instruction set.
fn layers(c: &mut Criterion) {
    let mut g = c.benchmark_group("layer_step");
    g.throughput(Throughput::Elements(1));
    macro_rules! pair {
        ($kind:ident, $h:literal, $state:expr, $net:ident, $name:literal, $dense:literal) => {{
            let l: $kind<f32, 1, $h> = seeded();
            bench_layer!(g, l, $state, concat!($name, " trainable"));
            bench_layer!(g, l.freeze(), $state, concat!($name, " frozen"));
        }};
    }
    pair!(Gru, 8, [0.0f32; 8], Gru8, "gru(1->8)", "dense(8->1)");
    pair!(Gru, 16, [0.0f32; 16], Gru16, "gru(1->16)", "dense(16->1)");
    pair!(Gru, 32, [0.0f32; 32], Gru32, "gru(1->32)", "dense(32->1)");
    pair!(
        Lstm,
        16,
        LstmState::<f32, 16>::zeroed(),
        Lstm16,
        "lstm(1->16)",
        "dense(16->1)"
    );
    pair!(
        Lstm,
        40,
        LstmState::<f32, 40>::zeroed(),
        Lstm40,
        "lstm(1->40)",
        "dense(40->1)"
    );
    g.finish();
}

/// The frozen kernels at AVX-512 in 16 and in 8 lanes, to choose a width per layer.
fn lanes(c: &mut Criterion) {
    let mut g = c.benchmark_group("cols_lanes");
    g.throughput(Throughput::Elements(1));
    macro_rules! widths {
        (gru, $h:literal) => {{
            let f = seeded::<Gru<f32, 1, $h>>().freeze();
            let t = rc::Cols {
                w_ih: f.w_ih.as_flattened().as_flattened(),
                w_hh: f.w_hh.as_flattened().as_flattened(),
                bias: f.bias.as_flattened(),
                b_hn: &f.b_hn,
            };
            for (lanes, name) in [
                (Lanes::Sixteen, concat!("gru ", $h, " x16")),
                (Lanes::Eight, concat!("gru ", $h, " x8")),
            ] {
                let xs = ring(2);
                let mut h = [0.0f32; $h];
                let mut i = 0;
                g.bench_function(name, |b| {
                    b.iter_custom(|iters| {
                        let start = Instant::now();
                        for _ in 0..iters {
                            i = (i + 1) % RING;
                            assert!(rc::gru_lanes(
                                Level::Avx512,
                                lanes,
                                t,
                                black_box(&xs[i]),
                                &mut h
                            ));
                        }
                        record(name, start, iters)
                    })
                });
            }
        }};
        (lstm, $h:literal) => {{
            let f = seeded::<Lstm<f32, 1, $h>>().freeze();
            let t = rc::Cols {
                w_ih: f.w_ih.as_flattened().as_flattened(),
                w_hh: f.w_hh.as_flattened().as_flattened(),
                bias: f.bias.as_flattened(),
                b_hn: &[],
            };
            for (lanes, name) in [
                (Lanes::Sixteen, concat!("lstm ", $h, " x16")),
                (Lanes::Eight, concat!("lstm ", $h, " x8")),
            ] {
                let xs = ring(2);
                let mut st = LstmState::<f32, $h>::zeroed();
                let mut i = 0;
                g.bench_function(name, |b| {
                    b.iter_custom(|iters| {
                        let start = Instant::now();
                        for _ in 0..iters {
                            i = (i + 1) % RING;
                            assert!(rc::lstm_lanes(
                                Level::Avx512,
                                lanes,
                                t,
                                black_box(&xs[i]),
                                &mut st.h,
                                &mut st.c
                            ));
                        }
                        record(name, start, iters)
                    })
                });
            }
        }};
    }
    widths!(gru, 8);
    widths!(gru, 16);
    widths!(gru, 20);
    widths!(gru, 32);
    widths!(gru, 40);
    widths!(gru, 64);
    widths!(lstm, 8);
    widths!(lstm, 16);
    widths!(lstm, 32);
    widths!(lstm, 40);
    widths!(lstm, 64);
    g.finish();
}

fn summary(_: &mut Criterion) {
    let samples = SAMPLES.lock().unwrap();
    let mut names: Vec<&str> = samples.iter().map(|s| s.0).collect();
    names.dedup();
    println!("\n| workload | ns per sample (best) | ns per sample (median) |\n|---|---:|---:|");
    let mut best = Vec::new();
    for name in names {
        let mut ns: Vec<f64> = samples
            .iter()
            .filter(|s| s.0 == name)
            .map(|s| s.1)
            .collect();
        ns.sort_by(f64::total_cmp);
        println!("| `{name}` | {:.2} | {:.2} |", ns[0], ns[ns.len() / 2]);
        best.push((name, ns[0]));
    }
    let find = |n: &str| best.iter().find(|b| b.0 == n).map(|b| b.1);
    if let (Some(step), Some(bptt)) = (
        find("gru(1->16),dense(16->1)"),
        find("gru(1->16),dense(16->1) window 2048"),
    ) {
        println!(
            "\nBPTT per time step / step, GRU-16 (best): {:.2}",
            bptt / step
        );
    }
}

criterion_group!(benches, step, block, bptt, layers, lanes, summary);
criterion_main!(benches);
