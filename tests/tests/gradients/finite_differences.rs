//! Finite-difference checks of backpropagation: every weight and every bias of networks of 1 to
//! 4 layers, for every activation and every loss, in f64 with central differences.
//!
//! The numeric derivative is the fourth-order central difference
//! `(L(p−2h) − 8L(p−h) + 8L(p+h) − L(p+2h)) / 12h` with `h = 1e-4`: its truncation error
//! (~h⁴) and rounding error (~ε/h) are both near 1e-12, so a relative error of 1e-6 is a sharp
//! test. The relative error of an analytic gradient `g` against the numeric one `n` is
//! `|g − n| / max(|g|, |n|, 1e-5)`: relative for gradients that matter, absolute (1e-11) for
//! ones so small that rounding in the loss itself dominates.

use network::Rng;
use network::prelude::*;

const H: f64 = 1e-4;
const TOLERANCE: f64 = 1e-6;

/// Randomises every parameter in `[-1, 1)`, biases included, so that no gradient is checked
/// only at the zero biases of a fresh network.
fn randomise<N: Network<f64>>(net: &mut N, seed: u64) {
    let mut rng = Rng::new(seed);
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

/// A target in the range the loss expects: a distribution for softmax outputs, values in
/// (0, 1) for binary cross-entropy, anything for MSE.
#[derive(Clone, Copy)]
enum Target {
    Real,
    Unit,
    OneHot,
}

fn target<V: network::Vector<f64>>(rng: &mut Rng, kind: Target) -> V {
    match kind {
        Target::Real => vector(rng, -1.0, 1.0),
        Target::Unit => vector(rng, 0.05, 0.95),
        Target::OneHot => {
            let mut v = V::zeroed();
            let k = rng.below(V::LEN);
            v.as_mut()[k] = 1.0;
            v
        }
    }
}

/// Checks every parameter's gradient of `net` on a few random samples; returns how many
/// scalars were checked.
fn check<N, L>(mut net: N, loss: &L, kind: Target, seed: u64) -> usize
where
    N: Network<f64>,
    L: Loss<f64, N::OutputActivation>,
{
    randomise(&mut net, seed);
    let mut rng = Rng::new(seed ^ 0xABCD);
    let mut checked = 0;
    for _ in 0..3 {
        let x: N::Input = vector(&mut rng, -2.0, 2.0);
        let y: N::Output = target(&mut rng, kind);
        let (value, grads) = net.backprop(&x, &y, loss);
        assert!(
            (value - net.loss(&x, &y, loss)).abs() < 1e-12,
            "backprop returns the loss"
        );
        for t in 0..N::TENSORS {
            for j in 0..net.tensor(t).len() {
                let original = net.tensor(t)[j];
                let mut at = |offset: f64| {
                    net.tensor_mut(t)[j] = original + offset;
                    net.loss(&x, &y, loss)
                };
                let numeric =
                    (at(-2.0 * H) - 8.0 * at(-H) + 8.0 * at(H) - at(2.0 * H)) / (12.0 * H);
                net.tensor_mut(t)[j] = original;
                let analytic = grads.tensor(t)[j];
                let rel = (analytic - numeric).abs() / analytic.abs().max(numeric.abs()).max(1e-5);
                assert!(
                    rel < TOLERANCE,
                    "{} [{j}]: backprop {analytic:e}, finite differences {numeric:e} (relative error {rel:e})",
                    N::Gradients::tensor_name(t),
                );
                checked += 1;
            }
        }
    }
    checked
}

network! {
    struct OneIdentity < dense(3 -> 2, identity) >
    struct OneRelu < dense(3 -> 2, relu) >
    struct OneLeaky < dense(3 -> 2, leaky_relu) >
    struct OneSigmoid < dense(3 -> 2, sigmoid) >
    struct OneTanh < dense(3 -> 2, tanh) >
    struct OneSoftmax < dense(3 -> 4, softmax) >
}

network! {
    struct TwoIdentity < dense(3 -> 5, identity), dense(5 -> 2, tanh) >
    struct TwoRelu < dense(3 -> 5, relu), dense(5 -> 2, identity) >
    struct TwoLeaky < dense(3 -> 5, leaky_relu), dense(5 -> 2, sigmoid) >
    struct TwoLeakyWide < dense(3 -> 5, leaky_relu(0.3)), dense(5 -> 3, softmax) >
    struct TwoSigmoid < dense(3 -> 5, sigmoid), dense(5 -> 1, sigmoid) >
    struct TwoTanh < dense(3 -> 5, tanh), dense(5 -> 3, softmax) >
}

network! {
    struct Three < dense(4 -> 6, tanh), dense(6 -> 5, relu), dense(5 -> 3, softmax) >
    struct ThreeRegression < dense(2 -> 7, leaky_relu(0.1)), dense(7 -> 7, sigmoid), dense(7 -> 2, identity) >
    struct Four <
        input_layer: dense(5 -> 8, relu),
        hidden: dense(8 -> 6, tanh),
        squash: dense(6 -> 4, sigmoid),
        out: dense(4 -> 3, softmax),
    >
}

#[test]
fn one_layer_every_activation_and_loss() {
    let mut n = 0;
    n += check(OneIdentity::<f64>::zeroed(), &Mse, Target::Real, 1);
    n += check(OneRelu::<f64>::zeroed(), &Mse, Target::Real, 2);
    n += check(OneLeaky::<f64>::zeroed(), &Mse, Target::Real, 3);
    n += check(OneSigmoid::<f64>::zeroed(), &Mse, Target::Unit, 4);
    n += check(
        OneSigmoid::<f64>::zeroed(),
        &BinaryCrossEntropy,
        Target::Unit,
        5,
    );
    n += check(OneTanh::<f64>::zeroed(), &Mse, Target::Real, 6);
    n += check(
        OneSoftmax::<f64>::zeroed(),
        &CrossEntropy,
        Target::OneHot,
        7,
    );
    n += check(OneSoftmax::<f64>::zeroed(), &Mse, Target::OneHot, 8);
    n += check(
        OneSoftmax::<f64>::zeroed(),
        &BinaryCrossEntropy,
        Target::OneHot,
        9,
    );
    assert_eq!(n, 3 * (6 * 8 + 3 * 16));
}

#[test]
fn two_layers_every_hidden_activation() {
    check(TwoIdentity::<f64>::zeroed(), &Mse, Target::Real, 11);
    check(TwoRelu::<f64>::zeroed(), &Mse, Target::Real, 12);
    check(
        TwoLeaky::<f64>::zeroed(),
        &BinaryCrossEntropy,
        Target::Unit,
        13,
    );
    check(TwoLeaky::<f64>::zeroed(), &Mse, Target::Unit, 14);
    check(
        TwoLeakyWide::<f64>::zeroed(),
        &CrossEntropy,
        Target::OneHot,
        15,
    );
    check(
        TwoSigmoid::<f64>::zeroed(),
        &BinaryCrossEntropy,
        Target::Unit,
        16,
    );
    check(TwoTanh::<f64>::zeroed(), &CrossEntropy, Target::OneHot, 17);
    check(TwoTanh::<f64>::zeroed(), &Mse, Target::OneHot, 18);
}

#[test]
fn three_and_four_layers() {
    check(Three::<f64>::zeroed(), &CrossEntropy, Target::OneHot, 21);
    check(ThreeRegression::<f64>::zeroed(), &Mse, Target::Real, 22);
    let n = check(Four::<f64>::zeroed(), &CrossEntropy, Target::OneHot, 23);
    assert_eq!(n, 3 * Four::<f64>::PARAMS);
    check(Four::<f64>::zeroed(), &Mse, Target::OneHot, 24);
}

#[test]
fn cross_entropy_accepts_probability_targets() {
    let mut rng = Rng::new(31);
    let mut net = Three::<f64>::zeroed();
    randomise(&mut net, 31);
    let x: [f64; 4] = vector(&mut rng, -1.0, 1.0);
    let y = [0.2, 0.5, 0.3];
    let (_, grads) = net.backprop(&x, &y, &CrossEntropy);
    // ∂L/∂b of the softmax layer is ŷ − y exactly when the targets sum to 1.
    let p = net.forward(&x);
    for k in 0..3 {
        assert!((grads.l3.bias[k] - (p[k] - y[k])).abs() < 1e-12);
    }
}

/// `backward` from ∂L/∂ŷ and `backward_delta` from ∂L/∂z agree with `backprop`.
#[test]
fn backward_entry_points_agree() {
    let mut net = TwoTanh::<f64>::zeroed();
    randomise(&mut net, 41);
    let x = [0.3, -0.7, 1.1];
    let y = [0.0, 1.0, 0.0];
    let (_, want) = net.backprop(&x, &y, &Mse);

    let trace = net.forward_trace(&x);
    let grad_output: [f64; 3] = core::array::from_fn(|k| 2.0 * (trace.l2.a[k] - y[k]) / 3.0);
    let mut got = TwoTanhGradients::zeroed();
    net.backward(&trace, &grad_output, &mut got);
    for t in 0..4 {
        for (a, b) in got.tensor(t).iter().zip(want.tensor(t)) {
            assert!((a - b).abs() < 1e-14);
        }
    }
}
