//! [`StepLayer`]: a layer as a sequence network runs it, one time step at a time, carrying a
//! state from each step to the next. Recurrent kinds ([`Gru`](crate::Gru),
//! [`Lstm`](crate::Lstm)) implement it with their hidden state; [`Dense`] implements it with
//! no state (`()`), so that a network mixing both is one uniform walk over its layers.
//!
//! Backpropagation through time walks the steps of a window from the last to the first. At
//! each step a layer receives `∂L/∂output` from above and `∂L/∂state`, the gradient of the
//! state it handed to the next step ("the carry"); it adds its parameter gradients, returns
//! `∂L/∂input` to the layer below, and leaves in the carry the gradient of the state it
//! started the step from.

use core::fmt::Debug;

use crate::kernels::dispatch::Isa;
use crate::layers::activation::Activation;
use crate::layers::dense::{Dense, LayerTrace};
use crate::layers::init::Rng;
use crate::layers::{Layer, LayerGradients};
use crate::scalar::{Float, Vector};

/// One layer of a sequence network, stepped through time.
pub trait StepLayer<T: Float>: Sized {
    /// The kind's name as `network!` accepts it (`"gru"`).
    const KIND: &'static str;
    /// Width of the input.
    const INPUTS: usize;
    /// Width of the output.
    const OUTPUTS: usize;
    /// Number of scalar parameters (PyTorch's `sum(p.numel())`).
    const PARAMS: usize;
    /// Names of the parameter tensors as PyTorch names them within its module.
    const TENSOR_NAMES: &'static [&'static str];
    /// The tensors' shapes as PyTorch gives them.
    const TENSOR_SHAPES: &'static [&'static [usize]];

    /// What the layer is built from besides its parameters.
    type Config: Copy;
    /// The input, `[T; INPUTS]`.
    type Input: Vector<T>;
    /// The output, `[T; OUTPUTS]`.
    type Output: Vector<T>;
    /// What the layer carries from one step to the next (`()` for a dense layer), and the
    /// shape of its gradient in backpropagation through time.
    type State: Copy + Debug + PartialEq;
    /// What one step keeps for backpropagation.
    type Step: Copy + Debug + PartialEq;
    /// The gradients of the layer's parameters, in the shapes and order of its tensors.
    type Gradients: LayerGradients<T>;
    /// The output activation (`Identity` for the recurrent kinds, whose output is `h`).
    type Activation: Activation;

    /// A layer whose parameters are all zero.
    fn zeroed(config: Self::Config) -> Self;
    /// Re-initialises the layer in place from `rng` (the kind decides the scheme).
    fn init_in_place(&mut self, rng: &mut Rng);
    /// Parameter tensor `i` as a flat slice (empty past the end).
    fn tensor(&self, i: usize) -> &[T];
    /// Parameter tensor `i` as a flat mutable slice (empty past the end).
    fn tensor_mut(&mut self, i: usize) -> &mut [T];
    /// The output activation.
    fn activation(&self) -> &Self::Activation;

    /// The all-zero state, where a sequence starts by default.
    fn zero_state() -> Self::State;
    /// An all-zero step trace, to fill trace storage with.
    fn zero_step() -> Self::Step;

    /// One time step: the output for input `x`, advancing `state`.
    fn step(&self, state: &mut Self::State, x: &Self::Input) -> Self::Output;

    /// One time step keeping what backpropagation needs in `trace`, advancing `state`.
    fn step_trace(&self, state: &mut Self::State, x: &Self::Input, trace: &mut Self::Step);

    /// [`step`](Self::step) inside a network's step compiled for the instruction set `s`
    /// ([`kernels::dispatch`](crate::kernels::dispatch)): the same results, the layer's
    /// vector code for `s` called directly, inlined there.
    #[inline(always)]
    fn step_isa<S: Isa>(&self, s: S, state: &mut Self::State, x: &Self::Input) -> Self::Output {
        let _ = s;
        self.step(state, x)
    }

    /// [`step_trace`](Self::step_trace) inside a step compiled for `s`, as
    /// [`step_isa`](Self::step_isa).
    #[inline(always)]
    fn step_trace_isa<S: Isa>(
        &self,
        s: S,
        state: &mut Self::State,
        x: &Self::Input,
        trace: &mut Self::Step,
    ) {
        let _ = s;
        self.step_trace(state, x, trace)
    }

    /// A step's output before and after the output activation, `(z, a)`, from its trace.
    fn step_za(trace: &Self::Step) -> (&Self::Output, &Self::Output);

    /// Turns `∂L/∂a` of a step's output into `δ`, through the output activation, in place
    /// (nothing to do for the recurrent kinds, whose output is `h` itself).
    fn step_delta(&self, trace: &Self::Step, grad: &mut Self::Output);

    /// Backpropagation through one step, given `δ` of its output. `carry` holds `∂L/∂state`
    /// of the state the step produced and is left holding `∂L/∂state` of the state it started
    /// from. Adds the parameter gradients into `grads` and returns `∂L/∂x`.
    fn step_backward(
        &self,
        grads: &mut Self::Gradients,
        x: &Self::Input,
        trace: &Self::Step,
        delta: &Self::Output,
        carry: &mut Self::State,
    ) -> Self::Input;
}

/// What the generated `forward` of a sequence network requires, and nothing implements: a
/// network with a recurrent layer has no output without a state, so calling `forward` on it
/// is a compile error whose message says what to call instead.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has a recurrent layer, so it has no stateless `forward`",
    label = "a sequence network carries a state from one time step to the next",
    note = "keep a state, `let mut state = Default::default();`, and call \
            `net.step(&mut state, &x)` for one time step, or \
            `net.step_block(&mut state, &xs, &mut ys)` for a buffer of them"
)]
pub trait StatelessForward<I, O> {
    /// The output for `x` with no state.
    fn forward_stateless(&self, x: &I) -> O;
}

impl<T: Float, const IN: usize, const OUT: usize, A: Activation> StepLayer<T>
    for Dense<T, IN, OUT, A>
{
    const KIND: &'static str = "dense";
    const INPUTS: usize = IN;
    const OUTPUTS: usize = OUT;
    const PARAMS: usize = IN * OUT + OUT;
    const TENSOR_NAMES: &'static [&'static str] = <Self as Layer<T>>::TENSOR_NAMES;
    const TENSOR_SHAPES: &'static [&'static [usize]] = <Self as Layer<T>>::TENSOR_SHAPES;

    type Config = A;
    type Input = [T; IN];
    type Output = [T; OUT];
    type State = ();
    type Step = LayerTrace<T, OUT>;
    type Gradients = <Self as Layer<T>>::Gradients;
    type Activation = A;

    fn zeroed(config: A) -> Self {
        Dense::zeroed(config)
    }

    fn init_in_place(&mut self, rng: &mut Rng) {
        Dense::init_in_place(self, rng)
    }

    #[inline]
    fn tensor(&self, i: usize) -> &[T] {
        Layer::tensor(self, i)
    }

    #[inline]
    fn tensor_mut(&mut self, i: usize) -> &mut [T] {
        Layer::tensor_mut(self, i)
    }

    #[inline(always)]
    fn activation(&self) -> &A {
        &self.activation
    }

    #[inline(always)]
    fn zero_state() {}

    #[inline(always)]
    fn zero_step() -> LayerTrace<T, OUT> {
        LayerTrace::zeroed()
    }

    #[inline(always)]
    fn step(&self, _state: &mut (), x: &[T; IN]) -> [T; OUT] {
        Dense::forward(self, x)
    }

    #[inline(always)]
    fn step_trace(&self, _state: &mut (), x: &[T; IN], trace: &mut LayerTrace<T, OUT>) {
        *trace = Dense::forward_trace(self, x);
    }

    #[inline(always)]
    fn step_isa<S: Isa>(&self, s: S, _state: &mut (), x: &[T; IN]) -> [T; OUT] {
        Dense::forward_isa(self, s, x)
    }

    #[inline(always)]
    fn step_trace_isa<S: Isa>(
        &self,
        s: S,
        _state: &mut (),
        x: &[T; IN],
        trace: &mut LayerTrace<T, OUT>,
    ) {
        *trace = Dense::forward_trace_isa(self, s, x);
    }

    #[inline(always)]
    fn step_za(trace: &LayerTrace<T, OUT>) -> (&[T; OUT], &[T; OUT]) {
        (&trace.z, &trace.a)
    }

    #[inline(always)]
    fn step_delta(&self, trace: &LayerTrace<T, OUT>, grad: &mut [T; OUT]) {
        Layer::delta(self, trace, grad);
    }

    #[inline(always)]
    fn step_backward(
        &self,
        grads: &mut Self::Gradients,
        x: &[T; IN],
        _trace: &LayerTrace<T, OUT>,
        delta: &[T; OUT],
        _carry: &mut (),
    ) -> [T; IN] {
        grads.accumulate(x, delta);
        Dense::input_gradient(self, delta)
    }
}

/// Finite-difference checks of backpropagation through time, shared by the kinds' tests.
#[cfg(test)]
pub(crate) mod check {
    extern crate std;
    use std::vec::Vec;

    use super::StepLayer;
    use crate::layers::LayerGradients;
    use crate::layers::init::Rng;

    /// The loss of a window: `Σₜ Σⱼ cₜⱼ·aₜⱼ + ½ aₜⱼ²`, and its outputs.
    fn loss<L: StepLayer<f64>>(
        layer: &L,
        start: L::State,
        xs: &[L::Input],
        c: &[L::Output],
    ) -> f64 {
        let mut state = start;
        let mut total = 0.0;
        for (x, c) in xs.iter().zip(c) {
            let a = layer.step(&mut state, x);
            for (&a, &c) in a.as_ref().iter().zip(c.as_ref()) {
                total += c * a + 0.5 * a * a;
            }
        }
        total
    }

    fn close(analytic: f64, numeric: f64, what: &str) {
        let err = (analytic - numeric).abs() / analytic.abs().max(numeric.abs()).max(1e-3);
        assert!(err < 1e-6, "{what}: analytic {analytic}, numeric {numeric}");
    }

    /// Checks every parameter's, every input's and the start state's gradient over `steps`
    /// steps from a random `start`; `slot(state, k)` is the `k`-th of the state's `n_state`
    /// numbers.
    pub fn bptt<L: StepLayer<f64> + Clone>(
        layer: &L,
        steps: usize,
        n_state: usize,
        slot: fn(&mut L::State, usize) -> &mut f64,
        seed: u64,
    ) {
        let mut rng = Rng::new(seed);
        let mut start = L::zero_state();
        for k in 0..n_state {
            *slot(&mut start, k) = rng.uniform(-0.8, 0.8);
        }
        let mut xs: Vec<L::Input> = Vec::new();
        let mut c: Vec<L::Output> = Vec::new();
        for _ in 0..steps {
            let mut x = <L::Input as crate::scalar::Vector<f64>>::zeroed();
            x.as_mut()
                .iter_mut()
                .for_each(|v| *v = rng.uniform(-1.5, 1.5));
            xs.push(x);
            let mut y = <L::Output as crate::scalar::Vector<f64>>::zeroed();
            y.as_mut()
                .iter_mut()
                .for_each(|v| *v = rng.uniform(-1.0, 1.0));
            c.push(y);
        }
        // Forward keeping traces, then backward from the last step.
        let mut state = start;
        let mut traces = Vec::new();
        for x in &xs {
            let mut t = L::zero_step();
            layer.step_trace(&mut state, x, &mut t);
            traces.push(t);
        }
        let mut grads = L::Gradients::default();
        let mut carry = L::zero_state();
        let mut dxs = Vec::new();
        for t in (0..steps).rev() {
            let (_, a) = L::step_za(&traces[t]);
            let mut g = *a;
            for (g, &c) in g.as_mut().iter_mut().zip(c[t].as_ref()) {
                *g += c;
            }
            layer.step_delta(&traces[t], &mut g);
            dxs.push(layer.step_backward(&mut grads, &xs[t], &traces[t], &g, &mut carry));
        }
        dxs.reverse();
        let eps = 1e-5;
        for i in 0..L::TENSOR_NAMES.len() {
            for k in 0..layer.tensor(i).len() {
                let mut p = layer.clone();
                p.tensor_mut(i)[k] += eps;
                let up = loss(&p, start, &xs, &c);
                p.tensor_mut(i)[k] -= 2.0 * eps;
                let down = loss(&p, start, &xs, &c);
                let name = L::TENSOR_NAMES[i];
                close(
                    grads.tensor(i)[k],
                    (up - down) / (2.0 * eps),
                    &std::format!("{name}[{k}]"),
                );
            }
        }
        for t in 0..steps {
            for k in 0..L::INPUTS {
                let mut p = xs.clone();
                p[t].as_mut()[k] += eps;
                let up = loss(layer, start, &p, &c);
                p[t].as_mut()[k] -= 2.0 * eps;
                let down = loss(layer, start, &p, &c);
                close(
                    dxs[t].as_ref()[k],
                    (up - down) / (2.0 * eps),
                    &std::format!("x[{t}][{k}]"),
                );
            }
        }
        for k in 0..n_state {
            let mut s = start;
            *slot(&mut s, k) += eps;
            let up = loss(layer, s, &xs, &c);
            *slot(&mut s, k) -= 2.0 * eps;
            let down = loss(layer, s, &xs, &c);
            close(
                *slot(&mut carry, k),
                (up - down) / (2.0 * eps),
                &std::format!("state[{k}]"),
            );
        }
    }
}
