//! The ceilings behind W3-W5: the `f32` kernels alone, on the shapes of the 784 → 128 layer,
//! beside what this machine's memory can do, so that a workload's time can be read against
//! the bound that limits it.
//!
//! - `L1-resident`: both operands fit in L1, so the kernel is limited by arithmetic only.
//! - `W4 shapes`: the forward product of a batch of 32 and the fused weight-gradient update.
//! - `W3/W5 shapes`: one sample's matrix-vector product and outer-product update, which read
//!   (and write) the 401 KB weight matrix once, beside a plain read of 401 KB (and a
//!   read-modify-write of it): the L2 bandwidth they cannot beat.
//!
//! - `add_cols`: one sample's product with a layer's weights at the inference shapes, in a
//!   function compiled for each instruction set the CPU has, as in a forward pass: the portable
//!   column loop, the column kernel of `Isa::add_cols`, and the row kernel of the trainable
//!   layer (`Isa::add_wx`, else `add_xwt`).
//!
//! Run with `cargo bench -p network-benches --bench kernels`; GFLOP/s and GB/s are printed per
//! workload. `cargo bench -p network-benches --bench kernels -- add_cols` runs the last group
//! alone.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use network::Rng;
use network_core::kernels::dispatch::{Product, product};
use network_core::simd::{self, Level};

const N: usize = 784;
const M: usize = 128;

fn random(n: usize, rng: &mut Rng) -> Vec<f32> {
    (0..n).map(|_| rng.uniform(-1.0, 1.0)).collect()
}

fn kernels(c: &mut Criterion) {
    let level = simd::level();
    println!("SIMD level: {level:?}");
    let mut rng = Rng::new(1);
    let w = random(N * M, &mut rng);
    let x = random(32 * N, &mut rng);
    let d = random(32 * M, &mut rng);
    let mut wm = w.clone();

    let mut g = c.benchmark_group("L1-resident");
    // 6 rows of x and 8 rows of w, 392 wide: 22 KB, inside the 32 KB L1.
    let (n1, b1, m1) = (392, 6, 8);
    let mut z = vec![0.0f32; b1 * m1];
    g.throughput(Throughput::Elements((2 * n1 * b1 * m1) as u64));
    g.bench_function("gemm_nt 6x392 . 8x392 (FLOP)", |bch| {
        bch.iter(|| {
            assert!(simd::gemm_nt(
                level,
                black_box(&x[..b1 * n1]),
                &w[..m1 * n1],
                n1,
                &mut z
            ))
        })
    });
    let (rows, n2, k2) = (24, 96, 32);
    let mut cm = vec![0.0f32; rows * n2];
    g.throughput(Throughput::Elements((2 * rows * n2 * k2) as u64));
    g.bench_function("gemm_acc 24x96 += 24x32 . 32x96 (FLOP)", |bch| {
        bch.iter(|| {
            assert!(simd::gemm_acc(
                level,
                -1e-9,
                black_box(&d),
                1,
                M,
                &x[..k2 * n2],
                n2,
                &mut cm
            ))
        })
    });
    g.finish();

    let mut g = c.benchmark_group("W4 shapes");
    let mut z = vec![0.0f32; 32 * M];
    g.throughput(Throughput::Elements((2 * 32 * N * M) as u64));
    g.bench_function("gemm_nt 32x784 . 128x784 (FLOP)", |bch| {
        bch.iter(|| assert!(simd::gemm_nt(level, black_box(&x), &w, N, &mut z)))
    });
    g.bench_function("gemm_acc 128x784 += 128x32 . 32x784 (FLOP)", |bch| {
        bch.iter(|| {
            assert!(simd::gemm_acc(
                level,
                -1e-9,
                black_box(&d),
                1,
                M,
                &x,
                N,
                &mut wm
            ))
        })
    });
    g.finish();

    let mut g = c.benchmark_group("W3-W5 shapes");
    g.throughput(Throughput::Bytes((4 * N * M) as u64));
    g.bench_function("gemm_nt 1x784 . 128x784 (weight bytes read)", |bch| {
        bch.iter(|| {
            let mut z = [0.0f32; M];
            assert!(simd::gemm_nt(level, black_box(&x[..N]), &w, N, &mut z));
            z
        })
    });
    g.bench_function("read 401 KB, 16 sums (bytes read)", |bch| {
        bch.iter(|| {
            let mut acc = [0.0f32; 16];
            for chunk in black_box(&w).chunks_exact(16) {
                for (a, v) in acc.iter_mut().zip(chunk) {
                    *a += v;
                }
            }
            acc
        })
    });
    // A dense outer product (every coefficient non-zero) reads and writes every row.
    let dense: Vec<f32> = d[..M].iter().map(|v| v.abs() + 0.5).collect();
    g.throughput(Throughput::Bytes((8 * N * M) as u64));
    g.bench_function(
        "gemm_acc 128x784 += 128 (x) 784 (bytes read + written)",
        |bch| {
            bch.iter(|| {
                assert!(simd::gemm_acc(
                    level,
                    -1e-9,
                    black_box(&dense),
                    1,
                    0,
                    &x[..N],
                    N,
                    &mut wm
                ))
            })
        },
    );
    g.bench_function("read + write 401 KB, axpy (bytes read + written)", |bch| {
        bch.iter(|| {
            for row in wm.chunks_exact_mut(N) {
                for (c, &b) in row.iter_mut().zip(black_box(&x[..N])) {
                    *c += 1e-9 * b;
                }
            }
        })
    });
    g.finish();
}

/// The weights of an `N -> M` layer column-major and row-major, an input and a bias.
struct Shape<const N: usize, const M: usize> {
    wt: Box<[[f32; M]; N]>,
    w: Box<[[f32; N]; M]>,
    x: [f32; N],
    b: [f32; M],
}

impl<const N: usize, const M: usize> Shape<N, M> {
    fn new(rng: &mut Rng) -> Self {
        // Weights of about 1/√N: chained layers (below) keep their values near 1.
        let scale = 1.0 / (N as f32).sqrt();
        let wt: Box<[[f32; M]; N]> = random(N * M, rng)
            .iter()
            .map(|v| v * scale)
            .collect::<Vec<_>>()
            .chunks_exact(M)
            .map(|c| <[f32; M]>::try_from(c).unwrap())
            .collect::<Vec<_>>()
            .try_into()
            .unwrap();
        let w: Box<[[f32; N]; M]> = (0..M)
            .map(|i| core::array::from_fn(|j| wt[j][i]))
            .collect::<Vec<_>>()
            .try_into()
            .unwrap();
        let x = core::array::from_fn(|_| rng.uniform(-1.0, 1.0));
        let b = core::array::from_fn(|_| rng.uniform(-1.0, 1.0));
        Shape { wt, w, x, b }
    }

    fn bench(&self, g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
        for level in [Level::Avx2, Level::Avx512] {
            if !simd::supported(level) {
                continue;
            }
            for (p, name) in [
                (Product::PortableCols, "portable cols"),
                (Product::Cols, "cols kernel"),
                (Product::Cols512, "cols kernel 512-bit"),
                (Product::Rows, "rows kernel"),
            ] {
                let call = || {
                    let z = product(level, p, &self.wt, &self.w, black_box(&self.x), &self.b);
                    black_box(z.unwrap());
                };
                g.bench_function(format!("{N}x{M} {level:?} {name}"), |bch| {
                    bch.iter_custom(|iters| best_of_batches(iters, call))
                });
                // A square layer also as a chain of 8 (each output the next input), for the
                // latency of one product, which a network's successive layers wait for: the
                // time per product.
                if N == M {
                    let chain = || {
                        let mut z: [f32; N] = *black_box(&self.x);
                        for _ in 0..8 {
                            let y = product(level, p, &self.wt, &self.w, &z, &self.b).unwrap();
                            z = y.as_slice().try_into().unwrap();
                        }
                        black_box(z);
                    };
                    g.bench_function(format!("{N}x{M} {level:?} {name} chained"), |bch| {
                        bch.iter_custom(|iters| best_of_batches(iters, chain) / 8)
                    });
                }
            }
        }
    }
}

/// `iters` calls of `f` timed in batches of about two microseconds, at the rate of the fastest
/// batch: on a machine shared with other work, the time of the calls that ran undisturbed.
fn best_of_batches(iters: u64, mut f: impl FnMut()) -> std::time::Duration {
    let start = std::time::Instant::now();
    for _ in 0..16 {
        f();
    }
    let once = (start.elapsed().as_nanos() as u64 / 16).max(1);
    let batch = (2_000 / once).clamp(1, iters.max(1));
    let (mut done, mut best) = (0, f64::INFINITY);
    while done < iters {
        let t = std::time::Instant::now();
        for _ in 0..batch {
            f();
        }
        best = best.min(t.elapsed().as_nanos() as f64 / batch as f64);
        done += batch;
    }
    std::time::Duration::from_nanos((best * iters as f64) as u64)
}

fn add_cols(c: &mut Criterion) {
    let mut rng = Rng::new(2);
    let mut g = c.benchmark_group("add_cols");
    g.warm_up_time(std::time::Duration::from_millis(300));
    g.measurement_time(std::time::Duration::from_millis(1000));
    g.sample_size(40);
    Shape::<2, 8>::new(&mut rng).bench(&mut g);
    Shape::<8, 1>::new(&mut rng).bench(&mut g);
    Shape::<8, 8>::new(&mut rng).bench(&mut g);
    Shape::<16, 16>::new(&mut rng).bench(&mut g);
    Shape::<17, 33>::new(&mut rng).bench(&mut g);
    Shape::<32, 15>::new(&mut rng).bench(&mut g);
    Shape::<32, 7>::new(&mut rng).bench(&mut g);
    Shape::<64, 64>::new(&mut rng).bench(&mut g);
    Shape::<128, 10>::new(&mut rng).bench(&mut g);
    Shape::<784, 128>::new(&mut rng).bench(&mut g);
    g.finish();
}

criterion_group!(benches, kernels, add_cols);
criterion_main!(benches);
