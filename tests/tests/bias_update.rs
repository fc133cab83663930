//! The numbers `examples/bias_update` prints, checked against a computation written out by hand
//! with plain `f64` arithmetic (no library call), and against literal values, so the printed
//! walkthrough cannot drift from what the library does.

#[path = "../../examples/bias_update/walkthrough.rs"]
mod walkthrough;

use walkthrough::{ALPHA, X, Y};

/// The nine parameters of the 2-2-1 network, by name.
#[derive(Clone, Copy, Debug)]
struct P {
    /// `w1[j][i]`: input i → hidden neuron j.
    w1: [[f64; 2]; 2],
    b1: [f64; 2],
    /// `w2[j]`: hidden neuron j → output.
    w2: [f64; 2],
    b2: f64,
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Everything one sample's forward and backward pass produces, spelled out.
#[derive(Debug)]
struct Hand {
    z1: [f64; 2],
    h: [f64; 2],
    z2: f64,
    o: f64,
    loss: f64,
    dl_do: f64,
    do_dz2: f64,
    d2: f64,
    dl_dh: [f64; 2],
    dh_dz1: [f64; 2],
    d1: [f64; 2],
    /// ∂L/∂p for every parameter.
    g: P,
}

fn hand(p: &P, x: [f64; 2], y: f64) -> Hand {
    // Forward: zⱼ = Σᵢ wⱼᵢ xᵢ + bⱼ, hⱼ = σ(zⱼ); z₂ = Σⱼ w2ⱼ hⱼ + b₂, o = σ(z₂).
    let z1 = [
        p.w1[0][0] * x[0] + p.w1[0][1] * x[1] + p.b1[0],
        p.w1[1][0] * x[0] + p.w1[1][1] * x[1] + p.b1[1],
    ];
    let h = [sigmoid(z1[0]), sigmoid(z1[1])];
    let z2 = p.w2[0] * h[0] + p.w2[1] * h[1] + p.b2;
    let o = sigmoid(z2);
    let loss = (o - y) * (o - y);
    // Backward: ∂L/∂z₂ = ∂L/∂o · ∂o/∂z₂, with σ′(z) = σ(z)(1 − σ(z)).
    let dl_do = 2.0 * (o - y);
    let do_dz2 = o * (1.0 - o);
    let d2 = dl_do * do_dz2;
    // ∂L/∂hⱼ = ∂L/∂z₂ · ∂z₂/∂hⱼ = δ₂ · w2ⱼ; ∂L/∂z1ⱼ = ∂L/∂hⱼ · σ′(z1ⱼ).
    let dl_dh = [d2 * p.w2[0], d2 * p.w2[1]];
    let dh_dz1 = [h[0] * (1.0 - h[0]), h[1] * (1.0 - h[1])];
    let d1 = [dl_dh[0] * dh_dz1[0], dl_dh[1] * dh_dz1[1]];
    // ∂z/∂b = 1 and ∂z/∂w = the input the weight multiplies.
    let g = P {
        w1: [[d1[0] * x[0], d1[0] * x[1]], [d1[1] * x[0], d1[1] * x[1]]],
        b1: [d1[0], d1[1]],
        w2: [d2 * h[0], d2 * h[1]],
        b2: d2,
    };
    Hand {
        z1,
        h,
        z2,
        o,
        loss,
        dl_do,
        do_dz2,
        d2,
        dl_dh,
        dh_dz1,
        d1,
        g,
    }
}

/// `p − α·g`, parameter by parameter.
fn step(p: &P, g: &P, alpha: f64) -> P {
    P {
        w1: [
            [
                p.w1[0][0] - alpha * g.w1[0][0],
                p.w1[0][1] - alpha * g.w1[0][1],
            ],
            [
                p.w1[1][0] - alpha * g.w1[1][0],
                p.w1[1][1] - alpha * g.w1[1][1],
            ],
        ],
        b1: [p.b1[0] - alpha * g.b1[0], p.b1[1] - alpha * g.b1[1]],
        w2: [p.w2[0] - alpha * g.w2[0], p.w2[1] - alpha * g.w2[1]],
        b2: p.b2 - alpha * g.b2,
    }
}

/// The starting point, written out again rather than read from the example.
const START: P = P {
    w1: [[0.15, 0.20], [0.25, 0.30]],
    b1: [0.35, 0.35],
    w2: [0.40, 0.45],
    b2: 0.60,
};

fn params(net: &walkthrough::Mazur<f64>) -> P {
    P {
        w1: net.l1.weight,
        b1: net.l1.bias,
        w2: net.l2.weight[0],
        b2: net.l2.bias[0],
    }
}

#[track_caller]
fn close(got: f64, want: f64, tol: f64) {
    assert!(
        (got - want).abs() <= tol * want.abs().max(1.0),
        "got {got}, want {want} (tolerance {tol})"
    );
}

#[track_caller]
fn close_p(got: &P, want: &P, tol: f64) {
    for j in 0..2 {
        for i in 0..2 {
            close(got.w1[j][i], want.w1[j][i], tol);
        }
        close(got.b1[j], want.b1[j], tol);
        close(got.w2[j], want.w2[j], tol);
    }
    close(got.b2, want.b2, tol);
}

/// Library and hand computation differ only by rounding order.
const SAME: f64 = 1e-14;

#[test]
fn every_printed_number_matches_the_hand_computation() {
    let w = walkthrough::walk();
    let h = hand(&START, X, Y[0]);
    close_p(&params(&w.before), &START, 0.0);

    for j in 0..2 {
        close(w.z1[j], h.z1[j], SAME);
        close(w.a1[j], h.h[j], SAME);
        close(w.dl_da1[j], h.dl_dh[j], SAME);
        close(w.da1_dz1[j], h.dh_dz1[j], SAME);
        close(w.delta1[j], h.d1[j], SAME);
    }
    close(w.z2[0], h.z2, SAME);
    close(w.a2[0], h.o, SAME);
    close(w.loss_before, h.loss, SAME);
    close(w.dl_da2[0], h.dl_do, SAME);
    close(w.da2_dz2[0], h.do_dz2, SAME);
    close(w.delta2[0], h.d2, SAME);

    // The gradients backprop computed, and the bias gradients are the δs.
    close_p(&params_of_grads(&w.grads), &h.g, SAME);
    assert_eq!(w.grads.l2.bias[0], w.delta2[0]);
    assert_eq!(w.grads.l1.bias, w.delta1);

    // The update, and the loss after it.
    let after = step(&START, &h.g, ALPHA);
    close_p(&params(&w.after), &after, SAME);
    close(w.loss_after, hand(&after, X, Y[0]).loss, SAME);
}

fn params_of_grads(g: &walkthrough::MazurGradients<f64>) -> P {
    P {
        w1: g.l1.weight,
        b1: g.l1.bias,
        w2: g.l2.weight[0],
        b2: g.l2.bias[0],
    }
}

#[test]
fn literal_values_to_1e9() {
    // Computed with 30-digit arithmetic (mpmath). a₁ and ŷ are the values of Mazur's article;
    // the gradients are twice his because our loss is (ŷ − y)², not ½(ŷ − y)².
    let w = walkthrough::walk();
    let lit = |got: f64, want: f64| assert!((got - want).abs() < 1e-9, "{got} vs {want}");
    lit(w.z1[0], 0.3775);
    lit(w.z1[1], 0.3925);
    lit(w.a1[0], 0.593269992107187);
    lit(w.a1[1], 0.596884378259767);
    lit(w.z2[0], 1.10590596705977);
    lit(w.a2[0], 0.751365069552316);
    lit(w.loss_before, 0.54962216635231);
    lit(w.delta2[0], 0.276997123257114);
    lit(w.delta1[0], 0.0267358408457749);
    lit(w.delta1[1], 0.0299921509777937);
    lit(w.grads.l2.weight[0][0], 0.164334081128462);
    lit(w.grads.l2.weight[0][0] / 2.0, 0.082167041); // Mazur's ∂E/∂w₅, to his 9 digits
    lit(w.after.l2.bias[0], 0.461501438371443);
    lit(w.loss_after, 0.481784940774116);
}

#[test]
fn every_gradient_agrees_with_its_finite_difference() {
    let w = walkthrough::walk();
    assert_eq!(w.numeric.len(), 9);
    let labels: Vec<_> = w.numeric.iter().map(|n| n.label).collect();
    assert_eq!(
        labels,
        [
            "W₁[0][0]",
            "W₁[0][1]",
            "W₁[1][0]",
            "W₁[1][1]",
            "b₁[0]",
            "b₁[1]",
            "W₂[0][0]",
            "W₂[0][1]",
            "b₂[0]"
        ]
    );
    let h = hand(&START, X, Y[0]).g;
    let want = [
        h.w1[0][0], h.w1[0][1], h.w1[1][0], h.w1[1][1], h.b1[0], h.b1[1], h.w2[0], h.w2[1], h.b2,
    ];
    for (n, want) in w.numeric.iter().zip(want) {
        close(n.analytic, want, SAME);
        assert!((n.numeric - want).abs() < 1e-9, "{n:?} vs {want}");
        // A finite difference is never exact: the comparison is a measurement.
        assert_ne!(n.numeric, n.analytic);
    }
    assert!(w.check.passed(walkthrough::TOL), "{}", w.check);
    assert!(w.check.copy_matches);
}

#[test]
fn mini_batch_training_averages_and_converges() {
    let t = walkthrough::train();
    let (xs, ys) = (walkthrough::DATA_X, walkthrough::DATA_Y);
    let b = walkthrough::BATCH;
    assert_eq!(xs.len() % b, 0);

    // The first step as printed: δ₂ per sample, their mean, b₂ − α·mean.
    let f = t.first_step;
    for s in 0..b {
        close(f.deltas[s], hand(&START, xs[s], ys[s][0]).d2, SAME);
    }
    close(f.mean, f.deltas.iter().sum::<f64>() / b as f64, SAME);
    close(f.before, START.b2, 0.0);
    close(f.after, START.b2 - walkthrough::TRAIN_ALPHA * f.mean, SAME);

    // Epoch 1 by hand: per mini-batch, the mean of the per-sample gradients, one step.
    let mut p = START;
    for k in 0..xs.len() / b {
        let mut sum = P {
            w1: [[0.0; 2]; 2],
            b1: [0.0; 2],
            w2: [0.0; 2],
            b2: 0.0,
        };
        for s in k * b..(k + 1) * b {
            let g = hand(&p, xs[s], ys[s][0]).g;
            sum = step(&sum, &g, -1.0); // sum += g
        }
        p = step(&p, &sum, walkthrough::TRAIN_ALPHA / b as f64);
    }
    assert_eq!(t.log[0].epoch, 0);
    close(t.log[0].bias, START.b2, 0.0);
    assert_eq!(t.log[1].epoch, 1);
    close(t.log[1].bias, p.b2, SAME);
    let mean_loss = xs
        .iter()
        .zip(&ys)
        .map(|(x, y)| hand(&p, *x, y[0]).loss)
        .sum::<f64>()
        / xs.len() as f64;
    close(t.log[1].loss, mean_loss, SAME);

    // The stop rule ended training, not the cap, near the best loss the noisy labels allow:
    // each corner has labels m ± 0.1, so no prediction does better than (0.1)² on average.
    assert!(t.converged);
    let last = t.log.last().unwrap();
    assert!(last.epoch < walkthrough::MAX_EPOCHS);
    assert!(last.loss >= 0.01 && last.loss < 0.0101, "{last:?}");
    assert!(t.log.windows(2).all(|w| w[0].epoch < w[1].epoch));
    assert!(last.loss < t.log[0].loss / 9.0);
    assert_eq!(last.bias, t.net.l2.bias[0]);
}
