//! Finite-difference checks of backpropagation through whole networks for the smooth
//! activations `gelu`, `gelu_tanh`, `softplus`, `elu`, `elu(α)`, `silu` and the robust losses
//! `Huber` and `Mae`, and `CrossEntropy` on `identity` logits: every weight and every bias, in
//! f64, central differences.
//!
//! The relative error of an analytic gradient `g` against the numeric one `n` is
//! `|g − n| / max(|g|, |n|, 1e-3)`: relative for gradients that matter, absolute (1e-9) for tiny
//! ones, where the difference quotient's own rounding (about 1e-16·|L|/h) dominates in these
//! deeper networks.

use network::prelude::*;
use network::{Rng, Vector};

const H: f64 = 1e-6;
const TOLERANCE: f64 = 1e-6;

fn randomise<N: Network<f64>>(net: &mut N, rng: &mut Rng) {
    for i in 0..N::TENSORS {
        for p in net.tensor_mut(i) {
            *p = rng.uniform(-1.0, 1.0);
        }
    }
}

fn vector<V: network::Vector<f64>>(rng: &mut Rng, lo: f64, hi: f64) -> V {
    let mut v = V::zeroed();
    for x in v.as_mut() {
        *x = rng.uniform(lo, hi);
    }
    v
}

/// Checks every parameter's gradient on a few random samples. `one_hot` picks one-hot
/// targets (for cross-entropy), otherwise targets are in [−1, 1]. Returns the number of
/// scalars checked.
fn check<N, L>(loss: &L, one_hot: bool, seed: u64) -> usize
where
    N: Network<f64>,
    L: Loss<f64, N::OutputActivation>,
{
    let mut rng = Rng::new(seed);
    let mut net = N::zeroed();
    randomise(&mut net, &mut rng);
    let mut checked = 0;
    for _ in 0..3 {
        let x: N::Input = vector(&mut rng, -2.0, 2.0);
        let y: N::Output = if one_hot {
            let mut y = N::Output::zeroed();
            y.as_mut()[rng.below(N::OUTPUTS)] = 1.0;
            y
        } else {
            vector(&mut rng, -1.0, 1.0)
        };
        let (value, grads) = net.backprop(&x, &y, loss);
        assert_eq!(value, net.loss(&x, &y, loss));
        for t in 0..N::TENSORS {
            for j in 0..net.tensor(t).len() {
                let original = net.tensor(t)[j];
                net.tensor_mut(t)[j] = original + H;
                let plus = net.loss(&x, &y, loss);
                net.tensor_mut(t)[j] = original - H;
                let minus = net.loss(&x, &y, loss);
                net.tensor_mut(t)[j] = original;
                let numeric = (plus - minus) / (2.0 * H);
                let analytic = grads.tensor(t)[j];
                let rel = (analytic - numeric).abs() / analytic.abs().max(numeric.abs()).max(1e-3);
                assert!(
                    rel < TOLERANCE,
                    "{}[{j}]: analytic {analytic}, numeric {numeric} (relative error {rel})",
                    N::tensor_name(t)
                );
                checked += 1;
            }
        }
    }
    checked
}

network! {
    /// Every smooth activation in one network, regression head.
    struct Smooth <
        dense(3 -> 5, gelu),
        dense(5 -> 4, gelu_tanh),
        dense(4 -> 4, softplus),
        dense(4 -> 4, elu),
        dense(4 -> 3, silu),
        dense(3 -> 2, identity)
    >
}

network! {
    /// `elu(α)` with a non-default α, and each smooth activation as the output layer.
    struct EluOut < dense(3 -> 4, elu(0.3)), dense(4 -> 2, elu(0.3)) >
    struct GeluOut < dense(3 -> 4, silu), dense(4 -> 2, gelu) >
    struct GeluTanhOut < dense(3 -> 4, softplus), dense(4 -> 2, gelu_tanh) >
    struct SoftplusOut < dense(3 -> 4, gelu), dense(4 -> 2, softplus) >
    struct SiluOut < dense(3 -> 4, elu), dense(4 -> 2, silu) >
}

network! {
    /// Logits for cross-entropy, with hidden layers of smooth activations.
    struct Logits < dense(4 -> 6, gelu), dense(6 -> 5, silu), dense(5 -> 3, identity) >
    /// Robust-regression heads.
    struct Robust < dense(2 -> 6, elu), dense(6 -> 3, tanh) >
}

#[test]
fn smooth_activations_in_hidden_layers() {
    let mut n = 0;
    for seed in 0..4 {
        n += check::<Smooth<f64>, _>(&Mse, false, seed);
    }
    assert_eq!(n, 4 * 3 * Smooth::<f64>::PARAMS);
}

#[test]
fn smooth_activations_as_output_layers() {
    for seed in 10..13 {
        check::<EluOut<f64>, _>(&Mse, false, seed);
        check::<GeluOut<f64>, _>(&Mse, false, seed);
        check::<GeluTanhOut<f64>, _>(&Mse, false, seed);
        check::<SoftplusOut<f64>, _>(&Mse, false, seed);
        check::<SiluOut<f64>, _>(&Mse, false, seed);
    }
}

#[test]
fn cross_entropy_on_identity_logits() {
    for seed in 20..25 {
        check::<Logits<f64>, _>(&CrossEntropy, true, seed);
    }
}

#[test]
fn huber_and_mae_through_networks() {
    // Random targets in [−1, 1] against tanh outputs: no output sits exactly on a kink, and
    // both Huber branches are exercised (δ = 0.1 linear mostly, δ = 5 quadratic only).
    for seed in 30..34 {
        check::<Robust<f64>, _>(&Mae, false, seed);
        check::<Robust<f64>, _>(&Huber::new(0.1), false, seed);
        check::<Robust<f64>, _>(&Huber::new(5.0), false, seed);
        check::<Smooth<f64>, _>(&Huber::default(), false, seed);
    }
}
