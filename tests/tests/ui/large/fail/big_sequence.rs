//! A large sequence network warns, as a dense one does, on every item that keeps the network or
//! its gradients on the stack, each naming its heap alternative.
#![deny(deprecated)]
use network::prelude::*;

network! { pub struct BigGru < gru(256 -> 256), dense(256 -> 1, identity) > }

pub fn uses(net: &mut BigGru, xs: &[[f32; 256]; 4], ys: &[[f32; 1]; 4]) {
    let _ = BigGru::<f32>::zeroed();
    let _ = BigGru::<f32>::seeded(1);
    let _ = BigGruGradients::<f32>::zeroed();
    let mut window = BigGru::<f32>::boxed_window::<4>();
    let start = BigGruState::default();
    let _ = net.train_sequence(&start, xs, ys, 0, &Mse, &mut Sgd::new(0.1), &mut window);
    let mut starts = [start];
    let (xs, ys) = ([*xs], [*ys]);
    let _ = net.train_sequence_batch(&mut starts, &xs, &ys, 0, &Mse, &mut Sgd::new(0.1), &mut window);
    let _ = BigGru::<f32>::load("big.model");
}

fn main() {}
