//! `grad_check` on generated networks: it passes on correct backpropagation, and it catches
//! deliberately wrong gradients and says where they are wrong.

use network::gradcheck::{TensorCheck, TensorKind};
use network::prelude::*;
use network::{GradCheck, LayerInfo, LayerTrace};

network! {
    /// A tanh hidden layer under a sigmoid output.
    pub struct Net < dense(3 -> 4, tanh), dense(4 -> 2, sigmoid) >

    /// Every other activation, and a leaky slope that `zeroed()` must carry into the probe.
    pub struct Deep < dense(4 -> 5, relu), dense(5 -> 6, leaky_relu(0.2)), dense(6 -> 3, identity), dense(3 -> 3, softmax) >

    /// A regression network with a linear output.
    pub struct Regress < dense(2 -> 3, sigmoid), dense(3 -> 2, identity) >
}

const TOL: f64 = 1e-6;
const EPS: f64 = 1e-6;

fn net() -> Net<f64> {
    let mut net = Net::<f64>::seeded(3);
    // Non-zero biases, so bias gradients do not hide behind a zero starting point.
    net.l1.bias = [0.1, -0.2, 0.3, -0.05];
    net.l2.bias = [0.25, -0.4];
    net
}

const X: [f64; 3] = [0.5, -1.0, 0.25];
const Y: [f64; 2] = [0.9, 0.1];

#[test]
fn correct_backprop_passes_on_every_network() {
    let r = grad_check(&net(), &X, &Y, &Mse, EPS);
    assert!(r.passed(TOL), "{r}");
    assert!(r.copy_matches);
    assert_eq!(r.layers().len(), 2);
    assert_eq!(r.layers()[0].name, "l1");
    assert_eq!(r.layers()[1].weight.name, "l2.weight");
    assert_eq!(r.layers()[1].weight.shape, &[2, 4]);
    assert_eq!(r.layers()[1].weight.checked, 8);
    assert_eq!(r.layers()[1].bias.checked, 2);
    assert_eq!(r.tensors().count(), 4);
    // The check measured something: gradients are non-zero and the errors are tiny, not zero
    // by construction.
    assert!(r.tensors().all(|t| t.mismatch.analytic != 0.0));
    assert!(r.tensors().any(|t| t.abs.error > 0.0));
    let bce = grad_check(&net(), &X, &Y, &BinaryCrossEntropy, EPS);
    assert!(bce.passed(TOL), "{bce}");

    let mut deep = Deep::<f64>::seeded(11);
    for (k, b) in deep.l1.bias.iter_mut().enumerate() {
        *b = 0.05 * k as f64 - 0.1;
    }
    let x = [0.3, -0.7, 1.1, 0.4];
    let y = [0.2, 0.5, 0.3];
    let r = grad_check(&deep, &x, &y, &CrossEntropy, EPS);
    assert!(r.passed(TOL), "{r}");
    assert_eq!(r.layers().len(), 4);
    let r = grad_check(&deep, &x, &y, &Mse, EPS);
    assert!(r.passed(TOL), "{r}");

    let reg = Regress::<f64>::seeded(5);
    let r = grad_check(&reg, &[0.4, -0.9], &[1.5, -2.0], &Mse, EPS);
    assert!(r.passed(TOL), "{r}");
}

#[test]
fn f32_networks_pass_at_f32_tolerances() {
    let net: Net = Net::seeded(3);
    let r = grad_check(&net, &[0.5f32, -1.0, 0.25], &[0.9, 0.1], &Mse, 1e-2);
    assert!(r.passed(1e-2), "{r}");
}

#[test]
fn a_report_with_its_own_capacity() {
    let r = GradCheck::<2>::run(&net(), &X, &Y, &Mse, EPS);
    assert!(r.passed(TOL));
    assert_eq!(r, GradCheck::<2>::run(&net(), &X, &Y, &Mse, EPS));
    let mut seen = Vec::new();
    let (loss, copy_matches) =
        network::gradcheck::grad_check_each(&net(), &X, &Y, &Mse, EPS, |t| seen.push(t));
    assert!(copy_matches);
    assert_eq!(loss, net().loss(&X, &Y, &Mse));
    let names: Vec<_> = seen.iter().map(|t| t.name).collect();
    assert_eq!(names, ["l1.weight", "l1.bias", "l2.weight", "l2.bias"]);
    assert_eq!(seen[2], r.layers()[1].weight);
}

/// MSE whose `δ` forgot the factor 2 of `∂(ŷ − y)²/∂ŷ`.
struct MseWithoutTheTwo;

impl<A: Activation> Loss<f64, A> for MseWithoutTheTwo {
    fn value(&self, z: &[f64], a: &[f64], y: &[f64]) -> f64 {
        Loss::<f64, A>::value(&Mse, z, a, y)
    }

    fn delta(&self, act: &A, z: &[f64], a: &[f64], y: &[f64], delta: &mut [f64]) {
        Loss::<f64, A>::delta(&Mse, act, z, a, y, delta);
        delta.iter_mut().for_each(|d| *d *= 0.5);
    }
}

/// MSE whose `δ` has the sign of `y − ŷ` instead of `ŷ − y`.
struct MseWrongSign;

impl<A: Activation> Loss<f64, A> for MseWrongSign {
    fn value(&self, z: &[f64], a: &[f64], y: &[f64]) -> f64 {
        Loss::<f64, A>::value(&Mse, z, a, y)
    }

    fn delta(&self, act: &A, z: &[f64], a: &[f64], y: &[f64], delta: &mut [f64]) {
        Loss::<f64, A>::delta(&Mse, act, z, a, y, delta);
        delta.iter_mut().for_each(|d| *d = -*d);
    }
}

#[test]
fn a_wrong_loss_gradient_fails_everywhere() {
    let r = grad_check(&net(), &X, &Y, &MseWithoutTheTwo, EPS);
    assert!(!r.passed(1e-3), "{r}");
    assert_eq!(r.failures(1e-3).count(), 4, "{r}");
    // Half the true gradient: the relative error is 1/2 wherever the gradient is not tiny.
    for t in r.tensors() {
        assert!(
            (t.rel.error - 0.5).abs() < 1e-4,
            "{}: {}",
            t.name,
            t.rel.error
        );
    }

    let r = grad_check(&net(), &X, &Y, &MseWrongSign, EPS);
    assert_eq!(r.failures(1e-3).count(), 4, "{r}");
    let w = r.worst().unwrap();
    assert!(
        (w.mismatch.analytic + w.mismatch.numeric).abs() < 1e-8,
        "{r}"
    );
    assert!((w.rel.error - 2.0).abs() < 1e-6);
}

/// A hand-written `Net` whose backward pass has a deliberate bug, to show the check finds it
/// and names the layer and tensor. `gain` scales the input and is not a parameter.
struct Buggy<const BUG: u8> {
    net: Net<f64>,
    gain: f64,
}

/// The hidden layer's `δ` misses the activation's derivative: `δ₁ = W₂ᵀ δ₂`.
const NO_DERIVATIVE: u8 = 1;
/// The output bias gets `δ ⊙ a_prev[0]` instead of `δ` (as if `∂z/∂b` were an input).
const BIAS_TIMES_INPUT: u8 = 2;
/// One weight of the first layer gets a gradient 1.5 times too large.
const ONE_WEIGHT: u8 = 3;
/// Correct backward pass, but `gain ≠ 1`: state `zeroed()` does not restore.
const HIDDEN_STATE: u8 = 4;

impl<const BUG: u8> Parameters<f64> for Buggy<BUG> {
    const PARAMS: usize = <Net<f64> as Parameters<f64>>::PARAMS;
    const TENSORS: usize = <Net<f64> as Parameters<f64>>::TENSORS;

    fn tensor(&self, i: usize) -> &[f64] {
        self.net.tensor(i)
    }

    fn tensor_mut(&mut self, i: usize) -> &mut [f64] {
        self.net.tensor_mut(i)
    }

    fn tensor_name(i: usize) -> &'static str {
        <Net<f64> as Parameters<f64>>::tensor_name(i)
    }

    fn tensor_shape(i: usize) -> &'static [usize] {
        <Net<f64> as Parameters<f64>>::tensor_shape(i)
    }
}

impl<const BUG: u8> network::Trainable<f64> for Buggy<BUG> {
    type Gradients = NetGradients<f64>;
}

impl<const BUG: u8> Architecture<f64> for Buggy<BUG> {
    const INPUTS: usize = 3;
    const OUTPUTS: usize = 2;
    const LAYERS: usize = 2;
    const LAYOUT: &'static [LayerInfo] = <Net<f64> as Architecture<f64>>::LAYOUT;
    const STEP_TRACE_BYTES: usize = size_of::<NetTrace<f64>>();

    fn zeroed() -> Self {
        Buggy {
            net: Net::zeroed(),
            gain: 1.0,
        }
    }

    fn seeded(seed: u64) -> Self {
        Buggy {
            net: Net::seeded(seed),
            gain: 1.0,
        }
    }

    fn reseed(&mut self, seed: u64) {
        *self = Self::seeded(seed);
    }
}

impl<const BUG: u8> Network<f64> for Buggy<BUG> {
    type Input = [f64; 3];
    type Output = [f64; 2];
    type Trace = NetTrace<f64>;
    type OutputActivation = Sigmoid;

    fn forward(&self, x: &[f64; 3]) -> [f64; 2] {
        self.net.forward(&x.map(|v| v * self.gain))
    }

    fn forward_trace(&self, x: &[f64; 3]) -> NetTrace<f64> {
        self.net.forward_trace(&x.map(|v| v * self.gain))
    }

    fn trace_output(trace: &NetTrace<f64>) -> (&[f64; 2], &[f64; 2]) {
        (&trace.l2.z, &trace.l2.a)
    }

    fn output_activation(&self) -> &Sigmoid {
        &self.net.l2.activation
    }

    /// The generated code, line for line, with one bug injected.
    fn backward_delta(
        &self,
        trace: &NetTrace<f64>,
        delta: &[f64; 2],
        grads: &mut NetGradients<f64>,
    ) {
        let n = &self.net;
        let d2 = *delta;
        if BUG == BIAS_TIMES_INPUT {
            let before = grads.l2.bias;
            grads.l2.accumulate(&trace.l1.a, &d2);
            for j in 0..2 {
                grads.l2.bias[j] = before[j] + d2[j] * trace.l1.a[0];
            }
        } else {
            grads.l2.accumulate(&trace.l1.a, &d2);
        }
        let d1 = if BUG == NO_DERIVATIVE {
            n.l2.input_gradient(&d2)
        } else {
            n.l2.delta_below(&d2, &n.l1.activation, &trace.l1)
        };
        grads.l1.accumulate(&trace.input, &d1);
        if BUG == ONE_WEIGHT {
            grads.l1.weight[1][2] += 0.5 * d1[1] * trace.input[2];
        }
    }
}

fn buggy<const BUG: u8>() -> Buggy<BUG> {
    Buggy {
        net: net(),
        gain: 1.0,
    }
}

fn only_failures(r: &GradCheck, tol: f64) -> Vec<&'static str> {
    r.failures(tol).map(|t: &TensorCheck| t.name).collect()
}

#[test]
fn the_unbroken_hand_written_copy_passes() {
    // The control for the tests below: without a bug the same code passes.
    let r = grad_check(&buggy::<0>(), &X, &Y, &Mse, EPS);
    assert!(r.passed(TOL), "{r}");
}

#[test]
fn a_missing_activation_derivative_is_found_in_the_layer_below() {
    let r = grad_check(&buggy::<NO_DERIVATIVE>(), &X, &Y, &Mse, EPS);
    assert!(!r.passed(TOL));
    assert_eq!(only_failures(&r, 1e-3), ["l1.weight", "l1.bias"], "{r}");
    assert!(r.layers()[1].passed(TOL));
    assert_eq!(r.worst().unwrap().layer, "l1", "{r}");
}

#[test]
fn a_wrong_bias_gradient_is_found_in_that_bias() {
    let r = grad_check(&buggy::<BIAS_TIMES_INPUT>(), &X, &Y, &Mse, EPS);
    assert_eq!(only_failures(&r, 1e-3), ["l2.bias"], "{r}");
    let w = r.worst().unwrap();
    assert_eq!((w.layer, w.kind), ("l2", TensorKind::Bias));
    assert_eq!(w.mismatch.col, None);
    // ∂L/∂b = δ: the numeric gradient is the true δ, the buggy one δ · a₁[0].
    let (_, good) = net().backprop(&X, &Y, &Mse);
    let j = w.mismatch.row;
    assert!((w.mismatch.numeric - good.l2.bias[j]).abs() < 1e-8, "{r}");
    let a0 = net().forward_trace(&X).l1.a[0];
    assert!((w.mismatch.analytic - good.l2.bias[j] * a0).abs() < 1e-15);
}

#[test]
fn a_single_wrong_weight_is_located_by_row_and_column() {
    let r = grad_check(&buggy::<ONE_WEIGHT>(), &X, &Y, &Mse, EPS);
    assert_eq!(only_failures(&r, 1e-3), ["l1.weight"], "{r}");
    let t = &r.layers()[0].weight;
    assert_eq!(t.kind, TensorKind::Weight);
    for worst in [t.abs, t.rel, t.mismatch] {
        assert_eq!((worst.row, worst.col, worst.index), (1, Some(2), 5), "{r}");
    }
    assert!((t.rel.error - 1.0 / 3.0).abs() < 1e-6, "{r}");
}

#[test]
fn state_outside_the_parameters_is_reported() {
    let mut net = buggy::<HIDDEN_STATE>();
    net.gain = 2.0;
    let r = grad_check(&net, &X, &Y, &Mse, EPS);
    assert!(!r.copy_matches);
    assert!(!r.passed(1e300), "{r}");
    assert!(r.to_string().contains("warning"));
}

#[test]
fn the_report_prints_a_row_per_tensor_with_positions() {
    let r = grad_check(&buggy::<ONE_WEIGHT>(), &X, &Y, &Mse, EPS);
    let s = r.to_string();
    for name in ["l1.weight", "l1.bias", "l2.weight", "l2.bias"] {
        assert_eq!(
            s.lines()
                .filter(|l| l.trim_start().starts_with(name))
                .count(),
            1,
            "{s}"
        );
    }
    let row = s
        .lines()
        .find(|l| l.trim_start().starts_with("l1.weight"))
        .unwrap();
    assert!(row.contains("4×3") && row.contains("[1][2]"), "{row}");
    let bias = s
        .lines()
        .find(|l| l.trim_start().starts_with("l2.bias"))
        .unwrap();
    assert!(bias.contains("[0]") || bias.contains("[1]"), "{bias}");
    assert!(!bias.contains("]["), "{bias}");
}

#[test]
fn gradients_print_as_a_per_layer_table() {
    let (_, g) = net().backprop(&X, &Y, &Mse);
    let s = g.to_string();
    let lines: Vec<&str> = s.lines().collect();
    assert_eq!(lines.len(), 3, "{s}");
    assert!(
        lines[0].contains("∂L/∂W") && lines[0].contains("∂L/∂b"),
        "{s}"
    );
    assert!(
        lines[1].starts_with("l1 ") && lines[1].contains("4×3"),
        "{s}"
    );
    assert!(
        lines[2].starts_with("l2 ") && lines[2].contains("2×4"),
        "{s}"
    );
    // The full bias gradient, element by element, in order.
    let bias = format!("[{:+.4e}, {:+.4e}]", g.l2.bias[0], g.l2.bias[1]);
    assert!(lines[2].ends_with(&bias), "{s}\nwant {bias}");
    let max =
        g.l1.weight
            .as_flattened()
            .iter()
            .fold(0.0f64, |m, w| m.max(w.abs()));
    assert!(lines[1].contains(&format!("{max:.4e}")), "{s}");
    // The precision carries through.
    let s6 = format!("{g:.6}");
    assert!(s6.contains(&format!("{:+.6e}", g.l1.bias[3])), "{s6}");
}

#[test]
fn layer_trace_is_what_backward_reads() {
    // Guard for the hand-written copy above: the generated trace type holds `LayerTrace`s.
    let t: LayerTrace<f64, 4> = net().forward_trace(&X).l1;
    assert_eq!(t.a, net().l1.forward(&X));
}

#[test]
fn every_layer_of_a_deep_network_gets_a_row() {
    let deep = Deep::<f32>::seeded(2);
    let (_, g) = deep.backprop(&[0.1, 0.2, 0.3, 0.4], &[0.0, 1.0, 0.0], &CrossEntropy);
    let s = g.to_string();
    let rows: Vec<&str> = s.lines().skip(1).collect();
    assert_eq!(rows.len(), 4, "{s}");
    for (k, (row, shape)) in rows.iter().zip(["5×4", "6×5", "3×6", "3×3"]).enumerate() {
        assert!(
            row.starts_with(&format!("l{} ", k + 1)) && row.contains(shape),
            "{s}"
        );
    }
    // The last layer's full ∂L/∂b: three entries.
    assert_eq!(
        rows[3].rsplit('[').next().unwrap().matches(',').count(),
        2,
        "{s}"
    );
}
