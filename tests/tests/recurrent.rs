//! Sequence networks (`gru`, `lstm`): backpropagation through time against finite
//! differences, PyTorch's parameter names and counts, training with the optimizers, and what
//! they share with dense networks as an `Architecture`: the layout, the boxed constructors,
//! `summary()` and the memory budget. Their model files are in `model_file/sequence.rs`, their
//! safetensors in `safetensors.rs`.

use network::prelude::*;
use network::{Parameters, network};

network! {
    #[derive(Clone)]
    struct GruDense < gru(3 -> 5), dense(5 -> 2, tanh) >
    #[derive(Clone)]
    struct DenseLstmDense < dense(2 -> 4, tanh), lstm(4 -> 3), dense(3 -> 1, identity) >
    #[derive(Clone)]
    struct LstmGru < lstm(2 -> 3), gru(3 -> 4) >
    #[derive(Clone)]
    struct Tiny < gru(1 -> 2) >
    #[derive(Clone)]
    struct GruLstmDense < gru(2 -> 3), lstm(3 -> 2), dense(2 -> 2, sigmoid) >
    struct Delay < gru(1 -> 8), dense(8 -> 1, identity) >
}

/// The same deterministic pseudo-random numbers in `[-1, 1)` everywhere.
fn noise(rng: &mut Rng) -> f64 {
    rng.uniform(-1.0, 1.0)
}

/// Checks the gradient of `net` over one window against central differences, for every
/// parameter. `loss_of` steps the network through the window from `start` and returns the
/// mean MSE over steps `warmup..`; `grads_of` returns `window_gradients`' loss and gradients.
fn check<N: Parameters<f64> + Clone, G: Parameters<f64>>(
    net: &N,
    loss_of: impl Fn(&N) -> f64,
    grads_of: impl Fn(&N) -> (f64, G),
    what: &str,
) {
    let (value, grads) = grads_of(net);
    let direct = loss_of(net);
    assert!(
        (value - direct).abs() <= 1e-12 * direct.abs().max(1.0),
        "{what}: loss {value} vs {direct}"
    );
    let eps = 1e-5;
    let mut checked = 0;
    for i in 0..N::TENSORS {
        for k in 0..net.tensor(i).len() {
            let mut p = net.clone();
            p.tensor_mut(i)[k] += eps;
            let up = loss_of(&p);
            p.tensor_mut(i)[k] -= 2.0 * eps;
            let down = loss_of(&p);
            let numeric = (up - down) / (2.0 * eps);
            let analytic = grads.tensor(i)[k];
            let err = (analytic - numeric).abs() / analytic.abs().max(numeric.abs()).max(1e-4);
            assert!(
                err < 1e-6,
                "{what}: {}[{k}]: analytic {analytic}, numeric {numeric}",
                N::tensor_name(i)
            );
            checked += 1;
        }
    }
    assert_eq!(checked, N::PARAMS);
}

/// Random inputs, targets and a start state reached by stepping from zero through random
/// inputs, for a network type; then [`check`].
macro_rules! check_network {
    ($net:ident, $w:expr, $warmup:expr, $seed:expr) => {{
        const W: usize = $w;
        const IN: usize = $net::<f64>::INPUTS;
        const OUT: usize = $net::<f64>::OUTPUTS;
        let mut rng = Rng::new($seed);
        let mut net = $net::<f64>::seeded($seed);
        // Twice the initial scale, so that gates are well away from their linear range.
        for i in 0..<$net<f64> as Parameters<f64>>::TENSORS {
            for p in net.tensor_mut(i) {
                *p = 2.0 * *p + 0.1 * noise(&mut rng);
            }
        }
        let xs: [[f64; IN]; W] =
            core::array::from_fn(|_| core::array::from_fn(|_| noise(&mut rng)));
        let ys: [[f64; OUT]; W] =
            core::array::from_fn(|_| core::array::from_fn(|_| noise(&mut rng)));
        let mut start = Default::default();
        for _ in 0..3 {
            let x: [f64; IN] = core::array::from_fn(|_| 2.0 * noise(&mut rng));
            net.step(&mut start, &x);
        }
        assert_ne!(start, Default::default(), "the start state is not zero");
        let warmup = $warmup;
        let loss_of = |n: &$net<f64>| {
            let mut state = start;
            let mut total = 0.0;
            for t in 0..W {
                let a = n.step(&mut state, &xs[t]);
                if t >= warmup {
                    total += Loss::<f64, Identity>::value(&Mse, &a, &a, &ys[t]);
                }
            }
            total / (W - warmup) as f64
        };
        let grads_of = |n: &$net<f64>| {
            let mut window = Box::new($net::<f64>::zeroed_window::<W>());
            let mut grads = <$net<f64> as network::Trainable<f64>>::Gradients::default();
            let (value, _) =
                n.window_gradients(&start, &xs, &ys, warmup, &Mse, &mut window, &mut grads);
            (value, grads)
        };
        check(&net, loss_of, grads_of, stringify!($net));
    }};
}

#[test]
fn bptt_matches_finite_differences_for_random_networks() {
    check_network!(Tiny, 1, 0, 1);
    check_network!(GruDense, 7, 2, 2);
    check_network!(DenseLstmDense, 12, 0, 3);
    check_network!(LstmGru, 20, 5, 4);
    check_network!(GruLstmDense, 9, 3, 5);
    check_network!(GruDense, 20, 0, 6);
    check_network!(DenseLstmDense, 1, 0, 7);
}

#[test]
fn parameters_are_pytorchs_state_dict() {
    let names: Vec<&str> = (0..6).map(GruDense::<f32>::tensor_name).collect();
    assert_eq!(
        names,
        [
            "l1.weight_ih_l0",
            "l1.weight_hh_l0",
            "l1.bias_ih_l0",
            "l1.bias_hh_l0",
            "l2.weight",
            "l2.bias"
        ]
    );
    let shapes: Vec<&[usize]> = (0..6).map(GruDense::<f32>::tensor_shape).collect();
    assert_eq!(
        shapes,
        [&[15usize, 3][..], &[15, 5], &[15], &[15], &[2, 5], &[2]]
    );
    // torch.nn.GRU(3, 5) has 3·5·(3 + 5 + 2) = 150 parameters; Linear(5, 2) has 12.
    assert_eq!(GruDense::<f32>::PARAMS, 162);
    // torch.nn.LSTM(4, 3): 4·3·(4 + 3 + 2) = 108.
    assert_eq!(DenseLstmDense::<f32>::PARAMS, 12 + 108 + 4);
    let net: GruDense<f64> = GruDense::seeded(3);
    let mut flat = vec![0.0; GruDense::<f64>::PARAMS];
    net.write_params(&mut flat).unwrap();
    let mut back: GruDense<f64> = GruDense::zeroed();
    back.read_params(&flat).unwrap();
    assert_eq!(back.write_params(&mut vec![0.0; 162]), Ok(()));
    assert_eq!(back.l1, net.l1);
    // PyTorch's initialisation: every recurrent parameter within ±1/√H, and not all small.
    let bound = 1.0 / 5f64.sqrt();
    assert!(flat[..150].iter().all(|p| p.abs() <= bound));
    assert!(flat[..150].iter().any(|p| p.abs() > 0.8 * bound));
    assert_eq!(
        GruDense::<f64>::seeded(3).l1,
        net.l1,
        "seeded is reproducible"
    );
}

#[test]
fn step_block_is_step_after_step() {
    let net: GruLstmDense<f64> = GruLstmDense::seeded(9);
    let xs: Vec<[f64; 2]> = (0..50).map(|t| [(t as f64 * 0.3).sin(), 0.5]).collect();
    let mut ys = vec![[0.0; 2]; 50];
    let mut block = GruLstmDenseState::default();
    net.step_block(&mut block, &xs, &mut ys);
    let mut state = GruLstmDenseState::default();
    for (x, y) in xs.iter().zip(&ys) {
        assert_eq!(net.step(&mut state, x), *y);
    }
    assert_eq!(state, block);
}

network! {
    struct StepGru8 < gru(1 -> 8), dense(8 -> 1, identity) >
    struct StepGru16 < gru(1 -> 16), dense(16 -> 1, identity) >
    struct StepLstm40 < lstm(1 -> 40), dense(40 -> 1, identity) >
    struct StepStack < dense(3 -> 12, tanh), gru(12 -> 24), lstm(24 -> 5), dense(5 -> 4, sigmoid) >
}

/// `f32` inputs in `[-2, 2)`.
fn inputs<const N: usize>(seed: u64, steps: usize) -> Vec<[f32; N]> {
    let mut rng = Rng::new(seed);
    (0..steps)
        .map(|_| std::array::from_fn(|_| rng.uniform(-2.0, 2.0)))
        .collect()
}

/// The step of an `f32` network, which runs its layers in one function compiled for the CPU's
/// instruction set, gives the bits of the layers stepped one by one (each choosing its own
/// kernel; `exact`), keeps the same traces, steps a block as step after step, and stays within
/// rounding of the portable step. A dense `tanh` or `sigmoid` layer stepped on its own runs
/// the scalar functions, and in the network's function their vector versions, within 2 ulps
/// of each other: such networks are compared within rounding (`close`).
macro_rules! check_dispatched_step {
    ($net:ident, $state:ident, [$($l:ident),+], $mode:ident) => {{
        use network::kernels::dispatch::{InferSteps, Portable};
        let net: $net = $net::seeded(5);
        let xs = inputs::<{ $net::<f32>::INPUTS }>(6, 200);
        let (mut fused, mut layered, mut portable) =
            ($state::default(), $state::default(), $state::default());
        let (mut traced, mut trace) = ($state::default(), <$net as SequenceNetwork<f32>>::zero_step());
        let mut want = Vec::new();
        for x in &xs {
            let y = net.step(&mut fused, x);
            let a = x;
            $( let a = &network::StepLayer::step(&net.$l, &mut layered.$l, a); )+
            if stringify!($mode) == "exact" {
                assert_eq!(y.map(f32::to_bits), a.map(f32::to_bits), "{}", stringify!($net));
                assert_eq!(fused, layered);
            } else {
                for (&a, &y) in a.iter().zip(&y) {
                    assert!((a - y).abs() <= 1e-4 * (1.0 + y.abs()), "{a} against {y}");
                }
            }
            let p = net.step_isa(Portable, &mut portable, x);
            for (&p, &y) in p.iter().zip(&y) {
                assert!((p - y).abs() <= 1e-4 * (1.0 + y.abs()), "{p} against {y}");
            }
            net.step_trace(&mut traced, x, &mut trace);
            assert_eq!(<$net as SequenceNetwork<f32>>::step_output(&trace).1, &y);
            assert_eq!(traced, fused);
            want.push(y);
        }
        let mut ys = vec![[0.0; { $net::<f32>::OUTPUTS }]; xs.len()];
        let mut block = $state::default();
        net.step_block(&mut block, &xs, &mut ys);
        assert_eq!(ys, want);
        assert_eq!(block, fused);
    }};
}

#[test]
fn the_dispatched_step_is_the_layers_step_by_step() {
    check_dispatched_step!(StepGru8, StepGru8State, [l1, l2], exact);
    check_dispatched_step!(StepGru16, StepGru16State, [l1, l2], exact);
    check_dispatched_step!(StepLstm40, StepLstm40State, [l1, l2], exact);
    check_dispatched_step!(StepStack, StepStackState, [l1, l2, l3, l4], close);
}

/// Truncated BPTT with the state carried from window to window: a GRU learns to output its
/// previous input, with Adam and with clipped SGD.
#[test]
fn truncated_bptt_learns_a_delay_with_every_optimizer() {
    fn train<O: Optimizer<f32, Delay<f32>>>(mut opt: O) -> (f32, f32) {
        const W: usize = 16;
        let mut net: Delay = Delay::seeded(1);
        let mut rng = Rng::new(5);
        let xs: Vec<[f32; 1]> = (0..4096).map(|_| [rng.uniform(-1.0, 1.0)]).collect();
        let mut ys = vec![[0.0f32]; 4096];
        ys[1..].copy_from_slice(&xs[..4095]);
        let mut window = Delay::<f32>::zeroed_window::<W>();
        let mut losses = Vec::new();
        for _epoch in 0..8 {
            let mut state = DelayState::default();
            let mut sum = 0.0;
            for (x, y) in xs.chunks_exact(W).zip(ys.chunks_exact(W)) {
                let (x, y) = (x.try_into().unwrap(), y.try_into().unwrap());
                let (loss, end) = net.train_sequence(&state, x, y, 0, &Mse, &mut opt, &mut window);
                state = end;
                sum += loss;
            }
            losses.push(sum / (4096 / W) as f32);
        }
        (losses[0], losses[7])
    }
    let (first, last) = train(Adam::new(0.01));
    assert!(
        last < first / 10.0 && last < 0.005,
        "Adam: {first} → {last}"
    );
    let (first, last) = train(ClipNorm::new(Sgd::new(0.5), 1.0));
    assert!(last < first / 4.0, "clipped SGD: {first} → {last}");
}

/// A mini-batch of windows is one step on the mean of their gradients, and each window's end
/// state replaces its start.
#[test]
fn a_batch_of_windows_steps_on_the_mean_gradient() {
    const W: usize = 6;
    let net: GruDense<f64> = GruDense::seeded(4);
    let mut rng = Rng::new(8);
    let mut window = GruDense::<f64>::zeroed_window::<W>();
    let xs: Vec<[[f64; 3]; W]> = (0..3)
        .map(|_| core::array::from_fn(|_| core::array::from_fn(|_| noise(&mut rng))))
        .collect();
    let ys: Vec<[[f64; 2]; W]> = (0..3)
        .map(|_| core::array::from_fn(|_| core::array::from_fn(|_| noise(&mut rng))))
        .collect();
    let mut starts = vec![GruDenseState::default(); 3];
    net.step(&mut starts[1], &[0.5, -0.5, 1.0]);
    let before = starts.clone();
    let mut batched = net.clone();
    let lr = 0.1;
    let loss = batched.train_sequence_batch(
        &mut starts,
        &xs,
        &ys,
        2,
        &Mse,
        &mut Sgd::new(lr),
        &mut window,
    );
    let mut sum = GruDenseGradients::<f64>::zeroed();
    let mut losses = 0.0;
    for b in 0..3 {
        let (l, end) =
            net.window_gradients(&before[b], &xs[b], &ys[b], 2, &Mse, &mut window, &mut sum);
        assert_eq!(end, starts[b], "end state of window {b}");
        losses += l;
    }
    assert!((loss - losses / 3.0).abs() < 1e-15);
    let mut by_hand = net.clone();
    for i in 0..<GruDense<f64> as Parameters<f64>>::TENSORS {
        for (p, g) in by_hand.tensor_mut(i).iter_mut().zip(sum.tensor(i)) {
            *p -= lr * (g / 3.0);
        }
    }
    for i in 0..<GruDense<f64> as Parameters<f64>>::TENSORS {
        for (a, b) in batched.tensor(i).iter().zip(by_hand.tensor(i)) {
            assert!(
                (a - b).abs() < 1e-14,
                "{}: {a} vs {b}",
                GruDense::<f64>::tensor_name(i)
            );
        }
    }
}

network! {
    /// The amp model of the examples: a GRU of 16 units and a linear output.
    struct Amp < gru(1 -> 16), dense(16 -> 1, identity) >
}

/// `summary()` lists the recurrent layers with PyTorch's parameter counts and no activation,
/// the state, and the trace of one time step; `.window(W)` adds a window's.
#[test]
fn summary_shows_the_layers_the_state_and_a_windows_traces() {
    let net: Amp = Amp::seeded(1);
    // GRU(1, 16): 3·16·(1 + 16 + 2) = 912 parameters. The state is `h`, 16 f32. One step's
    // trace is the input (1), the GRU's h_prev, r, z, n, W_hn·h + b_hn and h (6·16) and the
    // dense layer's z and a (2): 99 f32, 396 bytes.
    let head = "\
Amp (f32): 1 input, 1 output per time step
layer  kind   inputs  outputs  activation  params
-------------------------------------------------
l1     gru         1       16  -              912
l2     dense      16        1  identity        17
-------------------------------------------------
total parameters: 929 (3716 bytes)
memory: network 3716 B, gradients 3716 B, state 64 B
optimizer state: SGD 8 B, momentum 3732 B, Adam 7456 B, AdamW 7456 B
window traces: 396 B per time step";
    assert_eq!(net.summary().to_string(), head);
    assert_eq!(net.to_string(), head);
    assert_eq!(
        net.summary().window(2048).to_string(),
        format!("{head}, 811008 B for 2048 steps")
    );
    assert_eq!(
        AmpWindow::<f32, 2048>::BYTES,
        811_008,
        "the summary's window is the window type's size"
    );
    let lstm: DenseLstmDense<f64> = DenseLstmDense::seeded(1);
    let text = lstm.summary().window(1).to_string();
    assert!(
        text.starts_with("DenseLstmDense (f64): 2 inputs, 1 output per time step\n"),
        "{text}"
    );
    // LSTM(4, 3): 4·3·(4 + 3 + 2) = 108; its state is h and c, 6 f64.
    assert!(
        text.contains("\nl2     lstm        4        3  -              108\n"),
        "{text}"
    );
    assert!(text.contains(", state 48 B\n"), "{text}");
    assert!(
        text.ends_with("window traces: 288 B per time step, 288 B for 1 step"),
        "{text}"
    );
}

/// The memory budget of a sequence network: every figure the `size_of` of the type used.
#[test]
fn the_memory_budget_counts_the_state_and_the_step_traces() {
    fn budget<T: Float, N: MemoryBudget<T>>() -> [usize; 5] {
        [
            N::PARAM_BYTES,
            N::GRADIENT_BYTES,
            N::TRACE_BYTES,
            N::STATE_BYTES,
            <N as MemoryBudget<T>>::BATCH_SCRATCH_BYTES,
        ]
    }
    use core::mem::size_of;
    assert_eq!(
        budget::<f32, Amp>(),
        [
            929 * 4,
            size_of::<AmpGradients<f32>>(),
            size_of::<AmpStep<f32>>(),
            size_of::<AmpState<f32>>(),
            0
        ]
    );
    assert_eq!(Amp::<f32>::TRACE_BYTES, 396);
    assert_eq!(Amp::<f32>::STATE_BYTES, 64);
    assert_eq!(Amp::<f64>::STATE_BYTES, 128);
    assert_eq!(
        GruLstmDense::<f64>::STATE_BYTES,
        size_of::<GruLstmDenseState<f64>>()
    );
    assert_eq!(
        size_of::<GruDenseWindow<f64, 7>>(),
        7 * GruDense::<f64>::TRACE_BYTES
    );
    assert_eq!(
        Amp::<f32>::ADAM_STATE_BYTES,
        size_of::<Adam<f32, AmpGradients<f32>>>()
    );
}

/// Every network is an `Architecture`: generic code reads a sequence network's layout and
/// builds it, on the stack or, without passing through the stack, on the heap.
#[test]
fn sequence_networks_are_architectures_built_on_the_stack_or_the_heap() {
    fn kinds<T: Float, N: Architecture<T>>() -> Vec<(&'static str, usize, usize, usize)> {
        N::LAYOUT
            .iter()
            .map(|l| (l.kind, l.inputs, l.outputs, l.params()))
            .collect()
    }
    assert_eq!(
        kinds::<f32, GruLstmDense>(),
        [("gru", 2, 3, 63), ("lstm", 3, 2, 56), ("dense", 2, 2, 6)]
    );
    assert_eq!(<GruLstmDense<f32> as Architecture<f32>>::INPUTS, 2);
    assert_eq!(<GruLstmDense<f32> as Architecture<f32>>::LAYERS, 3);
    assert_eq!(
        kinds::<f32, GruLstmDense>()
            .iter()
            .map(|k| k.3)
            .sum::<usize>(),
        GruLstmDense::<f32>::PARAMS
    );

    let boxed = GruLstmDense::<f64>::boxed_seeded(11);
    let seeded: GruLstmDense<f64> = GruLstmDense::seeded(11);
    let mut reseeded: GruLstmDense<f64> = GruLstmDense::zeroed();
    reseeded.reseed(11);
    for i in 0..<GruLstmDense<f64> as Parameters<f64>>::TENSORS {
        assert_eq!(boxed.tensor(i), seeded.tensor(i));
        assert_eq!(reseeded.tensor(i), seeded.tensor(i));
    }
    assert!(seeded.l1.weight_ih[0][0][0] != 0.0);
    let zero = GruLstmDense::<f64>::boxed_zeroed();
    assert_eq!(zero.l3.activation, Sigmoid);
    assert!((0..6).all(|i| zero.tensor(i).iter().all(|&p| p == 0.0)));
    assert_eq!(
        *GruLstmDense::<f64>::boxed_gradients(),
        GruLstmDenseGradients::zeroed()
    );
    assert_eq!(
        *GruLstmDense::<f64>::boxed_window::<9>(),
        GruLstmDense::<f64>::zeroed_window::<9>()
    );

    // A boxed window trains as a stack one does.
    const W: usize = 9;
    let xs: [[f64; 2]; W] = core::array::from_fn(|t| [(t as f64).sin(), 0.5]);
    let ys: [[f64; 2]; W] = core::array::from_fn(|t| [(t as f64).cos() * 0.5, 0.25]);
    let start = GruLstmDenseState::default();
    let mut on_heap = GruLstmDense::<f64>::boxed_window::<W>();
    let mut on_stack = GruLstmDense::<f64>::zeroed_window::<W>();
    let mut g1 = GruLstmDense::<f64>::boxed_gradients();
    let mut g2 = GruLstmDenseGradients::zeroed();
    let a = seeded.window_gradients(&start, &xs, &ys, 2, &Mse, &mut on_heap, &mut g1);
    let b = seeded.window_gradients(&start, &xs, &ys, 2, &Mse, &mut on_stack, &mut g2);
    assert_eq!(a, b);
    assert_eq!(*g1, g2);
    assert_eq!(*on_heap, on_stack);
}
