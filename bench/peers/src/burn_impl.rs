//! burn 0.22 implementations, backend Autodiff<NdArray> selected at run time with
//! `Device::ndarray().autodiff()` (burn 0.22 removed the `B: Backend` type parameter:
//! `Tensor<D>` dispatches on the device).
//!
//! burn's `nn::Linear` (default `LinearLayout::Row`) stores `weight` as [d_input, d_output],
//! i.e. the TRANSPOSE of PyTorch's [out, in], and computes `x @ W + b`.
use crate::common::{Act, Net, Trainer};
use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::optim::{GradientsParams, ModuleOptimizer, SgdConfig};
use burn::tensor::activation::{log_softmax, relu, sigmoid, softmax, tanh};
use burn::tensor::{Device, Tensor, TensorData};

#[derive(Module, Debug)]
pub struct Mlp {
    pub layers: Vec<Linear>,
}

pub struct BurnNet {
    net: Net,
    dev: Device,
    model: Option<Mlp>,
    optim: ModuleOptimizer,
}

fn transpose(w: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut t = vec![0.0; w.len()];
    for r in 0..rows {
        for c in 0..cols {
            t[c * rows + r] = w[r * cols + c];
        }
    }
    t
}

impl BurnNet {
    #[allow(deprecated)] // Device::ndarray(): burn 0.22 deprecates burn-ndarray in favour of Device::flex()
    pub fn new(net: Net, p: &[f32]) -> Self {
        Self::with_device(net, p, Device::ndarray().autodiff())
    }
    pub fn with_device(net: Net, p: &[f32], dev: Device) -> Self {
        let s = net.sizes();
        let mut layers = vec![];
        let mut off = 0;
        for w in s.windows(2) {
            let (i, o) = (w[0], w[1]);
            // PyTorch [o][i] -> burn [i][o]
            let wt = transpose(&p[off..off + i * o], o, i);
            let b = p[off + i * o..off + i * o + o].to_vec();
            off += i * o + o;
            layers.push(Linear {
                weight: Param::from_tensor(Tensor::<2>::from_data(TensorData::new(wt, [i, o]), &dev)),
                bias: Some(Param::from_tensor(Tensor::<1>::from_data(TensorData::new(b, [o]), &dev))),
            });
        }
        assert_eq!(off, p.len());
        BurnNet { net, dev, model: Some(Mlp { layers }), optim: SgdConfig::new().init() }
    }

    /// returns the pre-activation of the output layer if it is SoftmaxCe, else the activated output
    fn fwd(net: Net, m: &Mlp, mut h: Tensor<2>) -> Tensor<2> {
        let acts = net.acts();
        for (l, lin) in m.layers.iter().enumerate() {
            h = lin.forward(h);
            h = match acts[l] {
                Act::Tanh => tanh(h),
                Act::Sigmoid => sigmoid(h),
                Act::Relu => relu(h),
                Act::SoftmaxCe => h, // logits
            };
        }
        h
    }

    fn train(&mut self, x: &[f32], y: &[f32], b: usize) -> f32 {
        let (ni, no) = (self.net.n_in(), self.net.n_out());
        let x = Tensor::<2>::from_data(TensorData::new(x.to_vec(), [b, ni]), &self.dev);
        let y = Tensor::<2>::from_data(TensorData::new(y.to_vec(), [b, no]), &self.dev);
        let model = self.model.take().unwrap();
        let out = Self::fwd(self.net, &model, x);
        let loss = match self.net.acts().last().unwrap() {
            // mean over outputs (and batch) of (yhat - y)^2
            Act::Sigmoid => (out - y).square().mean(),
            // mean over batch of -sum_k y_k log_softmax(z)_k
            Act::SoftmaxCe => (log_softmax(out, 1) * y).sum_dim(1).mean().neg(),
            _ => unreachable!(),
        };
        let l = loss.clone().into_scalar::<f32>();
        let grads = loss.backward();
        let grads = GradientsParams::from_grads(grads, &model);
        self.model = Some(self.optim.step(self.net.lr() as f64, model, grads));
        l
    }
}

impl Trainer for BurnNet {
    fn step(&mut self, x: &[f32], y: &[f32]) -> f32 {
        self.train(x, y, 1)
    }
    fn step_batch(&mut self, x: &[f32], y: &[f32], b: usize) -> f32 {
        self.train(x, y, b)
    }
    fn forward(&mut self, x: &[f32], out: &mut [f32]) {
        let ni = self.net.n_in();
        // (for W5 the model is built with make_infer on the plain NdArray device, no graph recording)
        let m = self.model.as_ref().unwrap();
        let x = Tensor::<2>::from_data(TensorData::new(x.to_vec(), [1, ni]), &self.dev);
        let mut o = Self::fwd(self.net, m, x);
        if *self.net.acts().last().unwrap() == Act::SoftmaxCe {
            o = softmax(o, 1);
        }
        let d = o.into_data();
        out.copy_from_slice(d.as_slice::<f32>().unwrap());
    }
    fn params(&self) -> Vec<f32> {
        let m = self.model.as_ref().unwrap();
        let mut v = vec![];
        for lin in &m.layers {
            let w = lin.weight.val();
            let [i, o] = w.dims();
            let wd = w.into_data();
            v.extend(transpose(wd.as_slice::<f32>().unwrap(), i, o));
            v.extend(lin.bias.as_ref().unwrap().val().into_data().as_slice::<f32>().unwrap());
        }
        v
    }
}

pub fn make(net: Net, p: &[f32]) -> Box<dyn Trainer> {
    Box::new(BurnNet::new(net, p))
}

/// Inference-only model on the plain (non-autodiff) NdArray device.
#[allow(deprecated)]
pub fn make_infer(net: Net, p: &[f32]) -> Box<dyn Trainer> {
    Box::new(BurnNet::with_device(net, p, Device::ndarray()))
}
