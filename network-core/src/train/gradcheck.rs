//! Gradient checking: backpropagation compared with central finite differences.
//!
//! [`grad_check`] perturbs every weight and every bias of a network by `±eps`, one scalar at a
//! time, measures the loss on both sides, and compares the slope
//! `n = (L(p + eps) − L(p − eps)) / 2eps` with the gradient `a` that
//! [`backprop`](crate::Network::backprop) computes. The result is a [`GradCheck`] report with,
//! for every layer and separately for its weights and its biases, the worst errors and the
//! scalar where each occurred. It runs without `std` and without a heap: the perturbed copy of
//! the network and the report live on the stack.
//!
//! [`grad_check_sequence`] does the same for a sequence network (`gru`, `lstm`) over one window
//! of time steps: the loss is the window's (the mean per-step loss after a warm-up, from a
//! given start state), backpropagation is through time, and the [`SequenceGradCheck`] report
//! has one row per parameter tensor (PyTorch's names: `l1.weight_ih_l0`, ...).
//!
//! # Error measures
//!
//! For one scalar with backprop gradient `a` and numeric gradient `n`:
//!
//! - the **absolute error** is `|a − n|`;
//! - the **relative error** is `|a − n| / max(|a|, |n|, FLOOR)` with [`FLOOR`] `= 1e-300`, which
//!   only keeps `0 / 0` at `0` (it is `0` when both gradients are exactly zero);
//! - the **mismatch** is `min(absolute, relative)`: the absolute error for gradients smaller than
//!   1 in magnitude, the relative error for larger ones. A scalar *agrees within `tol`* when its
//!   mismatch is at most `tol`, that is `|a − n| ≤ tol · max(1, |a|, |n|)`, as
//!   `numpy.isclose(a, n, rtol=tol, atol=tol)` would say. This is what [`GradCheck::passed`]
//!   judges: tiny gradients, whose relative error is dominated by the rounding noise of the
//!   finite difference, are judged absolutely, and large ones relatively.
//!
//! A NaN or infinite gradient on either side counts as an infinite error, so it never passes.
//!
//! # Choosing `eps` and `tol`
//!
//! The finite difference is off by about `eps²·|L‴|/6` (truncation) plus `ε·|L|/eps` (rounding,
//! `ε` the machine epsilon). For `f64`, `eps = 1e-6` and `tol = 1e-6` suit networks whose loss
//! is of order 1; for `f32`, `eps = 1e-2` to `1e-3` and `tol = 1e-2`. A real bug (a missing
//! derivative, a wrong sign or factor, a gradient added to the wrong tensor) shows up as a
//! mismatch of order 1 times the gradient, far above either tolerance.

use core::fmt;

use crate::inspect::display::{Shape, ToPadded};
use crate::loss::Loss;
use crate::network::params::Parameters;
use crate::network::{Network, SequenceNetwork, WindowTrace};
use crate::scalar::Float;

/// The floor of the relative error's denominator: it only turns `0 / 0` into `0`.
pub const FLOOR: f64 = 1e-300;

/// The worst error a check found in one tensor, and the scalar where it occurred.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Worst {
    /// The error (absolute, relative or mismatch, depending on the field holding it);
    /// infinite if either gradient was NaN or infinite.
    pub error: f64,
    /// Position in the tensor's flat slice ([`Parameters::tensor`]).
    pub index: usize,
    /// The row: the output neuron the weight or bias belongs to.
    pub row: usize,
    /// The column of a weight (the input it connects); `None` for a bias.
    pub col: Option<usize>,
    /// The gradient backpropagation computed.
    pub analytic: f64,
    /// The central finite difference.
    pub numeric: f64,
}

impl Worst {
    const NONE: Worst = Worst {
        error: 0.0,
        index: 0,
        row: 0,
        col: None,
        analytic: 0.0,
        numeric: 0.0,
    };
}

/// Which parameter tensor of a layer a [`TensorCheck`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TensorKind {
    /// The weight matrix `W` (`∂L/∂W = δ ⊗ a_prev`).
    Weight,
    /// The bias vector `b` (`∂L/∂b = δ`).
    Bias,
}

/// The result of checking one tensor: every scalar of a layer's weight or of its bias.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TensorCheck {
    /// The tensor's index in [`Parameters`] order (for a dense network, `2k` the weight and
    /// `2k + 1` the bias of layer `k`).
    pub tensor: usize,
    /// The tensor's name, `"<layer>.weight"` or `"<layer>.bias"` (`"<layer>.weight_ih_l0"`,
    /// ... for a recurrent layer, PyTorch's names).
    pub name: &'static str,
    /// The layer's name (`l1`, `l2`, ... unless named).
    pub layer: &'static str,
    /// Weight (a matrix) or bias (a vector).
    pub kind: TensorKind,
    /// The tensor's shape, `[OUT, IN]` for a weight, `[OUT]` for a bias.
    pub shape: &'static [usize],
    /// How many scalars were checked.
    pub checked: usize,
    /// The largest absolute error `|a − n|`.
    pub abs: Worst,
    /// The largest relative error `|a − n| / max(|a|, |n|, FLOOR)`.
    pub rel: Worst,
    /// The largest mismatch `min(abs, rel)`, the one [`passed`](Self::passed) judges.
    pub mismatch: Worst,
}

impl TensorCheck {
    /// A check of nothing yet: every error is zero.
    fn empty(
        tensor: usize,
        name: &'static str,
        layer: &'static str,
        shape: &'static [usize],
    ) -> Self {
        TensorCheck {
            tensor,
            name,
            layer,
            kind: if shape.len() == 2 {
                TensorKind::Weight
            } else {
                TensorKind::Bias
            },
            shape,
            checked: 0,
            abs: Worst::NONE,
            rel: Worst::NONE,
            mismatch: Worst::NONE,
        }
    }

    /// Records one scalar's two gradients.
    fn record(&mut self, index: usize, analytic: f64, numeric: f64) {
        let (abs, rel) = errors(analytic, numeric);
        let (row, col) = match (self.kind, self.shape) {
            (TensorKind::Weight, &[_, cols]) if cols > 0 => (index / cols, Some(index % cols)),
            _ => (index, None),
        };
        let at = |error| Worst {
            error,
            index,
            row,
            col,
            analytic,
            numeric,
        };
        // `>` keeps the first scalar among equals; the first one recorded always lands so the
        // location is a real one even when every error is zero.
        let first = self.checked == 0;
        if first || abs > self.abs.error {
            self.abs = at(abs);
        }
        if first || rel > self.rel.error {
            self.rel = at(rel);
        }
        let mismatch = abs.min(rel);
        if first || mismatch > self.mismatch.error {
            self.mismatch = at(mismatch);
        }
        self.checked += 1;
    }

    /// Whether every scalar agrees within `tol`: `|a − n| ≤ tol · max(1, |a|, |n|)`.
    pub fn passed(&self, tol: f64) -> bool {
        self.mismatch.error <= tol
    }
}

/// The absolute and relative error of one scalar; NaN or infinite inputs give infinite errors.
pub fn errors(analytic: f64, numeric: f64) -> (f64, f64) {
    let diff = (analytic - numeric).abs();
    if !diff.is_finite() {
        return (f64::INFINITY, f64::INFINITY);
    }
    let scale = analytic.abs().max(numeric.abs()).max(FLOOR);
    (diff, diff / scale)
}

/// The check of one layer: its weights and its biases.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LayerCheck {
    /// The layer's name, as in [`Architecture::LAYOUT`](crate::Architecture::LAYOUT).
    pub name: &'static str,
    /// The check of `∂L/∂W`.
    pub weight: TensorCheck,
    /// The check of `∂L/∂b`.
    pub bias: TensorCheck,
}

impl LayerCheck {
    const EMPTY: LayerCheck = LayerCheck {
        name: "",
        weight: TensorCheck {
            tensor: 0,
            name: "",
            layer: "",
            kind: TensorKind::Weight,
            shape: &[],
            checked: 0,
            abs: Worst::NONE,
            rel: Worst::NONE,
            mismatch: Worst::NONE,
        },
        bias: TensorCheck {
            tensor: 1,
            name: "",
            layer: "",
            kind: TensorKind::Bias,
            shape: &[],
            checked: 0,
            abs: Worst::NONE,
            rel: Worst::NONE,
            mismatch: Worst::NONE,
        },
    };

    /// Whether both the weights and the biases agree within `tol`.
    pub fn passed(&self, tol: f64) -> bool {
        self.weight.passed(tol) && self.bias.passed(tol)
    }
}

/// A gradient check's report: per layer, the worst errors of the weights and of the biases.
///
/// It holds up to `MAX_LAYERS` layers in a fixed array (no heap); [`grad_check`] uses the
/// default of 16, [`GradCheck::run`] takes any capacity, and checking a network with more
/// layers than the capacity is a compile-time error. Print it with `{}` for a table.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GradCheck<const MAX_LAYERS: usize = 16> {
    layers: [LayerCheck; MAX_LAYERS],
    len: usize,
    /// The finite-difference step, as an `f64`.
    pub eps: f64,
    /// The loss at the unperturbed parameters.
    pub loss: f64,
    /// Whether the perturbed copy of the network (built with
    /// [`zeroed`](crate::Architecture::zeroed) and the parameters copied in) reproduced the
    /// network's loss exactly. If not, the network has state outside its parameters that `zeroed` does not restore,
    /// the numeric gradients describe another function, and the check does not pass.
    pub copy_matches: bool,
    /// The tolerance the printed table judges each tensor by (`pass` or `FAIL`): `1e-2` for an
    /// `f32` network and `1e-6` for an `f64` one unless set with [`with_tol`](Self::with_tol).
    /// [`passed`](Self::passed) takes its own.
    pub tol: f64,
}

/// Compares backpropagation with central finite differences for every weight and bias of
/// `net`, on the sample `(x, y)` under `loss`, with step `eps`. See the [module](self) for the
/// error measures and for choosing `eps`.
///
/// ```
/// # use network_core::gradcheck::grad_check;
/// # fn demo<N: network_core::Network<f64>, L: network_core::Loss<f64, N::OutputActivation>>(
/// #     net: &N, x: &N::Input, y: &N::Output, loss: &L) {
/// let report = grad_check(net, x, y, loss, 1e-6);
/// assert!(report.passed(1e-6), "{report}");
/// # }
/// ```
///
/// It costs two forward passes per parameter. The network is not changed: a copy is perturbed,
/// made with [`zeroed`](crate::Architecture::zeroed) (which carries each layer's activation)
/// and the parameters copied in through [`Parameters`], so the network need not be `Clone`.
pub fn grad_check<T, N, L>(net: &N, x: &N::Input, y: &N::Output, loss: &L, eps: T) -> GradCheck
where
    T: Float,
    N: Network<T>,
    L: Loss<T, N::OutputActivation>,
{
    GradCheck::run(net, x, y, loss, eps)
}

/// Like [`grad_check`], but hands each tensor's [`TensorCheck`] to `each` as soon as it is done
/// (weight then bias, layer by layer) instead of collecting a report, so it has no capacity
/// limit. Returns the loss at the unperturbed parameters and whether the perturbed copy
/// reproduced it (see [`GradCheck::copy_matches`]).
pub fn grad_check_each<T, N, L, F>(
    net: &N,
    x: &N::Input,
    y: &N::Output,
    loss: &L,
    eps: T,
    each: F,
) -> (f64, bool)
where
    T: Float,
    N: Network<T>,
    L: Loss<T, N::OutputActivation>,
    F: FnMut(TensorCheck),
{
    let (value, grads) = net.backprop(x, y, loss);
    let mut probe = N::zeroed();
    for i in 0..N::TENSORS {
        probe.tensor_mut(i).copy_from_slice(net.tensor(i));
    }
    let probe_value = probe.loss(x, y, loss);
    let copy_matches = probe_value == value || (probe_value.is_nan() && value.is_nan());
    let layer = |i: usize| N::LAYOUT.get(i / 2).map_or("", |l| l.name);
    compare(&mut probe, &grads, eps, layer, |p| p.loss(x, y, loss), each);
    (value.as_f64(), copy_matches)
}

/// The heart of every check: for each tensor of `probe`, perturbs each scalar by `±eps`, takes
/// the slope of `loss_at` and records it against `grads`, restoring the scalar after; hands
/// each tensor's [`TensorCheck`] to `each`. `layer(i)` names tensor `i`'s layer.
fn compare<T, P, G>(
    probe: &mut P,
    grads: &G,
    eps: T,
    layer: impl Fn(usize) -> &'static str,
    mut loss_at: impl FnMut(&P) -> T,
    mut each: impl FnMut(TensorCheck),
) where
    T: Float,
    P: Parameters<T>,
    G: Parameters<T>,
{
    for i in 0..P::TENSORS {
        let mut check = TensorCheck::empty(i, P::tensor_name(i), layer(i), P::tensor_shape(i));
        for (j, &analytic) in grads.tensor(i).iter().enumerate() {
            let p = probe.tensor(i)[j];
            let (plus, minus) = (p + eps, p - eps);
            probe.tensor_mut(i)[j] = plus;
            let l_plus = loss_at(probe);
            probe.tensor_mut(i)[j] = minus;
            let l_minus = loss_at(probe);
            probe.tensor_mut(i)[j] = p;
            // Divide by the step actually taken: `p ± eps` rounds, and the rounded values are
            // the ones the loss saw.
            let numeric = (l_plus - l_minus).as_f64() / (plus - minus).as_f64();
            check.record(j, analytic.as_f64(), numeric);
        }
        each(check);
    }
}

impl<const MAX_LAYERS: usize> GradCheck<MAX_LAYERS> {
    /// [`grad_check`] with a report of capacity `MAX_LAYERS`.
    pub fn run<T, N, L>(net: &N, x: &N::Input, y: &N::Output, loss: &L, eps: T) -> Self
    where
        T: Float,
        N: Network<T>,
        L: Loss<T, N::OutputActivation>,
    {
        const {
            assert!(
                N::LAYERS <= MAX_LAYERS,
                "the network has more layers than the GradCheck report holds: use \
                 GradCheck::<MAX_LAYERS>::run with a larger capacity, or grad_check_each"
            )
        };
        let mut report = GradCheck {
            layers: [LayerCheck::EMPTY; MAX_LAYERS],
            len: N::LAYERS,
            eps: eps.as_f64(),
            loss: 0.0,
            copy_matches: false,
            tol: if core::mem::size_of::<T>() == 4 {
                1e-2
            } else {
                1e-6
            },
        };
        let layers = &mut report.layers;
        let (value, copy_matches) = grad_check_each(net, x, y, loss, eps, |check| {
            let layer = &mut layers[check.tensor / 2];
            layer.name = check.layer;
            match check.kind {
                TensorKind::Weight => layer.weight = check,
                TensorKind::Bias => layer.bias = check,
            }
        });
        report.loss = value;
        report.copy_matches = copy_matches;
        report
    }

    /// The report with `tol` as the tolerance its printed table judges by.
    pub fn with_tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// Every layer's check, in order.
    pub fn layers(&self) -> &[LayerCheck] {
        &self.layers[..self.len]
    }

    /// Every tensor's check, in [`Parameters`] order (weight, then bias, layer by layer).
    pub fn tensors(&self) -> impl Iterator<Item = &TensorCheck> + Clone {
        self.layers().iter().flat_map(|l| [&l.weight, &l.bias])
    }

    /// Whether every weight and every bias agrees within `tol` (see the [module](self)), and
    /// the perturbed copy reproduced the network's loss.
    pub fn passed(&self, tol: f64) -> bool {
        self.copy_matches && self.layers().iter().all(|l| l.passed(tol))
    }

    /// The tensor with the largest mismatch, the one most likely to hold a bug; `None` for a
    /// network without layers.
    pub fn worst(&self) -> Option<&TensorCheck> {
        worst(self.tensors())
    }

    /// The tensors that do not agree within `tol`, in order.
    pub fn failures(&self, tol: f64) -> impl Iterator<Item = &TensorCheck> {
        self.tensors().filter(move |t| !t.passed(tol))
    }
}

/// `[row][col]` of a weight, `[row]` of a bias.
struct At<'a>(&'a Worst);

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.col {
            Some(col) => write!(f, "[{}][{}]", self.0.row, col),
            None => write!(f, "[{}]", self.0.row),
        }
    }
}

impl<const MAX_LAYERS: usize> fmt::Display for GradCheck<MAX_LAYERS> {
    /// A table with one row per tensor: its worst absolute and relative error and where,
    /// whether it passes at [`tol`](Self::tol), and the two gradients at its worst mismatch.
    /// `{:.N}` sets the digits (default 2). A large relative error at a tiny gradient is
    /// rounding noise of the finite difference, judged absolutely: the `result` column says so.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let warning = (!self.copy_matches).then_some(
            "the perturbed copy does not reproduce the loss (state outside the parameters?)",
        );
        table(f, self.eps, self.loss, self.tol, warning, self.tensors())
    }
}

/// The table both reports print: a header, an optional warning, one row per tensor.
fn table<'a>(
    f: &mut fmt::Formatter<'_>,
    eps: f64,
    loss: f64,
    tol: f64,
    warning: Option<&str>,
    tensors: impl Iterator<Item = &'a TensorCheck> + Clone,
) -> fmt::Result {
    let p = f.precision().unwrap_or(2);
    let name = tensors.clone().map(|t| t.name.len()).fold(12, usize::max);
    writeln!(
        f,
        "gradient check (backprop vs central differences, eps = {eps:e}, loss = {loss:.6})"
    )?;
    writeln!(
        f,
        "  a tensor passes when every |a−n| ≤ tol·max(1, |a|, |n|), tol = {tol:e}"
    )?;
    if let Some(warning) = warning {
        writeln!(f, "  warning: {warning}")?;
    }
    writeln!(
        f,
        "  {:<name$} {:>8} {:>w$}  {:<9} {:>w$}  {:<9} {:<6} {:<9} backprop vs numeric there",
        "tensor",
        "shape",
        "max |a−n|",
        "at",
        "max rel",
        "at",
        "result",
        "mismatch",
        w = p + 7,
    )?;
    for t in tensors {
        let shape = Shape(t.shape);
        writeln!(
            f,
            "  {:<name$} {:>8} {:>w$.p$e}  {:<9} {:>w$.p$e}  {:<9} {:<6} {:<9} {:+.q$e} vs {:+.q$e}",
            t.name,
            shape.to_padded(),
            t.abs.error,
            At(&t.abs).to_padded(),
            t.rel.error,
            At(&t.rel).to_padded(),
            if t.passed(tol) { "pass" } else { "FAIL" },
            At(&t.mismatch).to_padded(),
            t.mismatch.analytic,
            t.mismatch.numeric,
            w = p + 7,
            p = p,
            q = p + 4,
        )?;
    }
    Ok(())
}

/// The tensor with the largest mismatch among `tensors`.
fn worst<'a>(tensors: impl Iterator<Item = &'a TensorCheck>) -> Option<&'a TensorCheck> {
    tensors.fold(None, |worst: Option<&TensorCheck>, t| match worst {
        Some(w) if w.mismatch.error >= t.mismatch.error => Some(w),
        _ => Some(t),
    })
}

/// A gradient check of a sequence network (`gru`, `lstm`): the loss of one window, every
/// parameter tensor checked (PyTorch's names, `l1.weight_ih_l0`, ...).
///
/// It holds up to `MAX_TENSORS` tensors in a fixed array (no heap); [`grad_check_sequence`]
/// uses the default of 32 (8 recurrent layers), [`SequenceGradCheck::against`] takes any
/// capacity, and checking a network with more tensors is a compile-time error. Print it with
/// `{}` for a table.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SequenceGradCheck<const MAX_TENSORS: usize = 32> {
    tensors: [TensorCheck; MAX_TENSORS],
    len: usize,
    /// The finite-difference step, as an `f64`.
    pub eps: f64,
    /// The window's loss at the unperturbed parameters.
    pub loss: f64,
    /// Whether stepping through the window without traces
    /// ([`sequence_loss`](SequenceNetwork::sequence_loss)) gives exactly the loss
    /// backpropagation reported (always `true` for [`against`](Self::against), which is given
    /// no loss): if not, the numeric gradients describe another function and the check does
    /// not pass.
    pub loss_matches: bool,
    /// The tolerance the printed table judges each tensor by: `1e-2` for an `f32` network and
    /// `1e-6` for an `f64` one unless set with [`with_tol`](Self::with_tol).
    /// [`passed`](Self::passed) takes its own.
    pub tol: f64,
}

/// Compares backpropagation through time with central finite differences for every parameter
/// of the sequence network `net`, over the window `xs`, `ys` from `start`, under the mean
/// loss of steps `warmup..W` (the loss [`window_gradients`](SequenceNetwork::window_gradients)
/// differentiates), with step `eps`. See the [module](self) for the error measures and for
/// choosing `eps`.
///
/// `net` is perturbed in place, one scalar at a time, each restored bit for bit right after,
/// so it is unchanged when the check returns (and need not be `Clone`). The gradients live
/// on the stack and the traces in `window`; two passes over the window per parameter.
///
/// # Panics
///
/// Unless `warmup < W`.
#[allow(clippy::too_many_arguments)]
pub fn grad_check_sequence<T, N, L, const W: usize>(
    net: &mut N,
    start: &N::State,
    xs: &[N::Input; W],
    ys: &[N::Output; W],
    warmup: usize,
    loss: &L,
    eps: T,
    window: &mut WindowTrace<N::Step, W>,
) -> SequenceGradCheck
where
    T: Float,
    N: SequenceNetwork<T>,
    L: Loss<T, N::OutputActivation>,
{
    let mut grads = N::Gradients::default();
    let (value, _) = net.window_gradients(start, xs, ys, warmup, loss, window, &mut grads);
    let mut report = SequenceGradCheck::against(net, &grads, start, xs, ys, warmup, loss, eps);
    report.loss_matches = report.loss == value.as_f64();
    report
}

impl<const MAX_TENSORS: usize> SequenceGradCheck<MAX_TENSORS> {
    /// Checks the given gradients `grads` (from your own backpropagation, or deliberately
    /// altered ones) against central finite differences of the mean loss of steps `warmup..`
    /// of the sequence `xs`, `ys` from `start`, as [`grad_check_sequence`] does.
    ///
    /// # Panics
    ///
    /// Unless `warmup < xs.len()` and `ys` is as long as `xs`.
    #[allow(clippy::too_many_arguments)]
    pub fn against<T, N, L>(
        net: &mut N,
        grads: &N::Gradients,
        start: &N::State,
        xs: &[N::Input],
        ys: &[N::Output],
        warmup: usize,
        loss: &L,
        eps: T,
    ) -> Self
    where
        T: Float,
        N: SequenceNetwork<T>,
        L: Loss<T, N::OutputActivation>,
    {
        const {
            assert!(
                N::TENSORS <= MAX_TENSORS,
                "the network has more tensors than the SequenceGradCheck report holds: use \
                 SequenceGradCheck::<MAX_TENSORS>::against with a larger capacity"
            )
        };
        let mut report = SequenceGradCheck {
            tensors: [TensorCheck::empty(0, "", "", &[]); MAX_TENSORS],
            len: N::TENSORS,
            eps: eps.as_f64(),
            loss: net.sequence_loss(start, xs, ys, warmup, loss).0.as_f64(),
            loss_matches: true,
            tol: if core::mem::size_of::<T>() == 4 {
                1e-2
            } else {
                1e-6
            },
        };
        let layer = |i: usize| N::tensor_name(i).split('.').next().unwrap_or("");
        let at = |n: &N| n.sequence_loss(start, xs, ys, warmup, loss).0;
        let tensors = &mut report.tensors;
        compare(net, grads, eps, layer, at, |check| {
            tensors[check.tensor] = check
        });
        report
    }

    /// The report with `tol` as the tolerance its printed table judges by.
    pub fn with_tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// Every tensor's check, in [`Parameters`] order (PyTorch's `state_dict` order).
    pub fn tensors(&self) -> &[TensorCheck] {
        &self.tensors[..self.len]
    }

    /// Whether every parameter agrees within `tol` (see the [module](self)), and the loss
    /// without traces matched backpropagation's.
    pub fn passed(&self, tol: f64) -> bool {
        self.loss_matches && self.tensors().iter().all(|t| t.passed(tol))
    }

    /// The tensor with the largest mismatch, the one most likely to hold a bug.
    pub fn worst(&self) -> Option<&TensorCheck> {
        worst(self.tensors().iter())
    }

    /// The tensors that do not agree within `tol`, in order.
    pub fn failures(&self, tol: f64) -> impl Iterator<Item = &TensorCheck> {
        self.tensors().iter().filter(move |t| !t.passed(tol))
    }
}

impl<const MAX_TENSORS: usize> fmt::Display for SequenceGradCheck<MAX_TENSORS> {
    /// The table of [`GradCheck`]'s `Display`, one row per tensor.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let warning = (!self.loss_matches)
            .then_some("stepping without traces does not reproduce backpropagation's loss");
        table(
            f,
            self.eps,
            self.loss,
            self.tol,
            warning,
            self.tensors().iter(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_follow_the_documented_definitions() {
        assert_eq!(errors(2.0, 1.0), (1.0, 0.5));
        assert_eq!(errors(-1.0, 1.0), (2.0, 2.0));
        assert_eq!(errors(0.0, 0.0), (0.0, 0.0));
        assert_eq!(errors(1e-9, 0.0), (1e-9, 1.0));
        assert_eq!(errors(f64::NAN, 1.0), (f64::INFINITY, f64::INFINITY));
        assert_eq!(errors(1.0, f64::INFINITY), (f64::INFINITY, f64::INFINITY));
    }

    fn weight_check() -> TensorCheck {
        TensorCheck::empty(2, "l2.weight", "l2", &[2, 3])
    }

    #[test]
    fn record_keeps_the_worst_of_each_measure_and_its_position() {
        let mut t = weight_check();
        t.record(0, 10.0, 10.25); // abs 0.25, rel 0.0244, mismatch 0.0244
        t.record(4, 1e-8, 2e-8); // abs 1e-8, rel 0.5 -> mismatch 1e-8
        t.record(5, 0.3, 0.2); // abs 0.1 (not larger), rel 1/3, mismatch 0.1
        assert_eq!(t.checked, 3);
        assert_eq!(t.abs.error, 0.25);
        assert_eq!((t.abs.index, t.abs.row, t.abs.col), (0, 0, Some(0)));
        assert_eq!(t.rel.error, 0.5);
        assert_eq!((t.rel.row, t.rel.col), (1, Some(1)));
        assert!((t.mismatch.error - 0.1).abs() < 1e-12);
        assert_eq!((t.mismatch.row, t.mismatch.col), (1, Some(2)));
        assert_eq!((t.mismatch.analytic, t.mismatch.numeric), (0.3, 0.2));
        assert!(!t.passed(0.05));
        assert!(t.passed(0.11));
    }

    #[test]
    fn bias_positions_have_no_column_and_nan_never_passes() {
        let mut t = TensorCheck::empty(3, "l2.bias", "l2", &[2]);
        assert_eq!(t.kind, TensorKind::Bias);
        t.record(0, 1.0, 1.0);
        assert!(t.passed(0.0));
        t.record(1, f64::NAN, 1.0);
        assert_eq!((t.mismatch.row, t.mismatch.col), (1, None));
        assert!(!t.passed(1e300));
    }
}
