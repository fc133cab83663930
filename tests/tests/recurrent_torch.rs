//! Sequence networks against PyTorch: `fixtures/make_recurrent_fixture.py` ran a GRU+Linear and
//! an LSTM+Linear model in float64 over a window of 12 steps from a non-zero start state and
//! wrote `fixtures/recurrent_torch.safetensors`: the weights, the inputs, targets and start
//! state, every step's output, the end state, the window's loss and every parameter's gradient
//! from autograd. Loaded into the same architectures here, `step` and `window_gradients`
//! reproduce all of them to 1e-10 relative.
//!
//! The file is read with a parser of its own (an 8-byte length, a JSON header, raw
//! little-endian data), so that the comparison does not rest on the library's loader.

use std::collections::BTreeSet;

use network::prelude::*;
use network::{Parameters, network};
use serde_json::Value;

network! {
    /// `make_recurrent_fixture.py`'s `GruNet`.
    struct GruLinear < gru(3 -> 6), dense(6 -> 2, identity) >
    /// `make_recurrent_fixture.py`'s `LstmNet`.
    struct LstmLinear < lstm(2 -> 7), dense(7 -> 3, tanh) >
}

/// The window length of the fixture.
const W: usize = 12;

/// The agreement required: `|ours − PyTorch| ≤ 1e-10 · max(|PyTorch|, FLOOR)`.
const TOLERANCE: f64 = 1e-10;

/// Below this magnitude a value is compared absolutely (to `TOLERANCE · FLOOR = 1e-16`): the
/// two implementations sum in different orders, which leaves a few ulps of the *largest* terms
/// in a sum, and a relative error of a value that cancels to near zero says nothing.
const FLOOR: f64 = 1e-6;

const FILE: &[u8] = include_bytes!("fixtures/recurrent_torch.safetensors");

/// A safetensors file: its header and its data.
struct Fixture {
    header: Value,
    data: &'static [u8],
}

impl Fixture {
    fn load() -> Self {
        let n = u64::from_le_bytes(FILE[..8].try_into().unwrap()) as usize;
        Fixture {
            header: serde_json::from_slice(&FILE[8..8 + n]).unwrap(),
            data: &FILE[8 + n..],
        }
    }

    /// The names of the tensors whose name starts with `prefix`.
    fn names(&self, prefix: &str) -> BTreeSet<String> {
        let header = self.header.as_object().unwrap();
        header
            .keys()
            .filter(|k| k.starts_with(prefix))
            .cloned()
            .collect()
    }

    /// A metadata entry.
    fn meta(&self, key: &str) -> &str {
        self.header["__metadata__"][key]
            .as_str()
            .unwrap_or_else(|| panic!("no metadata {key}"))
    }

    /// A float64 tensor, flat in row-major order, after checking its shape.
    fn tensor(&self, name: &str, shape: &[usize]) -> Vec<f64> {
        let entry = &self.header[name];
        assert_eq!(entry["dtype"], "F64", "{name}: dtype");
        let got: Vec<usize> = entry["shape"]
            .as_array()
            .unwrap_or_else(|| panic!("no tensor {name}"))
            .iter()
            .map(|d| d.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(got, shape, "{name}: shape");
        let offset = |i: usize| entry["data_offsets"][i].as_u64().unwrap() as usize;
        let bytes = &self.data[offset(0)..offset(1)];
        assert_eq!(bytes.len(), 8 * shape.iter().product::<usize>(), "{name}");
        bytes
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
            .collect()
    }

    /// A `[rows, N]` tensor as rows.
    fn rows<const N: usize>(&self, name: &str, rows: usize) -> Vec<[f64; N]> {
        self.tensor(name, &[rows, N])
            .chunks_exact(N)
            .map(|r| r.try_into().unwrap())
            .collect()
    }

    /// A `[N]` tensor.
    fn vector<const N: usize>(&self, name: &str) -> [f64; N] {
        self.tensor(name, &[N]).try_into().unwrap()
    }

    /// Every parameter tensor of `N`, by its PyTorch name under `prefix`.
    fn parameters<N: Parameters<f64>>(&self, prefix: &str, net: &mut N) {
        for i in 0..N::TENSORS {
            let name = format!("{prefix}.{}", N::tensor_name(i));
            let values = self.tensor(&name, N::tensor_shape(i));
            net.tensor_mut(i).copy_from_slice(&values);
        }
    }
}

/// The largest relative error of each quantity, for the report.
#[derive(Default)]
struct Agreement(Vec<(String, f64)>);

impl Agreement {
    /// Asserts that `ours` is PyTorch's `theirs` to [`TOLERANCE`] and records the worst error.
    fn check(&mut self, what: &str, ours: &[f64], theirs: &[f64]) {
        assert_eq!(ours.len(), theirs.len(), "{what}: length");
        let mut worst = 0.0f64;
        for (k, (&a, &b)) in ours.iter().zip(theirs).enumerate() {
            let err = (a - b).abs() / b.abs().max(FLOOR);
            assert!(
                err <= TOLERANCE,
                "{what}[{k}]: ours {a:e}, PyTorch {b:e}, relative error {err:.2e}"
            );
            worst = worst.max(err);
        }
        self.0.push((what.to_string(), worst));
    }

    /// Checks every gradient tensor against the file's `<prefix>.grad.<name>`.
    fn gradients<G: Parameters<f64>>(&mut self, f: &Fixture, prefix: &str, grads: &G) {
        for i in 0..G::TENSORS {
            let name = G::tensor_name(i);
            let theirs = f.tensor(&format!("{prefix}.grad.{name}"), G::tensor_shape(i));
            assert!(
                theirs.iter().filter(|g| g.abs() > FLOOR).count() > theirs.len() / 2,
                "{prefix}: ∂L/∂{name} is mostly below the floor, where the comparison is absolute"
            );
            self.check(&format!("∂L/∂{name}"), grads.tensor(i), &theirs);
        }
    }

    /// The report, in one piece so that the two tests' lines do not interleave.
    fn print(&self, f: &Fixture, model: &str) {
        let mut report = format!("{model} against PyTorch {}:\n", f.meta("torch_version"));
        for (what, worst) in &self.0 {
            report += &format!("  {what}: max relative error {worst:.1e}\n");
        }
        print!("{report}");
    }
}

/// The file holds, for `prefix`, exactly the tensors this test reads.
fn holds_exactly<N: Parameters<f64>>(f: &Fixture, prefix: &str, state: &[&str]) {
    let mut want: BTreeSet<String> = ["inputs", "targets", "outputs", "loss"]
        .iter()
        .map(|s| format!("{prefix}.{s}"))
        .collect();
    for s in state {
        want.insert(format!("{prefix}.{s}0"));
        want.insert(format!("{prefix}.{s}_end"));
    }
    for i in 0..N::TENSORS {
        want.insert(format!("{prefix}.{}", N::tensor_name(i)));
        want.insert(format!("{prefix}.grad.{}", N::tensor_name(i)));
    }
    assert_eq!(f.names(&format!("{prefix}.")), want);
}

#[test]
fn a_gru_reproduces_pytorchs_outputs_loss_and_gradients() {
    let f = Fixture::load();
    holds_exactly::<GruLinear<f64>>(&f, "gru", &["h"]);
    let warmup: usize = f.meta("gru.warmup").parse().unwrap();
    assert!(warmup > 0, "the GRU's window has warm-up steps");
    let mut net: GruLinear<f64> = GruLinear::zeroed();
    f.parameters("gru", &mut net);
    let xs: [[f64; 3]; W] = f.rows("gru.inputs", W).try_into().unwrap();
    let ys: [[f64; 2]; W] = f.rows("gru.targets", W).try_into().unwrap();
    let start = GruLinearState {
        l1: f.vector("gru.h0"),
        l2: (),
    };
    assert!(
        start.l1.iter().all(|&h| h != 0.0),
        "the start state is not zero"
    );

    let mut agreement = Agreement::default();
    let mut state = start;
    let outputs: Vec<[f64; 2]> = xs.iter().map(|x| net.step(&mut state, x)).collect();
    agreement.check(
        "outputs",
        outputs.as_flattened(),
        f.rows::<2>("gru.outputs", W).as_flattened(),
    );
    agreement.check("h_end (step)", &state.l1, &f.vector::<6>("gru.h_end"));

    let mut window = GruLinear::<f64>::zeroed_window::<W>();
    let mut grads = GruLinearGradients::<f64>::zeroed();
    let (loss, end) = net.window_gradients(&start, &xs, &ys, warmup, &Mse, &mut window, &mut grads);
    assert_eq!(end, state, "window_gradients ends where step does");
    agreement.check("loss", &[loss], &f.tensor("gru.loss", &[1]));
    agreement.gradients(&f, "gru", &grads);
    // What the fixture covers: PyTorch's two bias vectors share the gradient of the r and z
    // gates, and part ways at n, where ∂L/∂b_hn = r ⊙ ∂L/∂b_in.
    let b_ih = f.tensor("gru.grad.l1.bias_ih_l0", &[18]);
    let b_hh = f.tensor("gru.grad.l1.bias_hh_l0", &[18]);
    let apart = |j: usize| (b_ih[j] - b_hh[j]).abs() / b_ih[j].abs();
    assert!((0..12).all(|j| apart(j) < 1e-12), "r and z: one gradient");
    assert!((12..18).all(|j| apart(j) > 1e-3), "n: two gradients");
    agreement.print(&f, "gru");
}

#[test]
fn an_lstm_reproduces_pytorchs_outputs_loss_and_gradients() {
    let f = Fixture::load();
    holds_exactly::<LstmLinear<f64>>(&f, "lstm", &["h", "c"]);
    let warmup: usize = f.meta("lstm.warmup").parse().unwrap();
    let mut net: LstmLinear<f64> = LstmLinear::zeroed();
    f.parameters("lstm", &mut net);
    let xs: [[f64; 2]; W] = f.rows("lstm.inputs", W).try_into().unwrap();
    let ys: [[f64; 3]; W] = f.rows("lstm.targets", W).try_into().unwrap();
    let mut start = LstmLinearState::default();
    start.l1.h = f.vector("lstm.h0");
    start.l1.c = f.vector("lstm.c0");
    assert!(
        start.l1.h.iter().chain(&start.l1.c).all(|&v| v != 0.0),
        "the start state is not zero"
    );

    let mut agreement = Agreement::default();
    let mut state = start;
    let outputs: Vec<[f64; 3]> = xs.iter().map(|x| net.step(&mut state, x)).collect();
    agreement.check(
        "outputs",
        outputs.as_flattened(),
        f.rows::<3>("lstm.outputs", W).as_flattened(),
    );
    agreement.check("h_end (step)", &state.l1.h, &f.vector::<7>("lstm.h_end"));
    agreement.check("c_end (step)", &state.l1.c, &f.vector::<7>("lstm.c_end"));

    let mut window = LstmLinear::<f64>::zeroed_window::<W>();
    let mut grads = LstmLinearGradients::<f64>::zeroed();
    let (loss, end) = net.window_gradients(&start, &xs, &ys, warmup, &Mse, &mut window, &mut grads);
    assert_eq!(end, state, "window_gradients ends where step does");
    agreement.check("loss", &[loss], &f.tensor("lstm.loss", &[1]));
    agreement.gradients(&f, "lstm", &grads);
    agreement.print(&f, "lstm");
}
