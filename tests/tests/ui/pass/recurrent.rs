//! Recurrent layers at any position, stacked, mixed with dense layers, named, in f32 and f64,
//! trained with the optimizers of the toolkit.
use network::prelude::*;

network! {
    pub struct Amp < gru(1 -> 16), dense(16 -> 1, identity) >
    struct Stack < dense(3 -> 4, tanh), cell: lstm(4 -> 6), gru(6 -> 5), dense(5 -> 2, softmax) >
    struct Last < lstm(2 -> 3) >
}

fn main() {
    let net: Amp = Amp::seeded(1);
    let mut state = AmpState::default();
    let _: [f32; 1] = net.step(&mut state, &[0.5]);
    let mut s: Stack<f64> = Stack::seeded(2);
    let mut window = Stack::<f64>::zeroed_window::<4>();
    let xs = [[0.1; 3]; 4];
    let ys = [[1.0, 0.0]; 4];
    let mut opt = Scheduled::per_step(AdamW::new(0.01), Constant(0.01));
    let (_loss, _end) = s.train_sequence(&StackState::default(), &xs, &ys, 1, &CrossEntropy, &mut opt, &mut window);
    let _ = s.cell.weight_hh;
    let mut last: Last<f64> = Last::zeroed();
    let mut sgd = Sgd::new(0.1);
    let _ = last.train_sequence(&LastState::default(), &[[0.0; 2]; 2], &[[0.5; 3]; 2], 0, &Mse, &mut sgd, &mut Last::<f64>::zeroed_window());
}
