//! Training one network on a data set, generic over every `network!` struct the page offers.

use network::optim::Momentum;
use network::prelude::*;
use network::{Rng, Vector};

use crate::data::{Data, Point};

/// The optimizers on the page's menu, numbered as there: each one the library's own.
#[derive(Clone, Debug)]
pub enum Opt<G> {
    /// 0: plain SGD, `p ← p − α·g`.
    Sgd(Sgd<f32>),
    /// 1: SGD with momentum 0.9 (PyTorch's `SGD(momentum=0.9)`).
    Momentum(Sgd<f32, Momentum<f32, G>>),
    /// 2: Adam with PyTorch's defaults.
    Adam(Adam<f32, G>),
}

impl<G: Default> Opt<G> {
    /// Optimizer `kind` (0 SGD, 1 SGD with momentum, 2 Adam; anything else is SGD) with learning
    /// rate `lr` and fresh state.
    pub fn new(kind: u32, lr: f32) -> Self {
        match kind {
            1 => Opt::Momentum(Sgd::new(lr).momentum(0.9)),
            2 => Opt::Adam(Adam::new(lr)),
            _ => Opt::Sgd(Sgd::new(lr)),
        }
    }

    /// Its number on the menu.
    pub fn kind(&self) -> u32 {
        match self {
            Opt::Sgd(_) => 0,
            Opt::Momentum(_) => 1,
            Opt::Adam(_) => 2,
        }
    }

    fn set_learning_rate(&mut self, lr: f32) {
        match self {
            Opt::Sgd(o) => o.set_learning_rate(lr),
            Opt::Momentum(o) => o.set_learning_rate(lr),
            Opt::Adam(o) => o.set_learning_rate(lr),
        }
    }
}

impl<N: Network<f32>> Optimizer<f32, N> for Opt<N::Gradients> {
    fn step(&mut self, net: &mut N, grads: &N::Gradients) {
        match self {
            Opt::Sgd(o) => Optimizer::<f32, N>::step(o, net, grads),
            Opt::Momentum(o) => Optimizer::<f32, N>::step(o, net, grads),
            Opt::Adam(o) => Optimizer::<f32, N>::step(o, net, grads),
        }
    }
}

/// Losses and accuracies on both halves of the data set.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Metrics {
    /// Mean binary cross-entropy over the training set.
    pub train_loss: f32,
    /// Mean binary cross-entropy over the test set.
    pub test_loss: f32,
    /// Fraction of training points on the right side of 0.5.
    pub train_accuracy: f32,
    /// Fraction of test points on the right side of 0.5.
    pub test_accuracy: f32,
}

/// A network being trained: its parameters, its optimizer and where it is in the data.
#[derive(Clone, Debug)]
pub struct Session<N: Network<f32>> {
    /// The network.
    pub net: N,
    opt: Opt<N::Gradients>,
    lr: f32,
    batch: usize,
    rng: Rng,
    order: Vec<usize>,
    cursor: usize,
    // Reused mini-batch buffers: training allocates nothing per step.
    xs: Vec<N::Input>,
    ys: Vec<N::Output>,
    /// Mini-batch updates so far.
    pub steps: u64,
    /// Passes over the training set so far (fractional).
    pub epochs: f64,
}

/// The plane is `[-1, 1]²` on the page; the network sees it stretched to `[-4, 4]²`, so that
/// Glorot-initialised tanh units start with slopes that can carve a spiral in reasonable time
/// (TensorFlow Playground's plane is `[-6, 6]²` for the same reason).
pub const INPUT_SCALE: f32 = 4.0;

fn input<N: Network<f32>>(p: &Point) -> N::Input {
    let mut x = N::Input::zeroed();
    for (xi, &c) in x.as_mut().iter_mut().zip(&p.x) {
        *xi = INPUT_SCALE * c;
    }
    x
}

fn target<N: Network<f32>>(p: &Point) -> N::Output {
    let mut y = N::Output::zeroed();
    y.as_mut()[0] = p.label;
    y
}

impl<N: Network<f32>> Session<N>
where
    BinaryCrossEntropy: Loss<f32, N::OutputActivation>,
{
    /// A network initialised from `seed`, trained with optimizer `opt` (see [`Opt::new`]) and
    /// learning rate `lr` on mini-batches of `batch` points (1 is per-sample training).
    pub fn new(seed: u64, opt: u32, lr: f32, batch: usize) -> Self {
        let batch = batch.max(1);
        Session {
            net: N::seeded(seed),
            opt: Opt::new(opt, lr),
            lr,
            batch,
            rng: Rng::new(seed ^ 0x5EED),
            order: Vec::new(),
            cursor: 0,
            xs: Vec::with_capacity(batch),
            ys: Vec::with_capacity(batch),
            steps: 0,
            epochs: 0.0,
        }
    }

    /// Changes the learning rate from the next step on; the optimizer keeps its state.
    pub fn set_learning_rate(&mut self, lr: f32) {
        self.lr = lr;
        self.opt.set_learning_rate(lr);
    }

    /// Switches to optimizer `kind` (see [`Opt::new`]) with fresh state, if it is another one.
    pub fn set_optimizer(&mut self, kind: u32) {
        if self.opt.kind() != kind {
            self.opt = Opt::new(kind, self.lr);
        }
    }

    /// Changes the mini-batch size from the next step on.
    pub fn set_batch(&mut self, batch: usize) {
        self.batch = batch.max(1);
        self.xs.reserve(self.batch);
        self.ys.reserve(self.batch);
    }

    /// `batches` mini-batch updates with `train_batch` (the mean gradient over the batch, then
    /// one optimizer step), drawing points in a reshuffled order each epoch. Returns the mean
    /// loss of those batches, or `None` without training data.
    pub fn train(&mut self, data: &Data, batches: usize) -> Option<f32> {
        let n = data.train.len();
        if n == 0 {
            return None;
        }
        if self.order.len() != n {
            self.order = (0..n).collect();
            self.cursor = n;
        }
        let mut total = 0.0;
        for _ in 0..batches {
            self.xs.clear();
            self.ys.clear();
            while self.xs.len() < self.batch.min(n) {
                if self.cursor == n {
                    self.rng.shuffle(&mut self.order);
                    self.cursor = 0;
                }
                let p = &data.train[self.order[self.cursor]];
                self.cursor += 1;
                self.xs.push(input::<N>(p));
                self.ys.push(target::<N>(p));
            }
            // Cannot fail: the batch is non-empty and xs, ys have the same length.
            total += self
                .net
                .train_batch(&self.xs, &self.ys, &BinaryCrossEntropy, &mut self.opt)
                .unwrap_or(f32::NAN);
            self.steps += 1;
            self.epochs += self.xs.len() as f64 / n as f64;
        }
        Some(total / batches.max(1) as f32)
    }

    /// Loss and accuracy on the training and the test set.
    pub fn evaluate(&self, data: &Data) -> Metrics {
        let (train_loss, train_accuracy) = self.loss_and_accuracy(&data.train);
        let (test_loss, test_accuracy) = self.loss_and_accuracy(&data.test);
        Metrics {
            train_loss,
            test_loss,
            train_accuracy,
            test_accuracy,
        }
    }

    fn loss_and_accuracy(&self, points: &[Point]) -> (f32, f32) {
        if points.is_empty() {
            return (f32::NAN, f32::NAN);
        }
        let (mut loss, mut right) = (0.0, 0usize);
        for p in points {
            let x = input::<N>(p);
            loss += self.net.loss(&x, &target::<N>(p), &BinaryCrossEntropy);
            right += usize::from((self.predict(&x) >= 0.5) == (p.label >= 0.5));
        }
        let n = points.len() as f32;
        (loss / n, right as f32 / n)
    }

    /// The network's output (the probability of label 1) at `x`.
    pub fn predict(&self, x: &N::Input) -> f32 {
        self.net.forward(x).as_ref()[0]
    }

    /// Probability of label 1 at a point of the plane.
    pub fn predict_at(&self, x: f32, y: f32) -> f32 {
        let p = Point {
            x: [x, y],
            label: 0.0,
        };
        self.predict(&input::<N>(&p))
    }

    /// Layer `layer`'s biases `b` and the training set's mean gradient `∂L/∂b` at the current
    /// parameters, written to `out` as `[b…, ∂L/∂b…]`. Returns the layer's width (0 for no such
    /// layer).
    pub fn bias_and_gradient(&self, data: &Data, layer: usize, out: &mut Vec<f32>) -> usize {
        out.clear();
        if layer >= N::LAYERS {
            return 0;
        }
        // Parameters lists each layer's weight, then its bias.
        let tensor = 2 * layer + 1;
        out.extend_from_slice(self.net.tensor(tensor));
        let mut grads = N::Gradients::default();
        for p in &data.train {
            self.net.accumulate_gradients(
                &input::<N>(p),
                &target::<N>(p),
                &BinaryCrossEntropy,
                &mut grads,
            );
        }
        if !data.train.is_empty() {
            grads.scale(1.0 / data.train.len() as f32);
        }
        out.extend_from_slice(grads.tensor(tensor));
        self.net.tensor(tensor).len()
    }
}
