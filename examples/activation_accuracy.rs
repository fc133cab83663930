//! Measures the worst error of the fast `f32` activations (`network::fast`) over every `f32`
//! bit pattern, in ulps against `f64` references rounded to `f32`, next to the error of the
//! standard library's own `f32` functions, and checks that the `tanh` and `sigmoid` layers
//! (which evaluate 64 outputs at a time in vector lanes where the CPU allows) give the scalar
//! functions' results bit for bit. Run in release mode (about a minute per function):
//!
//! ```text
//! cargo run --release --example activation_accuracy          # all 2³² inputs
//! cargo run --release --example activation_accuracy -- 101   # every 101st input
//! ```

use network::activation::{Activation, Sigmoid, Tanh};
use network::fast;

/// How many inputs of every `step`-th bit pattern a layer of 64 `act` outputs gives
/// differently from `scalar` (NaN for NaN counts as equal).
fn layer_mismatches(act: impl Activation, scalar: impl Fn(f32) -> f32, step: usize) -> u64 {
    let (mut z, mut a, mut len, mut bad) = ([0.0f32; 64], [0.0f32; 64], 0, 0);
    let mut flush = |z: &[f32; 64], len: usize| {
        act.forward(&z[..], &mut a[..]);
        let same = |x: f32, y: f32| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan());
        (0..len).filter(|&i| !same(a[i], scalar(z[i]))).count() as u64
    };
    for bits in (0..=u32::MAX).step_by(step) {
        z[len] = f32::from_bits(bits);
        len += 1;
        if len == 64 {
            bad += flush(&z, len);
            len = 0;
        }
    }
    z[len..].fill(0.0);
    bad + flush(&z, len)
}

/// Distance in units in the last place, counting across zero.
fn ulps(a: f32, b: f32) -> u64 {
    let key = |v: f32| {
        let i = v.to_bits() as i32;
        if i < 0 { i32::MIN - i } else { i }
    };
    (key(a) as i64 - key(b) as i64).unsigned_abs()
}

/// The worst ulp error of `f` against `reference` over every `step`-th bit pattern, the input
/// where it happens, and how many NaN mismatches there were.
fn sweep(f: impl Fn(f32) -> f32, reference: impl Fn(f64) -> f64, step: usize) -> (u64, f32, u64) {
    let (mut worst, mut at, mut nan) = (0, 0.0, 0);
    for bits in (0..=u32::MAX).step_by(step) {
        let x = f32::from_bits(bits);
        let want = reference(x as f64) as f32;
        let got = f(x);
        if want.is_nan() || got.is_nan() {
            nan += u64::from(want.is_nan() != got.is_nan());
            continue;
        }
        let e = ulps(got, want);
        if e > worst {
            (worst, at) = (e, x);
        }
    }
    (worst, at, nan)
}

fn main() {
    let step: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("the stride is a positive integer"))
        .unwrap_or(1);
    let sigmoid64 = |x: f64| 1.0 / (1.0 + (-x).exp());
    let sigmoid_std = |x: f32| {
        let e = (-x.abs()).exp();
        if x >= 0.0 {
            1.0 / (1.0 + e)
        } else {
            e / (1.0 + e)
        }
    };
    println!("inputs: every {step} of 2^32 f32 bit patterns");
    println!(
        "| function | fast: worst ulps (at x) | std f32: worst ulps (at x) | NaN mismatches |"
    );
    println!("|---|---|---|---|");
    // The documented promise: within a few ulps of the correctly rounded value, NaN for NaN.
    const MAX_ULPS: u64 = 4;
    let report = |name: &str, fast: (u64, f32, u64), std: (u64, f32, u64)| {
        println!(
            "| {name} | {} ({:e}) | {} ({:e}) | {} |",
            fast.0, fast.1, std.0, std.1, fast.2
        );
        fast.0 <= MAX_ULPS && fast.2 == 0
    };
    let ok = report(
        "exp",
        sweep(fast::exp, f64::exp, step),
        sweep(f32::exp, f64::exp, step),
    );
    let ok = ok
        & report(
            "tanh",
            sweep(fast::tanh, f64::tanh, step),
            sweep(f32::tanh, f64::tanh, step),
        );
    let ok = ok
        & report(
            "sigmoid",
            sweep(fast::sigmoid, sigmoid64, step),
            sweep(sigmoid_std, sigmoid64, step),
        );
    let layers =
        layer_mismatches(Tanh, fast::tanh, step) + layer_mismatches(Sigmoid, fast::sigmoid, step);
    println!("tanh and sigmoid layers of 64 against the scalar functions: {layers} differ");
    let ok = ok && layers == 0;
    if ok {
        println!("fast activations: every error within {MAX_ULPS} ulps: PASS");
    } else {
        println!("fast activations: an error above {MAX_ULPS} ulps or a NaN mismatch: FAIL");
        std::process::exit(1);
    }
}
