//! Backpropagation worked through with real numbers: one forward pass, one backward pass by the
//! chain rule, one gradient-descent update of every bias and weight, a check of every gradient
//! against finite differences, then mini-batch training until the loss converges.
//!
//! Run with `cargo run --release --example bias_update`. Exits non-zero if a gradient disagrees
//! with its finite difference or training does not converge. The numbers come from
//! `walkthrough.rs`, which `tests/tests/bias_update.rs` checks against a hand computation, so what
//! this prints cannot drift from what the library does. The derivation is in
//! `docs/backprop.md`.

mod walkthrough;

use std::process::ExitCode;

use walkthrough::{ALPHA, EPS, TOL, X, Y};

fn main() -> ExitCode {
    let w = walkthrough::walk();
    let n = &w.before;
    let mut ok = true;

    println!("Backpropagation worked through: the bias update b ← b − α·∂L/∂b");
    println!("===============================================================");
    println!("2 inputs → 2 sigmoid hidden neurons → 1 sigmoid output, loss L = (ŷ − y)²");
    println!("(the values of Matt Mazur's \"A Step by Step Backpropagation Example\", one output;");
    println!(" his loss is ½(ŷ − y)², so his gradients are half of ours)\n");
    println!(
        "W₁ = {:?}   (row j: the weights into hidden neuron j)",
        n.l1.weight
    );
    println!("b₁ = {:?}", n.l1.bias);
    println!("W₂ = {:?}", n.l2.weight);
    println!("b₂ = {:?}", n.l2.bias);
    println!("x = {X:?}, target y = {}, learning rate α = {ALPHA}", Y[0]);

    println!("\n1. Forward pass: z = W·a_prev + b, a = σ(z) = 1/(1 + e^−z)");
    for j in 0..2 {
        let [wa, wb] = n.l1.weight[j];
        println!(
            "   z₁[{j}] = {wa}·{} + {wb}·{} + {} = {:.9}",
            X[0], X[1], n.l1.bias[j], w.z1[j]
        );
        println!("   a₁[{j}] = σ(z₁[{j}]) = {:.9}", w.a1[j]);
    }
    let [wa, wb] = n.l2.weight[0];
    println!(
        "   z₂[0] = {wa}·a₁[0] + {wb}·a₁[1] + {} = {:.9}",
        n.l2.bias[0], w.z2[0]
    );
    println!("   ŷ = a₂[0] = σ(z₂[0]) = {:.9}", w.a2[0]);
    println!(
        "   L = (ŷ − y)² = ({:.9} − {})² = {:.9}",
        w.a2[0], Y[0], w.loss_before
    );

    println!("\n2. Backward pass: δ = ∂L/∂z, from the output down, by the chain rule");
    println!("   output layer: δ₂ = ∂L/∂ŷ · ∂ŷ/∂z₂");
    println!("     ∂L/∂ŷ = 2(ŷ − y) = {:.9}", w.dl_da2[0]);
    println!("     ∂ŷ/∂z₂ = σ′(z₂) = ŷ(1 − ŷ) = {:.9}", w.da2_dz2[0]);
    println!(
        "     δ₂[0] = {:.9} · {:.9} = {:.9}",
        w.dl_da2[0], w.da2_dz2[0], w.delta2[0]
    );
    println!("   hidden layer: δ₁ = (W₂ᵀ δ₂) ⊙ σ′(z₁)");
    for j in 0..2 {
        println!(
            "     ∂L/∂a₁[{j}] = W₂[0][{j}]·δ₂[0] = {}·{:.9} = {:.9}",
            n.l2.weight[0][j], w.delta2[0], w.dl_da1[j]
        );
        println!(
            "     σ′(z₁[{j}]) = a₁[{j}](1 − a₁[{j}]) = {:.9}",
            w.da1_dz1[j]
        );
        println!(
            "     δ₁[{j}] = {:.9} · {:.9} = {:.9}",
            w.dl_da1[j], w.da1_dz1[j], w.delta1[j]
        );
    }

    println!(
        "\n3. Gradients: ∂L/∂b = δ (since z = W·a_prev + b gives ∂z/∂b = 1), ∂L/∂W = δ ⊗ a_prev"
    );
    let g = &w.grads;
    println!("   ∂L/∂b₂[0] = δ₂[0] = {:.9}", g.l2.bias[0]);
    for i in 0..2 {
        println!(
            "   ∂L/∂W₂[0][{i}] = δ₂[0] · a₁[{i}] = {:.9} · {:.9} = {:.9}",
            w.delta2[0], w.a1[i], g.l2.weight[0][i]
        );
    }
    for j in 0..2 {
        println!("   ∂L/∂b₁[{j}] = δ₁[{j}] = {:.9}", g.l1.bias[j]);
        for (i, (x, dw)) in X.iter().zip(g.l1.weight[j]).enumerate() {
            println!(
                "   ∂L/∂W₁[{j}][{i}] = δ₁[{j}] · x[{i}] = {:.9} · {x} = {dw:.9}",
                w.delta1[j]
            );
        }
    }
    // The gradients above are `backprop`'s; the δs are the chain rule's. They must be one.
    let same = |a: f64, b: f64| (a - b).abs() <= 1e-15 * a.abs().max(1.0);
    if !(same(g.l2.bias[0], w.delta2[0]) && (0..2).all(|j| same(g.l1.bias[j], w.delta1[j]))) {
        println!("   MISMATCH: backprop's ∂L/∂b differs from the chain rule's δ");
        ok = false;
    }
    println!("\n   The gradient type prints itself as a table (Display):");
    for line in format!("{:.6}", w.grads).lines() {
        println!("     {line}");
    }

    println!(
        "\n4. Update: p ← p − α·∂L/∂p with α = {ALPHA}, every bias and every weight (before → after)"
    );
    let a = &w.after;
    let row = |name: &str, before: f64, grad: f64, after: f64| {
        println!("   {name:<9} {before:.9} → {after:.9}   (= {before:.9} − {ALPHA} · {grad:.9})");
    };
    row("b₂[0]", n.l2.bias[0], g.l2.bias[0], a.l2.bias[0]);
    for i in 0..2 {
        row(
            &format!("W₂[0][{i}]"),
            n.l2.weight[0][i],
            g.l2.weight[0][i],
            a.l2.weight[0][i],
        );
    }
    for j in 0..2 {
        row(
            &format!("b₁[{j}]"),
            n.l1.bias[j],
            g.l1.bias[j],
            a.l1.bias[j],
        );
        for i in 0..2 {
            row(
                &format!("W₁[{j}][{i}]"),
                n.l1.weight[j][i],
                g.l1.weight[j][i],
                a.l1.weight[j][i],
            );
        }
    }
    println!(
        "   loss: {:.9} before → {:.9} after the step",
        w.loss_before, w.loss_after
    );
    if w.loss_after >= w.loss_before {
        println!("   the step did not lower the loss");
        ok = false;
    }

    println!(
        "\n5. Check: every gradient against central differences (L(p + ε) − L(p − ε)) / 2ε, ε = {EPS:e}"
    );
    println!(
        "   {:<9} {:>16} {:>16} {:>10}",
        "parameter", "backprop", "numeric", "|diff|"
    );
    for d in &w.numeric {
        let diff = (d.analytic - d.numeric).abs();
        println!(
            "   {:<9} {:>16.12} {:>16.12} {diff:>10.2e}",
            d.label, d.analytic, d.numeric
        );
        if diff > TOL {
            ok = false;
        }
    }
    println!("\n   network::grad_check on the same sample:");
    for line in w.check.to_string().lines() {
        println!("   {line}");
    }
    let verdict = w.check.passed(TOL);
    println!(
        "   agreement within {TOL:e} (|a − n| ≤ tol·max(1, |a|, |n|)): {}",
        if verdict { "yes, every gradient" } else { "NO" }
    );
    ok &= verdict;

    let t = walkthrough::train();
    println!(
        "\n6. Training: mini-batches of {} from {} samples (train_batch: the mean gradient of a \
         batch, one step per batch), α = {}",
        walkthrough::BATCH,
        walkthrough::DATA_X.len(),
        walkthrough::TRAIN_ALPHA
    );
    println!(
        "   data: the corners of the unit square, each with two labels 0.2 apart, so the best \
         possible loss is 0.01"
    );
    println!(
        "   stop: when an epoch changes the loss by less than {:e} of itself, or after {} epochs",
        walkthrough::REL_CHANGE,
        walkthrough::MAX_EPOCHS
    );
    let f = &t.first_step;
    println!("   the first mini-batch step, for the output bias:");
    for (s, d) in f.deltas.iter().enumerate() {
        println!("     sample {s}: δ₂ = ∂L/∂b₂ = {d:+.9}");
    }
    println!(
        "     mean ∂L/∂b₂ = {:+.9};  b₂ ← b₂ − α · mean = {:.9} − {} · {:.9} = {:.9}",
        f.mean,
        f.before,
        walkthrough::TRAIN_ALPHA,
        f.mean,
        f.after
    );
    if (f.before - walkthrough::TRAIN_ALPHA * f.mean - f.after).abs() > 1e-15 {
        println!("     MISMATCH: train_batch did not apply b ← b − α·mean δ");
        ok = false;
    }
    println!(
        "   {:>6} {:>12} {:>14} {:>16}",
        "epoch", "mean loss", "output b₂[0]", "mean ∂L/∂b₂[0]"
    );
    for s in &t.log {
        println!(
            "   {:>6} {:>12.9} {:>14.9} {:>16.9}",
            s.epoch, s.loss, s.bias, s.grad
        );
    }
    let last = t.log.last().expect("the log has the start and the end");
    if t.converged {
        println!(
            "   converged after {} epochs: loss {:.6}, b₂[0] moved {:+.6} from {}",
            last.epoch,
            last.loss,
            last.bias - t.log[0].bias,
            t.log[0].bias
        );
    } else {
        println!(
            "   did NOT converge within {} epochs",
            walkthrough::MAX_EPOCHS
        );
        ok = false;
    }

    if ok {
        ExitCode::SUCCESS
    } else {
        println!("\nA check failed.");
        ExitCode::FAILURE
    }
}
