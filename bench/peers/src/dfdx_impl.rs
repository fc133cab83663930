//! dfdx 0.13 (CPU) implementations. Weight layout of dfdx's Linear<I,O> is
//! `weight: Tensor<Rank2<O, I>>` (same as PyTorch), `bias: Tensor<Rank1<O>>`,
//! so flat PyTorch params are loaded with `copy_from` directly, no transpose.
use crate::common::{Net, Trainer};
use dfdx::losses::{cross_entropy_with_logits_loss, mse_loss};
use dfdx::nn::builders::{Linear, ReLU, Sigmoid, Tanh};
use dfdx::optim::{Momentum, Optimizer, Sgd, SgdConfig};
use dfdx::prelude::*;

type Dev = Cpu;

fn sgd_cfg(lr: f32) -> SgdConfig {
    SgdConfig { lr: lr as f64, momentum: None::<Momentum>, weight_decay: None }
}

/// Load a PyTorch-layout flat slice into a dfdx Linear; returns the number of floats consumed.
fn load_linear<const I: usize, const O: usize>(
    l: &mut dfdx::nn::modules::Linear<I, O, f32, Dev>,
    p: &[f32],
) -> usize {
    l.weight.copy_from(&p[..O * I]);
    l.bias.copy_from(&p[O * I..O * I + O]);
    O * I + O
}
fn dump_linear<const I: usize, const O: usize>(
    l: &dfdx::nn::modules::Linear<I, O, f32, Dev>,
    out: &mut Vec<f32>,
) {
    out.extend(l.weight.as_vec());
    out.extend(l.bias.as_vec());
}

// ---------------- W1 xor: 2 -> 8 tanh -> 1 sigmoid, MSE ----------------
type XorArch = (Linear<2, 8>, Tanh, Linear<8, 1>, Sigmoid);
type XorM = <XorArch as BuildOnDevice<Dev, f32>>::Built;

pub struct DfdxXor {
    dev: Dev,
    m: XorM,
    opt: Sgd<XorM, f32, Dev>,
    grads: Option<Gradients<f32, Dev>>,
}
impl DfdxXor {
    pub fn new(p: &[f32]) -> Self {
        let dev: Dev = Default::default();
        let mut m = dev.build_module::<XorArch, f32>();
        let mut o = 0;
        o += load_linear(&mut m.0, &p[o..]);
        o += load_linear(&mut m.2, &p[o..]);
        assert_eq!(o, p.len());
        let opt = Sgd::new(&m, sgd_cfg(Net::Xor.lr()));
        let grads = Some(m.alloc_grads());
        DfdxXor { dev, m, opt, grads }
    }
}
impl Trainer for DfdxXor {
    fn step(&mut self, x: &[f32], y: &[f32]) -> f32 {
        let x: Tensor<Rank1<2>, f32, Dev> = self.dev.tensor_from_vec(x.to_vec(), (Const::<2>,));
        let y: Tensor<Rank1<1>, f32, Dev> = self.dev.tensor_from_vec(y.to_vec(), (Const::<1>,));
        let out = self.m.forward(x.traced(self.grads.take().unwrap()));
        let loss = mse_loss(out, y);
        let l = loss.array();
        let mut g = loss.backward();
        self.opt.update(&mut self.m, &g).unwrap();
        self.m.zero_grads(&mut g);
        self.grads = Some(g);
        l
    }
    fn step_batch(&mut self, _x: &[f32], _y: &[f32], _b: usize) -> f32 {
        unimplemented!()
    }
    fn forward(&mut self, x: &[f32], out: &mut [f32]) {
        let x: Tensor<Rank1<2>, f32, Dev> = self.dev.tensor_from_vec(x.to_vec(), (Const::<2>,));
        let o = self.m.forward(x);
        o.copy_into(out);
    }
    fn params(&self) -> Vec<f32> {
        let mut v = vec![];
        dump_linear(&self.m.0, &mut v);
        dump_linear(&self.m.2, &mut v);
        v
    }
}

// ---------------- W2 iris: 4 -> 32 relu -> 32 relu -> 3 softmax, CE ----------------
type IrisArch = (Linear<4, 32>, ReLU, Linear<32, 32>, ReLU, Linear<32, 3>);
type IrisM = <IrisArch as BuildOnDevice<Dev, f32>>::Built;

pub struct DfdxIris {
    dev: Dev,
    m: IrisM,
    opt: Sgd<IrisM, f32, Dev>,
    grads: Option<Gradients<f32, Dev>>,
}
impl DfdxIris {
    pub fn new(p: &[f32]) -> Self {
        let dev: Dev = Default::default();
        let mut m = dev.build_module::<IrisArch, f32>();
        let mut o = 0;
        o += load_linear(&mut m.0, &p[o..]);
        o += load_linear(&mut m.2, &p[o..]);
        o += load_linear(&mut m.4, &p[o..]);
        assert_eq!(o, p.len());
        let opt = Sgd::new(&m, sgd_cfg(Net::Iris.lr()));
        let grads = Some(m.alloc_grads());
        DfdxIris { dev, m, opt, grads }
    }
}
impl Trainer for DfdxIris {
    fn step(&mut self, x: &[f32], y: &[f32]) -> f32 {
        let x: Tensor<Rank1<4>, f32, Dev> = self.dev.tensor_from_vec(x.to_vec(), (Const::<4>,));
        let y: Tensor<Rank1<3>, f32, Dev> = self.dev.tensor_from_vec(y.to_vec(), (Const::<3>,));
        let logits = self.m.forward(x.traced(self.grads.take().unwrap()));
        // = -sum_k y_k * log_softmax(z)_k  (mean over last axis times its size)
        let loss = cross_entropy_with_logits_loss(logits, y);
        let l = loss.array();
        let mut g = loss.backward();
        self.opt.update(&mut self.m, &g).unwrap();
        self.m.zero_grads(&mut g);
        self.grads = Some(g);
        l
    }
    fn step_batch(&mut self, _x: &[f32], _y: &[f32], _b: usize) -> f32 {
        unimplemented!()
    }
    fn forward(&mut self, x: &[f32], out: &mut [f32]) {
        let x: Tensor<Rank1<4>, f32, Dev> = self.dev.tensor_from_vec(x.to_vec(), (Const::<4>,));
        self.m.forward(x).softmax().copy_into(out);
    }
    fn params(&self) -> Vec<f32> {
        let mut v = vec![];
        dump_linear(&self.m.0, &mut v);
        dump_linear(&self.m.2, &mut v);
        dump_linear(&self.m.4, &mut v);
        v
    }
}

// ---------------- W3/W4 mnist: 784 -> 128 relu -> 10 softmax, CE ----------------
type MnistArch = (Linear<784, 128>, ReLU, Linear<128, 10>);
type MnistM = <MnistArch as BuildOnDevice<Dev, f32>>::Built;
pub const BATCH: usize = 32;

pub struct DfdxMnist {
    dev: Dev,
    m: MnistM,
    opt: Sgd<MnistM, f32, Dev>,
    grads: Option<Gradients<f32, Dev>>,
}
impl DfdxMnist {
    pub fn new(p: &[f32]) -> Self {
        let dev: Dev = Default::default();
        let mut m = dev.build_module::<MnistArch, f32>();
        let mut o = 0;
        o += load_linear(&mut m.0, &p[o..]);
        o += load_linear(&mut m.2, &p[o..]);
        assert_eq!(o, p.len());
        let opt = Sgd::new(&m, sgd_cfg(Net::Mnist.lr()));
        let grads = Some(m.alloc_grads());
        DfdxMnist { dev, m, opt, grads }
    }
}
impl Trainer for DfdxMnist {
    fn step(&mut self, x: &[f32], y: &[f32]) -> f32 {
        let x: Tensor<Rank1<784>, f32, Dev> = self.dev.tensor_from_vec(x.to_vec(), (Const::<784>,));
        let y: Tensor<Rank1<10>, f32, Dev> = self.dev.tensor_from_vec(y.to_vec(), (Const::<10>,));
        let logits = self.m.forward(x.traced(self.grads.take().unwrap()));
        let loss = cross_entropy_with_logits_loss(logits, y);
        let l = loss.array();
        let mut g = loss.backward();
        self.opt.update(&mut self.m, &g).unwrap();
        self.m.zero_grads(&mut g);
        self.grads = Some(g);
        l
    }
    fn step_batch(&mut self, x: &[f32], y: &[f32], b: usize) -> f32 {
        assert_eq!(b, BATCH);
        let x: Tensor<Rank2<BATCH, 784>, f32, Dev> =
            self.dev.tensor_from_vec(x.to_vec(), (Const::<BATCH>, Const::<784>));
        let y: Tensor<Rank2<BATCH, 10>, f32, Dev> =
            self.dev.tensor_from_vec(y.to_vec(), (Const::<BATCH>, Const::<10>));
        let logits = self.m.forward(x.traced(self.grads.take().unwrap()));
        // for rank 2 this is mean over the batch of -sum_k y_k log_softmax_k
        let loss = cross_entropy_with_logits_loss(logits, y);
        let l = loss.array();
        let mut g = loss.backward();
        self.opt.update(&mut self.m, &g).unwrap();
        self.m.zero_grads(&mut g);
        self.grads = Some(g);
        l
    }
    fn forward(&mut self, x: &[f32], out: &mut [f32]) {
        let x: Tensor<Rank1<784>, f32, Dev> = self.dev.tensor_from_vec(x.to_vec(), (Const::<784>,));
        self.m.forward(x).softmax().copy_into(out);
    }
    fn params(&self) -> Vec<f32> {
        let mut v = vec![];
        dump_linear(&self.m.0, &mut v);
        dump_linear(&self.m.2, &mut v);
        v
    }
}

pub fn make(net: Net, p: &[f32]) -> Box<dyn Trainer> {
    match net {
        Net::Xor => Box::new(DfdxXor::new(p)),
        Net::Iris => Box::new(DfdxIris::new(p)),
        Net::Mnist => Box::new(DfdxMnist::new(p)),
    }
}
