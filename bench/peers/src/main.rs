//! Peer comparison: `network` vs dfdx 0.13 vs burn 0.22 (Autodiff<NdArray>), same workloads,
//! same initial weights, same samples, one thread, f32.
//! Usage: peers check | peers xor | peers bench [--quick]
mod common;
mod ours;
#[cfg(feature = "dfdx")]
mod dfdx_impl;
#[cfg(feature = "burn")]
mod burn_impl;

use common::*;
use std::time::Instant;

const SEED: u64 = 42;
const BATCH: usize = 32;

struct Lib {
    name: &'static str,
    make: fn(Net, &[f32]) -> Box<dyn Trainer>,
    make_infer: fn(Net, &[f32]) -> Box<dyn Trainer>,
}

fn libs() -> Vec<Lib> {
    let mut v = vec![Lib {
        name: "network",
        make: ours::make,
        make_infer: ours::make,
    }];
    #[cfg(feature = "dfdx")]
    v.push(Lib { name: "dfdx", make: dfdx_impl::make, make_infer: dfdx_impl::make });
    #[cfg(feature = "burn")]
    v.push(Lib { name: "burn", make: burn_impl::make, make_infer: burn_impl::make_infer });
    v
}

fn close(a: f32, b: f32, rel: f32) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()) + 1e-6
}

#[derive(Clone, Copy, PartialEq)]
enum W {
    Xor,
    Iris,
    Mnist1,
    Mnist32,
}
impl W {
    fn net(self) -> Net {
        match self {
            W::Xor => Net::Xor,
            W::Iris => Net::Iris,
            W::Mnist1 | W::Mnist32 => Net::Mnist,
        }
    }
    fn batch(self) -> usize {
        if self == W::Mnist32 { BATCH } else { 1 }
    }
    fn name(self) -> &'static str {
        match self {
            W::Xor => "W1 xor step",
            W::Iris => "W2 iris step",
            W::Mnist1 => "W3 mnist1 step",
            W::Mnist32 => "W4 mnist32 step (per sample)",
        }
    }
}

/// one training step of workload `w` at step index `i`; returns loss
fn do_step(t: &mut dyn Trainer, d: &Data, w: W, i: usize) -> f32 {
    let b = w.batch();
    if b == 1 {
        let s = i % d.n;
        t.step(d.x(s), d.y(s))
    } else {
        let nb = d.n / b;
        let s = (i % nb) * b;
        t.step_batch(d.xb(s, b), d.yb(s, b), b)
    }
}

fn check() {
    let libs = libs();
    let mut ok = true;
    let rel = 1e-4f32;
    for w in [W::Xor, W::Iris, W::Mnist1, W::Mnist32] {
        let net = w.net();
        let p0 = init_params(net, SEED);
        let d = data(net, SEED + 1);
        let mut ts: Vec<Box<dyn Trainer>> = libs.iter().map(|l| (l.make)(net, &p0)).collect();
        // sanity: params read back == params loaded
        for (l, t) in libs.iter().zip(&ts) {
            let p = t.params();
            assert_eq!(p.len(), p0.len(), "{}", l.name);
            assert!(p.iter().zip(&p0).all(|(a, b)| a == b), "{}: loaded params differ", l.name);
        }
        println!("\n## {} ({} params, lr {})", w.name(), net.n_params(), net.lr());
        print!("| step |");
        for l in &libs {
            print!(" {} |", l.name);
        }
        println!(" max rel diff |");
        println!("|---:|{}---:|", "---:|".repeat(libs.len()));
        for i in 0..20 {
            let losses: Vec<f32> = ts.iter_mut().map(|t| do_step(t.as_mut(), &d, w, i)).collect();
            let r = losses[0];
            let md = losses.iter().map(|&x| (x - r).abs() / r.abs().max(1e-30)).fold(0.0, f32::max);
            print!("| {i} |");
            for x in &losses {
                print!(" {x:.7} |");
            }
            println!(" {md:.2e} |");
            for (l, &x) in libs.iter().zip(&losses) {
                if !close(x, r, rel) {
                    println!("MISMATCH: {} step {i}: {x} vs network {r}", l.name);
                    ok = false;
                }
            }
        }
        let pr = ts[0].params();
        for (l, t) in libs.iter().zip(&ts).skip(1) {
            let p = t.params();
            let md = p.iter().zip(&pr).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
            let bad = p.iter().zip(&pr).filter(|(a, b)| !close(**a, **b, rel)).count();
            println!("params after 20 steps, {} vs network: max abs diff {md:.2e}, {bad} outside rel {rel:e}", l.name);
            ok &= bad == 0;
        }
    }
    // W5: forward outputs from the initial weights
    for net in [Net::Xor, Net::Mnist] {
        let p0 = init_params(net, SEED);
        let d = data(net, SEED + 1);
        let mut outs = vec![];
        for l in &libs {
            let mut t = (l.make_infer)(net, &p0);
            let mut o = vec![0.0; net.n_out()];
            t.forward(d.x(1), &mut o);
            outs.push(o);
        }
        println!("\n## W5 infer {}: output of sample 1", net.name());
        for (l, o) in libs.iter().zip(&outs) {
            println!("{:>10}: {:?}", l.name, o);
            ok &= o.iter().zip(&outs[0]).all(|(a, b)| close(*a, *b, rel));
        }
    }
    println!("\nCHECK {}", if ok { "PASSED" } else { "FAILED" });
    if !ok {
        std::process::exit(1);
    }
}

fn xor() {
    let net = Net::Xor;
    let d = data(net, 0);
    let steps = 8000;
    let mut all_ok = true;
    for l in libs() {
        let p0 = init_params(net, SEED);
        let mut t = (l.make)(net, &p0);
        let t0 = Instant::now();
        let mut last = 0.0;
        for i in 0..steps {
            last = do_step(t.as_mut(), &d, W::Xor, i);
        }
        let el = t0.elapsed();
        let mut correct = 0;
        let mut outs = vec![];
        for s in 0..4 {
            let mut o = [0.0f32];
            t.forward(d.x(s), &mut o);
            outs.push(o[0]);
            if (o[0] > 0.5) == (d.y(s)[0] > 0.5) {
                correct += 1;
            }
        }
        println!(
            "{:>10}: {steps} steps in {:?}, last loss {last:.5}, outputs {:?} -> {correct}/4 correct",
            l.name, el, outs
        );
        all_ok &= correct == 4;
    }
    println!("XOR {}", if all_ok { "LEARNED by all" } else { "NOT learned by all" });
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// time `f` (one call = `per_call` samples): calibrate to ~target seconds per repeat, median of `reps`
fn time_it(mut f: impl FnMut(usize), per_call: usize, target: f64, reps: usize) -> f64 {
    // warmup
    let t0 = Instant::now();
    let mut n = 0;
    while n < 10 || t0.elapsed().as_secs_f64() < target / 4.0 {
        f(n);
        n += 1;
    }
    let per = t0.elapsed().as_secs_f64() / n as f64;
    let k = ((target / per) as usize).max(3);
    let mut v = vec![];
    for _ in 0..reps {
        let t = Instant::now();
        for i in 0..k {
            f(i);
        }
        v.push(t.elapsed().as_secs_f64() * 1e9 / (k * per_call) as f64);
    }
    median(&mut v)
}

fn bench(quick: bool) {
    let (target, reps) = if quick { (0.05, 3) } else { (0.25, 7) };
    let libs = libs();
    let mut rows: Vec<(String, Vec<f64>)> = vec![];
    for w in [W::Xor, W::Iris, W::Mnist1, W::Mnist32] {
        let net = w.net();
        let p0 = init_params(net, SEED);
        let d = data(net, SEED + 1);
        let mut row = vec![];
        for l in &libs {
            let mut t = (l.make)(net, &p0);
            let ns = time_it(|i| { std::hint::black_box(do_step(t.as_mut(), &d, w, i)); }, w.batch(), target, reps);
            eprintln!("{} {}: {ns:.0} ns/sample", w.name(), l.name);
            row.push(ns);
        }
        rows.push((w.name().to_string(), row));
    }
    for net in [Net::Xor, Net::Mnist] {
        let p0 = init_params(net, SEED);
        let d = data(net, SEED + 1);
        let mut row = vec![];
        for l in &libs {
            let mut t = (l.make_infer)(net, &p0);
            let mut o = vec![0.0; net.n_out()];
            let ns = time_it(|i| { t.forward(d.x(i % d.n), &mut o); std::hint::black_box(&o); }, 1, target, reps);
            eprintln!("W5 infer {} {}: {ns:.0} ns/sample", net.name(), l.name);
            row.push(ns);
        }
        rows.push((format!("W5 infer {}", net.name()), row));
    }
    println!("\nns per sample (median of {reps} repeats, ~{target}s each, 1 thread, f32):\n");
    print!("| workload |");
    for l in &libs {
        print!(" {} |", l.name);
    }
    for l in libs.iter().skip(1) {
        print!(" {} / network |", l.name);
    }
    println!();
    println!("|---|{}", "---:|".repeat(2 * libs.len() - 1));
    for (n, r) in rows {
        print!("| {n} |");
        for x in &r {
            print!(" {x:.0} |");
        }
        for x in r.iter().skip(1) {
            print!(" {:.1}x |", x / r[0]);
        }
        println!();
    }
}

fn main() {
    // one thread: dfdx's gemm uses Parallelism::Rayon(rayon::current_num_threads())
    #[cfg(feature = "dfdx")]
    rayon::ThreadPoolBuilder::new().num_threads(1).build_global().unwrap();
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(|s| s.as_str()) {
        Some("check") => check(),
        Some("xor") => xor(),
        Some("bench") => bench(args.iter().any(|a| a == "--quick")),
        _ => {
            check();
            xor();
            bench(false);
        }
    }
}
