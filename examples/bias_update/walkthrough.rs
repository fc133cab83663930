//! The numbers of the bias-update walkthrough, computed by the library and returned rather than
//! printed, so that `tests/tests/bias_update.rs` can check every printed number against a
//! hand-written computation.
//!
//! The network is the classic worked example of Matt Mazur's "A Step by Step Backpropagation
//! Example" cut down to one output: inputs 0.05 and 0.10, two sigmoid hidden neurons, one
//! sigmoid output with target 0.01, learning rate 0.5. One difference from the article: each
//! neuron has its own bias, and the loss is `(ŷ − y)²` (the library's MSE over one output)
//! rather than `½(ŷ − y)²`, so our gradients are twice the article's.

// The test includes this file and uses only part of it.
#![allow(dead_code)]

use network::gradcheck::GradCheck;
use network::prelude::*;
use network::{Elementwise, PredictionLoss};

network! {
    /// Two inputs, two sigmoid hidden neurons, one sigmoid output.
    #[derive(Clone, Copy, Debug, PartialEq)]
    pub struct Mazur < dense(2 -> 2, sigmoid), dense(2 -> 1, sigmoid) >
}

/// The sample: inputs `x₁ = 0.05`, `x₂ = 0.10`.
pub const X: [f64; 2] = [0.05, 0.10];
/// The target `y = 0.01`.
pub const Y: [f64; 1] = [0.01];
/// The learning rate `α`.
pub const ALPHA: f64 = 0.5;
/// The finite-difference step of the gradient check.
pub const EPS: f64 = 1e-6;
/// The agreement the gradient check requires (see `network::gradcheck`).
pub const TOL: f64 = 1e-7;

/// The starting network: Mazur's weights, with the hidden bias 0.35 and the output bias 0.60
/// given to every neuron of the layer.
pub fn start() -> Mazur<f64> {
    let mut net = Mazur::<f64>::zeroed();
    // Row j holds the weights into neuron j: W₁[j][i] connects input i to hidden neuron j.
    net.l1.weight = [[0.15, 0.20], [0.25, 0.30]];
    net.l1.bias = [0.35, 0.35];
    net.l2.weight = [[0.40, 0.45]];
    net.l2.bias = [0.60];
    net
}

/// Every number the walkthrough prints, in the order it prints them.
#[derive(Clone, Debug)]
pub struct Walkthrough {
    /// The network before the update.
    pub before: Mazur<f64>,
    /// Hidden pre-activations `z₁ = W₁x + b₁`.
    pub z1: [f64; 2],
    /// Hidden activations `a₁ = σ(z₁)`.
    pub a1: [f64; 2],
    /// Output pre-activation `z₂ = W₂a₁ + b₂`.
    pub z2: [f64; 1],
    /// Output `ŷ = a₂ = σ(z₂)`.
    pub a2: [f64; 1],
    /// The loss `L = (ŷ − y)²` before the update.
    pub loss_before: f64,
    /// `∂L/∂ŷ = 2(ŷ − y)`.
    pub dl_da2: [f64; 1],
    /// `∂ŷ/∂z₂ = σ′(z₂) = a₂(1 − a₂)`.
    pub da2_dz2: [f64; 1],
    /// `δ₂ = ∂L/∂z₂ = ∂L/∂ŷ · σ′(z₂)`.
    pub delta2: [f64; 1],
    /// `∂L/∂a₁ = W₂ᵀ δ₂`.
    pub dl_da1: [f64; 2],
    /// `σ′(z₁) = a₁(1 − a₁)`.
    pub da1_dz1: [f64; 2],
    /// `δ₁ = ∂L/∂z₁ = (W₂ᵀ δ₂) ⊙ σ′(z₁)`.
    pub delta1: [f64; 2],
    /// `∂L/∂W` and `∂L/∂b` of both layers, as `backprop` computes them.
    pub grads: MazurGradients<f64>,
    /// The network after one step `p ← p − α·∂L/∂p`.
    pub after: Mazur<f64>,
    /// The loss after the step.
    pub loss_after: f64,
    /// Every gradient next to its central difference, in parameter order.
    pub numeric: Vec<Numeric>,
    /// The library's gradient check of `grads` against central differences.
    pub check: GradCheck,
}

/// One parameter's gradient from backprop and from central differences.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Numeric {
    /// The parameter, as the walkthrough prints it (`W₁[0][1]`, `b₂[0]`).
    pub label: &'static str,
    /// `∂L/∂p` from backpropagation.
    pub analytic: f64,
    /// `(L(p + ε) − L(p − ε)) / 2ε`.
    pub numeric: f64,
}

/// The walkthrough's name for scalar `index` of tensor `tensor` (in `Parameters` order).
pub fn label(tensor: usize, index: usize) -> &'static str {
    const LABELS: [&[&str]; 4] = [
        &["W₁[0][0]", "W₁[0][1]", "W₁[1][0]", "W₁[1][1]"],
        &["b₁[0]", "b₁[1]"],
        &["W₂[0][0]", "W₂[0][1]"],
        &["b₂[0]"],
    ];
    LABELS[tensor][index]
}

/// Every parameter's central difference, the way a learner would check by hand: nudge one
/// parameter up and down by `EPS` and measure the slope of the loss.
fn central_differences(net: &Mazur<f64>, grads: &MazurGradients<f64>) -> Vec<Numeric> {
    let mut out = Vec::new();
    for i in 0..<Mazur<f64> as Parameters<f64>>::TENSORS {
        for (j, &analytic) in grads.tensor(i).iter().enumerate() {
            let (mut up, mut down) = (*net, *net);
            up.tensor_mut(i)[j] += EPS;
            down.tensor_mut(i)[j] -= EPS;
            let numeric = (up.loss(&X, &Y, &Mse) - down.loss(&X, &Y, &Mse)) / (2.0 * EPS);
            out.push(Numeric {
                label: label(i, j),
                analytic,
                numeric,
            });
        }
    }
    out
}

/// The forward pass, the backward pass by the chain rule, one update and the gradient check.
pub fn walk() -> Walkthrough {
    let before = start();

    // Forward: z = W a_prev + b, a = f(z), layer by layer; the trace keeps both.
    let trace = before.forward_trace(&X);
    let (z1, a1) = (trace.l1.z, trace.l1.a);
    let (z2, a2) = (trace.l2.z, trace.l2.a);
    let loss_before = before.loss(&X, &Y, &Mse);

    // Backward, one factor of the chain rule at a time, with the library's own pieces.
    let mut dl_da2 = [0.0];
    Mse.gradient(&a2, &Y, &mut dl_da2);
    let da2_dz2 = [Sigmoid.derivative(z2[0], a2[0])];
    let delta2 = [dl_da2[0] * da2_dz2[0]];
    let dl_da1 = before.l2.input_gradient(&delta2);
    let da1_dz1 = [0, 1].map(|j| Sigmoid.derivative(z1[j], a1[j]));
    let delta1 = [0, 1].map(|j| dl_da1[j] * da1_dz1[j]);

    // What the network's generated backward pass computes, for comparison and for the update.
    let (_, grads) = before.backprop(&X, &Y, &Mse);

    let mut after = before;
    let mut sgd = Sgd::new(ALPHA);
    after.train_step(&X, &Y, &Mse, &mut sgd);
    let loss_after = after.loss(&X, &Y, &Mse);

    let numeric = central_differences(&before, &grads);
    let check = grad_check(&before, &X, &Y, &Mse, EPS);

    Walkthrough {
        before,
        z1,
        a1,
        z2,
        a2,
        loss_before,
        dl_da2,
        da2_dz2,
        delta2,
        dl_da1,
        da1_dz1,
        delta1,
        grads,
        after,
        loss_after,
        numeric,
        check,
    }
}

/// The training set: the four corners of the unit square, each measured twice with targets
/// that disagree by 0.2 (noisy labels). No network can fit both labels of a corner, so the
/// loss has a positive minimum that gradient descent settles into, near the mean of each pair.
pub const DATA_X: [[f64; 2]; 8] = [
    [0.0, 0.0],
    [0.0, 1.0],
    [1.0, 0.0],
    [1.0, 1.0],
    [0.0, 0.0],
    [0.0, 1.0],
    [1.0, 0.0],
    [1.0, 1.0],
];
/// The targets: per corner, 0.1 or 0.3, 0.6 or 0.8, 0.5 or 0.7, 0.75 or 0.95.
pub const DATA_Y: [[f64; 1]; 8] = [[0.1], [0.6], [0.5], [0.75], [0.3], [0.8], [0.7], [0.95]];
/// Samples per mini-batch: two batches per epoch.
pub const BATCH: usize = 4;
/// Stop when an epoch changes the loss by less than this fraction of it.
pub const REL_CHANGE: f64 = 1e-6;
/// Stop after this many epochs in any case.
pub const MAX_EPOCHS: usize = 100_000;
/// The training learning rate: the walkthrough's `α`.
pub const TRAIN_ALPHA: f64 = ALPHA;

/// One line of the training log.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Snapshot {
    /// Epochs done (0 = before training).
    pub epoch: usize,
    /// Mean loss over the data set.
    pub loss: f64,
    /// The output bias `b₂`.
    pub bias: f64,
    /// `∂L/∂b₂` averaged over the data set: the mean `δ₂`.
    pub grad: f64,
}

/// The outcome of training.
#[derive(Clone, Debug)]
pub struct Training {
    /// Snapshots at epochs 0, 1, 2, 5, 10, 20, 50, ... and at the last epoch.
    pub log: Vec<Snapshot>,
    /// Whether the stop rule (relative change below `REL_CHANGE`) ended training, rather than
    /// the epoch cap.
    pub converged: bool,
    /// The trained network.
    pub net: Mazur<f64>,
    /// The very first mini-batch step, seen from the output bias.
    pub first_step: BatchStep,
}

/// One mini-batch update of the output bias: `b₂ ← b₂ − α · (1/B) Σₛ δ₂⁽ˢ⁾`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BatchStep {
    /// Each sample's `δ₂ = ∂L/∂b₂`.
    pub deltas: [f64; BATCH],
    /// Their mean, the batch's `∂L/∂b₂`.
    pub mean: f64,
    /// `b₂` before the step.
    pub before: f64,
    /// `b₂` after `train_batch`.
    pub after: f64,
}

/// Mean loss and mean `∂L/∂b₂` over the whole data set.
fn evaluate(net: &Mazur<f64>) -> (f64, f64) {
    let mut grads = MazurGradients::zeroed();
    let mut total = 0.0;
    for (x, y) in DATA_X.iter().zip(&DATA_Y) {
        total += net.accumulate_gradients(x, y, &Mse, &mut grads);
    }
    let n = DATA_X.len() as f64;
    (total / n, grads.l2.bias[0] / n)
}

fn logged(epoch: usize) -> bool {
    // 1, 2, 5 × powers of ten: a readable log whatever the length of training.
    let mut p = 1;
    while p <= epoch {
        if epoch == p || epoch == 2 * p || epoch == 5 * p {
            return true;
        }
        p *= 10;
    }
    epoch == 0
}

/// Mini-batch gradient descent from [`start`] on the AND data until the loss stops changing.
pub fn train() -> Training {
    let mut net = start();
    let mut sgd = Sgd::new(TRAIN_ALPHA);
    let snapshot = |net: &Mazur<f64>, epoch| {
        let (loss, grad) = evaluate(net);
        Snapshot {
            epoch,
            loss,
            bias: net.l2.bias[0],
            grad,
        }
    };
    // The first step, taken apart: each sample's δ₂, their mean, and what train_batch did.
    let deltas: [f64; BATCH] = core::array::from_fn(|s| {
        let (_, g) = net.backprop(&DATA_X[s], &DATA_Y[s], &Mse);
        g.l2.bias[0]
    });
    let mut first_step = BatchStep {
        deltas,
        mean: deltas.iter().sum::<f64>() / BATCH as f64,
        before: net.l2.bias[0],
        after: f64::NAN,
    };
    let mut log = vec![snapshot(&net, 0)];
    let mut previous = log[0].loss;
    let mut converged = false;
    let mut epoch = 0;
    while epoch < MAX_EPOCHS {
        epoch += 1;
        for (xs, ys) in DATA_X.chunks(BATCH).zip(DATA_Y.chunks(BATCH)) {
            net.train_batch(xs, ys, &Mse, &mut sgd)
                .expect("batches are non-empty and paired");
            if first_step.after.is_nan() {
                first_step.after = net.l2.bias[0];
            }
        }
        let (loss, _) = evaluate(&net);
        converged = (previous - loss).abs() <= REL_CHANGE * previous;
        previous = loss;
        if converged || epoch == MAX_EPOCHS {
            break;
        }
        if logged(epoch) {
            log.push(snapshot(&net, epoch));
        }
    }
    log.push(snapshot(&net, epoch));
    Training {
        log,
        converged,
        net,
        first_step,
    }
}
