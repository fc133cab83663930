//! The `network` library in the browser: the page's networks, declared with `network!`, trained
//! live on 2-D data sets.
//!
//! Built for `wasm32-unknown-unknown` by `playground/build.sh`; the page (`playground/www`) calls
//! the plain C-ABI functions in [`ffi`] and reads results from wasm memory. Everything else here
//! is ordinary Rust, tested on the host by `cargo test --workspace`.

#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod data;
pub mod ffi;
pub mod session;

use network::LayerInfo;
use network::prelude::*;

use data::{Data, Kind};
use session::{Metrics, Session};

network! {
    /// Four tanh units: enough for blobs, too few for spirals.
    #[derive(Clone, Debug)]
    pub struct Tiny < dense(2 -> 4, tanh), dense(4 -> 1, sigmoid) >
    /// The README's XOR network.
    #[derive(Clone, Debug)]
    pub struct Small < dense(2 -> 8, tanh), dense(8 -> 1, sigmoid) >
    /// Two hidden tanh layers: learns the spirals.
    #[derive(Clone, Debug)]
    pub struct Deep < dense(2 -> 16, tanh), dense(16 -> 16, tanh), dense(16 -> 1, sigmoid) >
    /// The same shape with ReLU: piecewise-linear boundaries.
    #[derive(Clone, Debug)]
    pub struct DeepRelu < dense(2 -> 16, relu), dense(16 -> 16, relu), dense(16 -> 1, sigmoid) >
    /// Three hidden layers.
    #[derive(Clone, Debug)]
    pub struct Deeper < dense(2 -> 16, tanh), dense(16 -> 16, tanh), dense(16 -> 8, tanh), dense(8 -> 1, sigmoid) >
}

/// The networks on the page's menu, in order: (name, architecture). Their shapes are fixed at
/// compile time; the page only chooses among them.
pub const MODELS: [(&str, &[LayerInfo]); 5] = [
    ("Tiny", <Tiny as Architecture<f32>>::LAYOUT),
    ("Small", <Small as Architecture<f32>>::LAYOUT),
    ("Deep", <Deep as Architecture<f32>>::LAYOUT),
    ("DeepRelu", <DeepRelu as Architecture<f32>>::LAYOUT),
    ("Deeper", <Deeper as Architecture<f32>>::LAYOUT),
];

/// One of [`MODELS`] being trained.
// The variants are the networks above. One Model exists at a time, inside the App: its size
// does not matter, an indirection would.
#[allow(missing_docs, clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Model {
    Tiny(Session<Tiny>),
    Small(Session<Small>),
    Deep(Session<Deep>),
    DeepRelu(Session<DeepRelu>),
    Deeper(Session<Deeper>),
}

/// Runs `$body` with `$s` bound to the model's session, whatever network it holds: the body is
/// compiled once per network, so every call is static.
macro_rules! dispatch {
    ($model:expr, $s:ident => $body:expr) => {
        match $model {
            Model::Tiny($s) => $body,
            Model::Small($s) => $body,
            Model::Deep($s) => $body,
            Model::DeepRelu($s) => $body,
            Model::Deeper($s) => $body,
        }
    };
}

impl Model {
    /// Network `index` of [`MODELS`], initialised from `seed`, to be trained as
    /// [`Session::new`] says.
    pub fn new(index: usize, seed: u64, opt: u32, lr: f32, batch: usize) -> Option<Model> {
        Some(match index {
            0 => Model::Tiny(Session::new(seed, opt, lr, batch)),
            1 => Model::Small(Session::new(seed, opt, lr, batch)),
            2 => Model::Deep(Session::new(seed, opt, lr, batch)),
            3 => Model::DeepRelu(Session::new(seed, opt, lr, batch)),
            4 => Model::Deeper(Session::new(seed, opt, lr, batch)),
            _ => return None,
        })
    }

    /// See [`Session::set_optimizer`].
    pub fn set_optimizer(&mut self, kind: u32) {
        dispatch!(self, s => s.set_optimizer(kind))
    }

    /// See [`Session::set_learning_rate`].
    pub fn set_learning_rate(&mut self, lr: f32) {
        dispatch!(self, s => s.set_learning_rate(lr))
    }

    /// See [`Session::set_batch`].
    pub fn set_batch(&mut self, batch: usize) {
        dispatch!(self, s => s.set_batch(batch))
    }

    /// See [`Session::train`].
    pub fn train(&mut self, data: &Data, batches: usize) -> Option<f32> {
        dispatch!(self, s => s.train(data, batches))
    }

    /// See [`Session::evaluate`].
    pub fn evaluate(&self, data: &Data) -> Metrics {
        dispatch!(self, s => s.evaluate(data))
    }

    /// Mini-batch updates and epochs so far.
    pub fn progress(&self) -> (u64, f64) {
        dispatch!(self, s => (s.steps, s.epochs))
    }

    /// See [`Session::bias_and_gradient`].
    pub fn bias_and_gradient(&self, data: &Data, layer: usize, out: &mut Vec<f32>) -> usize {
        dispatch!(self, s => s.bias_and_gradient(data, layer, out))
    }

    /// The decision boundary as `res × res` RGBA pixels over `[-1, 1]²`, top row first (y up):
    /// orange where the network says 0, blue where it says 1, white at 0.5.
    pub fn render(&self, res: usize, pixels: &mut Vec<u8>) {
        pixels.clear();
        dispatch!(self, s => {
            for row in 0..res {
                let y = 1.0 - 2.0 * (row as f32 + 0.5) / res as f32;
                for col in 0..res {
                    let x = -1.0 + 2.0 * (col as f32 + 0.5) / res as f32;
                    pixels.extend_from_slice(&color(s.predict_at(x, y)));
                }
            }
        })
    }
}

/// The heat map's colour for probability `p`: towards orange below 0.5, blue above.
fn color(p: f32) -> [u8; 4] {
    const ZERO: [f32; 3] = [245.0, 147.0, 34.0];
    const ONE: [f32; 3] = [8.0, 119.0, 189.0];
    let p = if p.is_finite() {
        p.clamp(0.0, 1.0)
    } else {
        0.5
    };
    let (c, t) = if p < 0.5 {
        (ZERO, 1.0 - 2.0 * p)
    } else {
        (ONE, 2.0 * p - 1.0)
    };
    // Keep the map pale so the points stay visible.
    let t = 0.75 * t;
    let mix = |i: usize| (255.0 + (c[i] - 255.0) * t).round() as u8;
    [mix(0), mix(1), mix(2), 255]
}

/// The architecture as the macro call spells it: `dense(2 -> 8, tanh), dense(8 -> 1, sigmoid)`.
pub fn declaration(layout: &[LayerInfo]) -> String {
    layout
        .iter()
        .map(|l| {
            format!(
                "{}({} -> {}, {})",
                l.kind, l.inputs, l.outputs, l.activation
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The menu for the page, as JSON: every network's name, declaration, parameter count and
/// layers.
pub fn models_json() -> String {
    let models: Vec<String> = MODELS
        .iter()
        .map(|(name, layout)| {
            let layers: Vec<String> = layout
                .iter()
                .map(|l| {
                    format!(
                        r#"{{"name":"{}","inputs":{},"outputs":{},"activation":"{}"}}"#,
                        l.name, l.inputs, l.outputs, l.activation
                    )
                })
                .collect();
            let params: usize = layout.iter().map(LayerInfo::params).sum();
            format!(
                r#"{{"name":"{name}","declaration":"{}","params":{params},"layers":[{}]}}"#,
                declaration(layout),
                layers.join(",")
            )
        })
        .collect();
    format!("[{}]", models.join(","))
}

/// Everything the page works with: the data, the model, and buffers the page reads.
#[derive(Debug)]
pub struct App {
    /// The current data set.
    pub data: Data,
    /// The current network and its training state.
    pub model: Model,
    /// `[x, y, label, is_test]` per point, training points first.
    pub points: Vec<f32>,
    /// The last rendered heat map, RGBA.
    pub pixels: Vec<u8>,
    /// The last `[b…, ∂L/∂b…]` of the chosen layer.
    pub bias: Vec<f32>,
    /// `[train loss, test loss, train accuracy, test accuracy, steps, epochs]`.
    pub metrics: [f32; 6],
    /// [`models_json`], kept so the page can read it.
    pub models: String,
    optimizer: u32,
    lr: f32,
    batch: usize,
}

impl Default for App {
    fn default() -> Self {
        let mut app = App {
            data: Data::default(),
            model: Model::new(0, 1, 0, 0.1, 10).expect("model 0 exists"),
            points: Vec::new(),
            pixels: Vec::new(),
            bias: Vec::new(),
            metrics: [0.0; 6],
            models: models_json(),
            optimizer: 0,
            lr: 0.1,
            batch: 10,
        };
        app.set_data(Kind::Xor, 200, 0.0, 50, 1);
        app
    }
}

impl App {
    /// Draws a new data set (see [`Data::generate`]) and lists its points in [`App::points`].
    pub fn set_data(&mut self, kind: Kind, n: usize, noise: f32, test_percent: u32, seed: u64) {
        self.data = Data::generate(kind, n, noise, test_percent, seed);
        self.points.clear();
        for (set, is_test) in [(&self.data.train, 0.0), (&self.data.test, 1.0)] {
            for p in set {
                self.points
                    .extend_from_slice(&[p.x[0], p.x[1], p.label, is_test]);
            }
        }
    }

    /// A fresh network `index` of [`MODELS`] from `seed`; false if there is no such network.
    pub fn reset(&mut self, index: usize, seed: u64) -> bool {
        match Model::new(index, seed, self.optimizer, self.lr, self.batch) {
            Some(model) => {
                self.model = model;
                true
            }
            None => false,
        }
    }

    /// Switches the optimizer (0 SGD, 1 SGD with momentum, 2 Adam), with fresh state.
    pub fn set_optimizer(&mut self, kind: u32) {
        self.optimizer = kind;
        self.model.set_optimizer(kind);
    }

    /// Sets the learning rate.
    pub fn set_learning_rate(&mut self, lr: f32) {
        self.lr = lr;
        self.model.set_learning_rate(lr);
    }

    /// Sets the mini-batch size.
    pub fn set_batch(&mut self, batch: usize) {
        self.batch = batch.max(1);
        self.model.set_batch(self.batch);
    }

    /// Fills [`App::metrics`].
    pub fn evaluate(&mut self) {
        let m = self.model.evaluate(&self.data);
        let (steps, epochs) = self.model.progress();
        self.metrics = [
            m.train_loss,
            m.test_loss,
            m.train_accuracy,
            m.test_accuracy,
            steps as f32,
            epochs as f32,
        ];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_come_from_the_macro_layout() {
        assert_eq!(
            declaration(<Small as Architecture<f32>>::LAYOUT),
            "dense(2 -> 8, tanh), dense(8 -> 1, sigmoid)"
        );
        let json = models_json();
        assert!(json.starts_with(r#"[{"name":"Tiny","declaration":"dense(2 -> 4, tanh), dense(4 -> 1, sigmoid)","params":17,"#), "{json}");
        assert_eq!(json.matches(r#""declaration""#).count(), MODELS.len());
    }

    /// Every optimizer on the menu, at the learning rate the page suggests for it, gets the
    /// Deep network to a low test loss on the spirals.
    #[test]
    fn deep_network_learns_the_spirals_with_each_optimizer() {
        for (opt, lr) in [(0, 0.3), (1, 0.03), (2, 0.01)] {
            let mut app = App::default();
            app.set_data(Kind::Spirals, 300, 0.1, 30, 1);
            app.set_optimizer(opt);
            app.set_learning_rate(lr);
            app.set_batch(10);
            assert!(app.reset(2, 1));
            app.evaluate();
            let before = app.metrics[1];
            assert!(
                before > 0.6,
                "an untrained network is near chance: {before}"
            );
            // Up to 10 000 mini-batches of 10 (SGD gets there after about 4 000).
            let mut log = Vec::new();
            let learned = (0..40).any(|_| {
                app.model.train(&app.data, 250);
                app.evaluate();
                log.push(app.metrics[1]);
                app.metrics[1] < 0.3 && app.metrics[3] > 0.85
            });
            assert!(
                learned,
                "optimizer {opt}: test loss per 250 batches {log:?}, accuracy {}",
                app.metrics[3]
            );
        }
    }

    #[test]
    fn bias_view_matches_backprop() {
        let mut app = App::default();
        app.set_data(Kind::Blobs, 40, 0.1, 0, 2);
        assert!(app.reset(1, 3));
        app.model.train(&app.data, 20);
        let mut out = Vec::new();
        let width = app.model.bias_and_gradient(&app.data, 0, &mut out);
        assert_eq!((width, out.len()), (8, 16));
        let Model::Small(s) = &app.model else {
            unreachable!()
        };
        assert_eq!(&out[..8], &s.net.l1.bias);
        // The mean of per-sample backprop gradients, computed independently.
        let mut mean = [0.0f32; 8];
        for p in &app.data.train {
            let x = p.x.map(|c| session::INPUT_SCALE * c);
            let (_, g) = s.net.backprop(&x, &[p.label], &BinaryCrossEntropy);
            for (m, g) in mean.iter_mut().zip(g.l1.bias) {
                *m += g / app.data.train.len() as f32;
            }
        }
        for (a, b) in out[8..].iter().zip(mean) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
        assert!(
            out[8..].iter().any(|g| g.abs() > 1e-6),
            "gradients are not all zero"
        );
        assert_eq!(app.model.bias_and_gradient(&app.data, 2, &mut out), 0);
    }

    #[test]
    fn render_is_pale_orange_to_blue() {
        assert_eq!(color(0.5), [255, 255, 255, 255]);
        assert!(color(0.0)[0] > color(0.0)[2] && color(1.0)[2] > color(1.0)[0]);
        let app = App::default();
        let mut px = Vec::new();
        app.model.render(8, &mut px);
        assert_eq!(px.len(), 8 * 8 * 4);
    }
}
