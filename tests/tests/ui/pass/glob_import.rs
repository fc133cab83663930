//! `use network::*;` brings every trait of the crate into scope, `Layer` and `StepLayer`
//! among them, which both name `tensor`: the generated code spells its calls out, so a glob
//! import compiles for dense and sequence networks alike, and for their frozen forms, whose
//! layers (`FrozenLayer`, `StepLayer`) both name `step_isa`, and inside `with_simd`.
use network::*;

network! {
    pub struct Xor < dense(2 -> 8, tanh), dense(8 -> 1, sigmoid) >
    pub struct Amp < gru(1 -> 4), dense(4 -> 1, identity) >
}

fn main() {
    let mut xor: Xor = Xor::seeded(1);
    let _ = xor.train_step(&[0.0, 1.0], &[1.0], &Mse, &mut Sgd::new(0.1));
    let _: &[f32] = Parameters::tensor(&xor, 0);
    let mut amp: Amp = Amp::seeded(2);
    let mut state = AmpState::default();
    let _: [f32; 1] = amp.step(&mut state, &[0.5]);
    let _ = amp.train_sequence(
        &AmpState::default(),
        &[[0.1]; 3],
        &[[0.2]; 3],
        0,
        &Mse,
        &mut Adam::new(0.01),
        &mut Amp::<f32>::zeroed_window(),
    );
    let _: &[f32] = Parameters::tensor(&amp, 1);
    let frozen: XorFrozen = xor.freeze();
    let _: [f32; 1] = frozen.forward(&[0.0, 1.0]);
    frozen.forward_batch(&[[0.0, 1.0]], &mut [[0.0]]);
    let frozen: AmpFrozen = amp.freeze();
    let _: [f32; 1] = frozen.step(&mut state, &[0.5]);
    frozen.step_block(&mut state, &[[0.5]], &mut [[0.0]]);
    with_simd(|simd: Simd| {
        let _: [f32; 1] = frozen.step_with(simd, &mut state, &[0.5]);
        let _: [f32; 1] = amp.step_with(simd, &mut state, &[0.5]);
        let _: [f32; 1] = xor.forward_with(simd, &[0.0, 1.0]);
        let _: [f32; 1] = xor.freeze().forward_with(simd, &[0.0, 1.0]);
    });
}
