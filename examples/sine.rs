//! Fits `sin(x)` on `[−π, π]` with `dense(1 -> 16, tanh), dense(16 -> 16, tanh),
//! dense(16 -> 1, identity)`, Adam with a cosine learning-rate schedule, mini-batches of 32.
//!
//! Run with `cargo run --release --example sine`. Deterministic (seeded). Exits non-zero if the
//! final mean squared error over the grid is above 1e-3.

use std::f32::consts::PI;
use std::process::ExitCode;

use network::prelude::*;

network! {
    /// `sin(x)` from `x`.
    pub struct Sine < dense(1 -> 16, tanh), dense(16 -> 16, tanh), dense(16 -> 1, identity) >
}

const SEED: u64 = 1;
const EPOCHS: usize = 600;
const TARGET_MSE: f32 = 1e-3;

fn main() -> ExitCode {
    // 256 evenly spaced points over [−π, π], and 1000 in between them to test on.
    let grid = |n: usize| -> Vec<([f32; 1], [f32; 1])> {
        (0..n)
            .map(|i| {
                let x = -PI + 2.0 * PI * i as f32 / (n - 1) as f32;
                ([x], [x.sin()])
            })
            .collect()
    };
    let train = grid(256);
    let test = grid(1000);

    let mut net: Sine = Sine::seeded(SEED);
    println!("{net}\n");
    let lr = 0.01;
    let mut opt = Scheduled::per_epoch(
        Adam::new(lr),
        Cosine {
            initial: lr,
            min: 1e-4,
            period: EPOCHS,
        },
    );
    let config = FitConfig::new(EPOCHS)
        .batch_size(32)
        .seed(SEED)
        .target_loss(1e-5)
        .on_epoch(progress(50));
    let history = match fit(&mut net, &train, &Mse, &mut opt, config) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("sine: {e}");
            return ExitCode::FAILURE;
        }
    };

    let mse = mean_loss(&net, &test, &Mse);
    for x in [-3.0f32, -1.5, 0.0, 0.5, 2.5] {
        println!(
            "  sin({x:5.2}) = {:+.4}, network says {:+.4}",
            x.sin(),
            net.forward(&[x])[0]
        );
    }
    let ok = mse <= TARGET_MSE;
    println!(
        "sine: test MSE {mse:.2e} over 1000 points after {} epochs (target ≤ {TARGET_MSE:.0e}): {}",
        history.epochs(),
        if ok { "PASS" } else { "FAIL" }
    );
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
