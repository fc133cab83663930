//! Measures the worst error of the fast `f32` activations (`network::fast`) over every `f32`
//! bit pattern, in ulps against `f64` references rounded to `f32`, next to the error of the
//! standard library's own `f32` functions, and the error of the vector `tanh` and `sigmoid`
//! (which layers evaluate 8 or 16 outputs at a time where the CPU allows) at every SIMD level
//! this CPU has. Run in release mode (about a minute per function and level):
//!
//! ```text
//! cargo run --release --example activation_accuracy          # all 2³² inputs
//! cargo run --release --example activation_accuracy -- 101   # every 101st input
//! ```

use network::fast;

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

/// [`sweep`] for a function over a slice (`f(z, a)` fills `a`, or returns `false`: `None`),
/// 4096 inputs at a time.
fn sweep_vector(
    f: impl Fn(&[f32], &mut [f32]) -> bool,
    reference: impl Fn(f64) -> f64,
    step: usize,
) -> Option<(u64, f32, u64)> {
    let (mut worst, mut at, mut nan) = (0, 0.0, 0);
    let (mut z, mut a) = (vec![0.0f32; 4096], vec![0.0f32; 4096]);
    let mut bits = (0..=u32::MAX).step_by(step).peekable();
    while bits.peek().is_some() {
        let mut len = 0;
        for (z, b) in z.iter_mut().zip(&mut bits) {
            *z = f32::from_bits(b);
            len += 1;
        }
        if !f(&z[..len], &mut a[..len]) {
            return None;
        }
        for (&x, &got) in z[..len].iter().zip(&a[..len]) {
            let want = reference(x as f64) as f32;
            if want.is_nan() || got.is_nan() {
                nan += u64::from(want.is_nan() != got.is_nan());
                continue;
            }
            let e = ulps(got, want);
            if e > worst {
                (worst, at) = (e, x);
            }
        }
    }
    Some((worst, at, nan))
}

/// The vector `tanh` and `sigmoid` at every SIMD level this CPU has, each within `max` ulps
/// and NaN for NaN; `true` if all are (or there is none).
#[cfg(target_arch = "x86_64")]
fn vector_levels(step: usize, sigmoid64: impl Fn(f64) -> f64, max: u64) -> bool {
    use network_core::kernels::act_simd::{sigmoid_at, tanh_at};
    use network_core::kernels::simd::Level;
    let mut ok = true;
    for level in [Level::Avx512, Level::Avx2] {
        let tanh = sweep_vector(|z, a| tanh_at(level, z, a), f64::tanh, step);
        let sigmoid = sweep_vector(|z, a| sigmoid_at(level, z, a), &sigmoid64, step);
        for (name, r) in [("tanh", tanh), ("sigmoid", sigmoid)] {
            match r {
                Some((worst, at, nan)) => {
                    println!("| {name}, {level:?} vector | {worst} ({at:e}) | | {nan} |");
                    ok &= worst <= max && nan == 0;
                }
                None => println!("| {name}, {level:?} vector | not on this CPU | | |"),
            }
        }
    }
    ok
}

/// No vector code off x86-64.
#[cfg(not(target_arch = "x86_64"))]
fn vector_levels(_: usize, _: impl Fn(f64) -> f64, _: u64) -> bool {
    true
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
    // The vector code's promise is tighter: 2 ulps.
    const MAX_VECTOR_ULPS: u64 = 2;
    let ok = vector_levels(step, sigmoid64, MAX_VECTOR_ULPS) && ok;
    if ok {
        println!(
            "fast activations: every error within {MAX_ULPS} ulps ({MAX_VECTOR_ULPS} for the \
             vector code): PASS"
        );
    } else {
        println!("fast activations: an error above the bound or a NaN mismatch: FAIL");
        std::process::exit(1);
    }
}
