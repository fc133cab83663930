//! Optimizers against their published update rules: one step on a tiny network worked out by
//! hand (weights and biases alike), and several Adam/AdamW steps against a direct scalar
//! re-implementation of PyTorch's `Adam`/`AdamW` pseudo-code.

use network::prelude::*;
use network::{ClipNorm, Rng};

network! {
    /// Two 1→1 layers: parameters `[w1, b1, w2, b2]`, two weights and two biases.
    #[derive(Clone, Debug)]
    struct Tiny < dense(1 -> 1, identity), dense(1 -> 1, identity) >
}

network! {
    /// A small network with every kind of tensor shape, for multi-step comparisons.
    #[derive(Clone, Debug)]
    struct Small < dense(3 -> 4, tanh), dense(4 -> 2, identity) >
}

const P: [f64; 4] = [0.5, -0.2, 1.5, 0.3];
const G: [f64; 4] = [0.1, -0.4, -0.05, 0.5];

fn tiny() -> Tiny<f64> {
    let mut net = Tiny::zeroed();
    net.read_params(&P).unwrap();
    net
}

fn grads() -> TinyGradients<f64> {
    let mut g = TinyGradients::zeroed();
    g.read_params(&G).unwrap();
    g
}

fn params<N: Network<f64>>(net: &N) -> Vec<f64> {
    let mut v = vec![0.0; N::PARAMS];
    net.write_params(&mut v).unwrap();
    v
}

#[track_caller]
fn assert_close(got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tol,
            "parameter {i} ({}): got {g}, want {w}\n got {got:?}\nwant {want:?}",
            ["l1.weight", "l1.bias", "l2.weight", "l2.bias"]
                .get(i)
                .unwrap_or(&"?")
        );
    }
}

/// Applies `steps` steps with the fixed gradients `G` and returns the parameters.
fn run<O: Optimizer<f64, Tiny<f64>>>(mut opt: O, steps: usize) -> Vec<f64> {
    let mut net = tiny();
    let g = grads();
    for _ in 0..steps {
        opt.step(&mut net, &g);
    }
    params(&net)
}

#[test]
fn sgd_plain_by_hand() {
    // p − 0.1·g
    assert_close(&run(Sgd::new(0.1), 1), &[0.49, -0.16, 1.505, 0.25], 1e-15);
}

#[test]
fn sgd_weight_decay_by_hand() {
    // g' = g + 0.01·p = [0.105, −0.402, −0.035, 0.503]; p − 0.1·g'
    assert_close(
        &run(Sgd::new(0.1).weight_decay(0.01), 1),
        &[0.4895, -0.1598, 1.5035, 0.2497],
        1e-15,
    );
}

#[test]
fn sgd_momentum_by_hand() {
    // Step 1: v = g, p −= 0.1·g. Step 2: v = 0.9·g + g = 1.9·g, p −= 0.19·g. Total p − 0.29·g.
    assert_close(
        &run(Sgd::new(0.1).momentum(0.9), 1),
        &[0.49, -0.16, 1.505, 0.25],
        1e-15,
    );
    assert_close(
        &run(Sgd::new(0.1).momentum(0.9), 2),
        &[0.471, -0.084, 1.5145, 0.155],
        1e-15,
    );
}

#[test]
fn sgd_nesterov_by_hand() {
    // Step 1: v = g, d = g + 0.9·v = 1.9·g. Step 2: v = 1.9·g, d = g + 0.9·1.9·g = 2.71·g.
    // Total p − 0.1·(1.9 + 2.71)·g = p − 0.461·g.
    assert_close(
        &run(Sgd::new(0.1).momentum(0.9).nesterov(), 1),
        &[0.481, -0.124, 1.5095, 0.205],
        1e-15,
    );
    assert_close(
        &run(Sgd::new(0.1).momentum(0.9).nesterov(), 2),
        &[0.4539, -0.0156, 1.52305, 0.0695],
        1e-15,
    );
}

#[test]
fn adam_first_step_is_lr_times_sign() {
    // t = 1: m̂ = g, v̂ = g², so p −= lr·g/(|g| + ε) = lr·sign(g) up to ε/|g| ≤ 2e-7 of lr.
    assert_close(&run(Adam::new(0.1), 1), &[0.4, -0.1, 1.6, 0.2], 3e-8);
    let exact: Vec<f64> = P
        .iter()
        .zip(G)
        .map(|(p, g)| p - 0.1 * g / (g.abs() + 1e-8))
        .collect();
    assert_close(&run(Adam::new(0.1), 1), &exact, 1e-15);
}

#[test]
fn adam_l2_weight_decay_by_hand() {
    // Adam adds λ·p to the gradient: g' = g + 0.5·p = [0.35, −0.5, 0.7, 0.65]; w2's gradient
    // changes sign, so w2 moves down: p − 0.1·sign(g').
    assert_close(
        &run(Adam::new(0.1).weight_decay(0.5), 1),
        &[0.4, -0.1, 1.4, 0.2],
        3e-8,
    );
}

#[test]
fn adamw_decoupled_weight_decay_by_hand() {
    // AdamW shrinks first, p·(1 − 0.1·0.5) = 0.95·p = [0.475, −0.19, 1.425, 0.285], then the
    // Adam step on the raw gradient, −0.1·sign(g).
    assert_close(
        &run(AdamW::new(0.1).weight_decay(0.5), 1),
        &[0.375, -0.09, 1.525, 0.185],
        3e-8,
    );
}

#[test]
fn clip_norm_then_sgd_by_hand() {
    // ‖g‖ = √(0.01 + 0.16 + 0.0025 + 0.25) = √0.4225 = 0.65; clipped to 0.13 → g·0.13/0.65.
    let c = 0.13 / (0.65 + 1e-6);
    let want: Vec<f64> = P.iter().zip(G).map(|(p, g)| p - 0.1 * c * g).collect();
    assert_close(&run(ClipNorm::new(Sgd::new(0.1), 0.13), 1), &want, 1e-15);
    // Under the limit nothing changes.
    assert_close(
        &run(ClipNorm::new(Sgd::new(0.1), 1.0), 1),
        &run(Sgd::new(0.1), 1),
        0.0,
    );
}

#[test]
fn per_step_schedule_sets_each_steps_rate() {
    let schedule = StepDecay {
        initial: 0.1,
        gamma: 0.5,
        every: 1,
    };
    // Rates 0.1, 0.05, 0.025: total p − 0.175·g.
    let want: Vec<f64> = P.iter().zip(G).map(|(p, g)| p - 0.175 * g).collect();
    assert_close(
        &run(Scheduled::per_step(Sgd::new(1.0), schedule), 3),
        &want,
        1e-15,
    );
    let mut opt = Scheduled::per_epoch(Sgd::new(1.0), schedule);
    Optimizer::<f64, Tiny<f64>>::start_epoch(&mut opt, 2);
    assert_eq!(opt.learning_rate(), 0.025);
}

/// PyTorch's `Adam`/`AdamW` algorithm for one scalar, as printed in its documentation.
struct ScalarAdam {
    lr: f64,
    b1: f64,
    b2: f64,
    eps: f64,
    wd: f64,
    decoupled: bool,
    m: Vec<f64>,
    v: Vec<f64>,
    t: i32,
}

impl ScalarAdam {
    fn step(&mut self, p: &mut [f64], g: &[f64]) {
        self.t += 1;
        for i in 0..p.len() {
            let mut g = g[i];
            if self.decoupled {
                p[i] -= self.lr * self.wd * p[i];
            } else {
                g += self.wd * p[i];
            }
            self.m[i] = self.b1 * self.m[i] + (1.0 - self.b1) * g;
            self.v[i] = self.b2 * self.v[i] + (1.0 - self.b2) * g * g;
            let m_hat = self.m[i] / (1.0 - self.b1.powi(self.t));
            let v_hat = self.v[i] / (1.0 - self.b2.powi(self.t));
            p[i] -= self.lr * m_hat / (v_hat.sqrt() + self.eps);
        }
    }
}

fn compare_with_scalar<O: Optimizer<f64, Small<f64>>>(mut opt: O, wd: f64, decoupled: bool) {
    let mut net: Small<f64> = Small::seeded(3);
    let mut rng = Rng::new(11);
    let xs: Vec<[f64; 3]> = (0..8)
        .map(|_| std::array::from_fn(|_| rng.uniform(-1.0, 1.0)))
        .collect();
    let ys: Vec<[f64; 2]> = (0..8)
        .map(|_| std::array::from_fn(|_| rng.uniform(-1.0, 1.0)))
        .collect();
    let mut reference = ScalarAdam {
        lr: 0.01,
        b1: 0.8,
        b2: 0.95,
        eps: 1e-6,
        wd,
        decoupled,
        m: vec![0.0; Small::<f64>::PARAMS],
        v: vec![0.0; Small::<f64>::PARAMS],
        t: 0,
    };
    let mut p = params(&net);
    for step in 0..20 {
        let mut g = SmallGradients::zeroed();
        for (x, y) in xs.iter().zip(&ys) {
            net.accumulate_gradients(x, y, &Mse, &mut g);
        }
        g.scale(1.0 / xs.len() as f64);
        let mut flat = vec![0.0; Small::<f64>::PARAMS];
        g.write_params(&mut flat).unwrap();
        opt.step(&mut net, &g);
        reference.step(&mut p, &flat);
        let got = params(&net);
        for (i, (a, b)) in got.iter().zip(&p).enumerate() {
            assert!(
                (a - b).abs() < 1e-12,
                "step {step}, parameter {i} ({}): {a} vs reference {b}",
                i
            );
        }
        p = got;
    }
}

#[test]
fn adam_matches_the_scalar_rule_over_many_steps() {
    compare_with_scalar(Adam::new(0.01).betas(0.8, 0.95).eps(1e-6), 0.0, false);
    compare_with_scalar(
        Adam::new(0.01)
            .betas(0.8, 0.95)
            .eps(1e-6)
            .weight_decay(0.05),
        0.05,
        false,
    );
}

#[test]
fn adamw_matches_the_scalar_rule_over_many_steps() {
    compare_with_scalar(
        AdamW::new(0.01)
            .betas(0.8, 0.95)
            .eps(1e-6)
            .weight_decay(0.05),
        0.05,
        true,
    );
}

#[test]
fn state_is_inferred_and_training_works_in_f32() {
    // No annotation: the moment and velocity types come from the network.
    let data = [([0.0f32, 0.0], [0.0f32]), ([1.0, 1.0], [1.0])];
    network! { struct Line < dense(2 -> 1, identity) > }
    for which in 0..4 {
        let mut net: Line = Line::seeded(1);
        let before: f32 = data.iter().map(|(x, y)| net.loss(x, y, &Mse)).sum();
        let mut sgd = Sgd::new(0.05).momentum(0.9);
        let mut nesterov = Sgd::new(0.05).momentum(0.9).nesterov();
        let mut adam = Adam::new(0.05);
        let mut adamw = AdamW::new(0.05);
        for _ in 0..50 {
            for (x, y) in &data {
                match which {
                    0 => net.train_step(x, y, &Mse, &mut sgd),
                    1 => net.train_step(x, y, &Mse, &mut nesterov),
                    2 => net.train_step(x, y, &Mse, &mut adam),
                    _ => net.train_step(x, y, &Mse, &mut adamw),
                };
            }
        }
        let after: f32 = data.iter().map(|(x, y)| net.loss(x, y, &Mse)).sum();
        assert!(
            after < 0.1 * before,
            "optimizer {which}: {before} -> {after}"
        );
    }
}
