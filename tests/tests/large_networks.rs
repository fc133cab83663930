//! A network too large for a thread's stack (14.2 MiB of `f32`) is built, trained with SGD and
//! with Adam, and checked, all inside a thread of a 2 MiB stack, in unoptimised builds too:
//! the network, its gradients and the optimizer state live on the heap, allocated zeroed in
//! place, and a model file is read into a boxed network. On a small network the heap paths
//! give the same results as the stack ones. The same for a sequence network (3.8 MiB of `f32`)
//! trained through time, for a window of traces larger than the thread's stack, and for the
//! frozen forms of both networks.

use network::prelude::*;
use network::{Rng, Vector, clip_grad_norm};

network! {
    struct Big < dense(784 -> 2048, relu), dense(2048 -> 1024, relu), dense(1024 -> 10, softmax) >
    struct Mlp < dense(5 -> 7, leaky_relu(0.2)), dense(7 -> 6, elu(0.5)), dense(6 -> 3, softmax) >
    struct BigGru < gru(128 -> 512), dense(512 -> 1, identity) >
    struct LongGru < gru(1 -> 64), dense(64 -> 1, identity) >
}

/// Runs `f` in a thread with the default stack size of a spawned thread, 2 MiB.
fn in_small_thread(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

fn params<T: Float, P: Parameters<T>>(p: &P) -> Vec<T> {
    let mut v = vec![T::zero(); P::PARAMS];
    p.write_params(&mut v).unwrap();
    v
}

/// `n` inputs in [0, 1) and one-hot targets, as digit images would be.
fn data<T: Float, N: Network<T>>(n: usize, seed: u64) -> (Vec<N::Input>, Vec<N::Output>) {
    let mut rng = Rng::new(seed);
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for i in 0..n {
        let mut x = <N::Input as Vector<T>>::zeroed();
        x.as_mut()
            .iter_mut()
            .for_each(|v| *v = rng.uniform(0.0, 1.0));
        let mut y = <N::Output as Vector<T>>::zeroed();
        let classes = y.as_ref().len();
        y.as_mut()[i % classes] = T::one();
        xs.push(x);
        ys.push(y);
    }
    (xs, ys)
}

fn mean_loss_of<T: Float, N: Network<T>>(net: &N, xs: &[N::Input], ys: &[N::Output]) -> f64
where
    CrossEntropy: Loss<T, N::OutputActivation>,
{
    let total: f64 = xs
        .iter()
        .zip(ys)
        .map(|(x, y)| net.loss(x, y, &CrossEntropy).as_f64())
        .sum();
    total / xs.len() as f64
}

#[test]
fn big_network_is_built_on_the_heap_in_a_small_thread() {
    in_small_thread(|| {
        let a = Big::<f32>::boxed_seeded(1);
        let b = Big::<f32>::boxed_seeded(1);
        let (pa, pb) = (params(&*a), params(&*b));
        assert_eq!(pa.len(), 3_716_106);
        assert_eq!(pa, pb, "the same seed gives the same network");
        assert_ne!(pa, params(&*Big::<f32>::boxed_seeded(2)));
        // He-uniform bound of the first layer, √(6 / 784); biases zero.
        let bound = (6.0f32 / 784.0).sqrt();
        assert!(a.l1.weight.as_flattened().iter().all(|w| w.abs() <= bound));
        assert!(
            a.l1.weight
                .as_flattened()
                .iter()
                .any(|w| w.abs() > 0.9 * bound)
        );
        assert!(a.l1.bias.iter().all(|&b| b == 0.0));
        // A model file read into an existing boxed network, which is never on the stack.
        let path = std::env::temp_dir().join(format!("big-{}.model", std::process::id()));
        a.save(&path).unwrap();
        let mut loaded = Big::<f32>::boxed_zeroed();
        loaded.load_into(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(params(&*loaded), pa);
        let g = Big::<f64>::boxed_gradients();
        assert!(params(&*g).iter().all(|&v| v == 0.0));
        assert!(
            params(&*Big::<f64>::boxed_zeroed())
                .iter()
                .all(|&v| v == 0.0)
        );
    });
}

/// A few per-sample and mini-batch steps on a fixed batch: the loss on it goes down.
fn train_big<O: Optimizer<f32, Big>>(mut opt: O, steps: usize) -> O {
    let (xs, ys) = data::<f32, Big>(9, 4);
    let mut net = Big::<f32>::boxed_seeded(3);
    let mut grads = Big::<f32>::boxed_gradients();
    let before = mean_loss_of(&*net, &xs, &ys);
    for step in 0..steps {
        let (x, y) = (&xs[step % xs.len()], &ys[step % ys.len()]);
        let loss = net.train_step_with(&mut grads, x, y, &CrossEntropy, &mut opt);
        assert!(loss.is_finite());
    }
    // 9 samples: more than one chunk of the batched path's buffers (7 rows for this width).
    let batch = net
        .train_batch_with(&mut grads, &xs, &ys, &CrossEntropy, &mut opt)
        .unwrap();
    assert!(batch.is_finite());
    let after = mean_loss_of(&*net, &xs, &ys);
    assert!(after < before, "loss {before} -> {after}");
    opt
}

#[test]
fn big_network_trains_with_sgd_in_a_2_mib_thread() {
    in_small_thread(|| {
        train_big(Sgd::new(0.01), 3);
        let momentum = train_big(Sgd::new(0.001).boxed_momentum(0.9), 2);
        assert!(momentum.velocity.buffer.l1.bias.iter().any(|&v| v != 0.0));
    });
}

#[test]
fn big_network_trains_with_adam_in_a_2_mib_thread() {
    in_small_thread(|| {
        let adam = train_big(Adam::boxed(1e-4), 3);
        assert_eq!(adam.steps(), 4);
        let adamw = train_big(AdamW::boxed(1e-4), 1);
        assert_eq!(adamw.adam().steps(), 2);
    });
}

#[test]
fn big_network_fits_and_clips_in_a_2_mib_thread() {
    in_small_thread(|| {
        let (xs, ys) = data::<f32, Big>(6, 8);
        let mut net = Big::<f32>::boxed_seeded(5);
        let before = mean_loss_of(&*net, &xs, &ys);
        // `fit` keeps its gradients (and their backup) on the heap.
        let samples: Vec<_> = xs.iter().copied().zip(ys.iter().copied()).collect();
        let mut adam = Adam::boxed(1e-4);
        let config = FitConfig::new(1).batch_size(3).shuffle(false);
        let history = fit(&mut *net, &samples, &CrossEntropy, &mut adam, config).unwrap();
        assert_eq!((history.steps, adam.steps()), (2, 2));
        // Clipping by hand: `ClipNorm` copies the gradients, so a large network clips its
        // own buffer.
        let mut grads = Big::<f32>::boxed_gradients();
        net.backprop_into(&xs[0], &ys[0], &CrossEntropy, &mut grads);
        let norm = clip_grad_norm(&mut *grads, 0.5);
        assert!(norm > 0.5, "{norm}");
        assert!((grads.norm_squared().sqrt() - 0.5).abs() < 1e-3);
        adam.step(&mut *net, &grads);
        let after = mean_loss_of(&*net, &xs, &ys);
        assert!(after < before, "loss {before} -> {after}");
    });
}

#[test]
fn boxed_constructors_equal_the_stack_ones() {
    let net = Mlp::<f64>::boxed_zeroed();
    assert_eq!(params(&*net), params(&Mlp::<f64>::zeroed()));
    // Parameterised activations are set, not left at zero.
    assert_eq!(net.l1.activation.alpha, 0.2);
    assert_eq!(net.l2.activation.alpha, 0.5);
    let net = Mlp::<f32>::boxed_seeded(5);
    assert_eq!(params(&*net), params(&Mlp::<f32>::seeded(5)));
    assert_eq!(net.l1.activation.alpha, 0.2);
    assert_eq!(*Mlp::<f32>::boxed_gradients(), MlpGradients::zeroed());

    let adam: Box<Adam<f64, MlpGradients<f64>>> = Adam::boxed(0.003);
    assert_eq!(*adam, Adam::new(0.003));
    let adamw: Box<AdamW<f32, MlpGradients<f32>>> = AdamW::boxed(0.003);
    assert_eq!(*adamw, AdamW::new(0.003));
    let sgd: Box<Sgd<f64, network::optim::Momentum<f64, MlpGradients<f64>>>> =
        Sgd::new(0.1).weight_decay(0.01).boxed_momentum(0.9);
    assert_eq!(*sgd, Sgd::new(0.1).weight_decay(0.01).momentum(0.9));
}

/// `train_step_with` and `backprop_into` are `train_step` and `backprop`, bit for bit, with
/// every kind of optimizer; `train_batch_with` is `train_batch` (bit for bit when the update
/// is not fused into the batched product, to rounding when it is).
#[test]
fn heap_training_equals_stack_training() {
    let (xs, ys) = data::<f64, Mlp<f64>>(10, 7);
    let net = Mlp::<f64>::seeded(2);
    let mut grads = Mlp::<f64>::boxed_gradients();
    *grads.l1.bias.first_mut().unwrap() = 7.0; // stale contents are overwritten
    let l = net.backprop_into(&xs[0], &ys[0], &CrossEntropy, &mut grads);
    assert_eq!((l, *grads), net.backprop(&xs[0], &ys[0], &CrossEntropy));

    fn both<O: Optimizer<f64, Mlp<f64>>>(
        mut stack_opt: O,
        mut heap_opt: O,
        xs: &[[f64; 5]],
        ys: &[[f64; 3]],
        batch_tol: f64,
    ) {
        let mut stack = Mlp::<f64>::seeded(2);
        let mut heap = Mlp::<f64>::boxed_seeded(2);
        let mut grads = Mlp::<f64>::boxed_gradients();
        for (x, y) in xs.iter().zip(ys) {
            let a = stack.train_step(x, y, &CrossEntropy, &mut stack_opt);
            let b = heap.train_step_with(&mut grads, x, y, &CrossEntropy, &mut heap_opt);
            assert_eq!(a, b);
        }
        assert_eq!(params(&stack), params(&*heap));
        for _ in 0..3 {
            let a = stack
                .train_batch(xs, ys, &CrossEntropy, &mut stack_opt)
                .unwrap();
            let b = heap
                .train_batch_with(&mut grads, xs, ys, &CrossEntropy, &mut heap_opt)
                .unwrap();
            assert!((a - b).abs() <= batch_tol * a.abs(), "{a} {b}");
        }
        let worst = params(&stack)
            .iter()
            .zip(params(&*heap))
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(worst <= batch_tol, "largest difference {worst:e}");
        assert_ne!(params(&*heap), params(&Mlp::<f64>::seeded(2)));
    }
    both(Sgd::new(0.1), Sgd::new(0.1), &xs, &ys, 1e-12);
    both(
        Sgd::new(0.1).momentum(0.9),
        Sgd::new(0.1).momentum(0.9),
        &xs,
        &ys,
        0.0,
    );
    both(Adam::new(0.01), Adam::new(0.01), &xs, &ys, 0.0);
    both(AdamW::new(0.01), AdamW::new(0.01), &xs, &ys, 0.0);
    both(
        ClipNorm::new(Adam::new(0.01), 0.5),
        ClipNorm::new(Adam::new(0.01), 0.5),
        &xs,
        &ys,
        0.0,
    );
}

#[test]
fn train_batch_with_rejects_bad_batches_and_changes_nothing() {
    let (xs, ys) = data::<f64, Mlp<f64>>(4, 1);
    let mut net = Mlp::<f64>::seeded(2);
    let mut grads = Mlp::<f64>::boxed_gradients();
    let mut adam = Adam::boxed(0.01);
    let before = params(&net);
    assert!(
        net.train_batch_with(&mut grads, &xs, &ys[..3], &CrossEntropy, &mut adam)
            .is_err()
    );
    assert!(
        net.train_batch_with(&mut grads, &[], &[], &CrossEntropy, &mut adam)
            .is_err()
    );
    assert_eq!(params(&net), before);
    assert_eq!(adam.steps(), 0);
}

/// A sequence network of 3.8 MiB, its gradients and Adam's moments on the heap, trained by
/// backpropagation through time with its window of traces on the heap too, then written and
/// read back into a boxed network, all in a 2 MiB thread.
#[test]
fn big_sequence_network_trains_through_time_in_a_2_mib_thread() {
    in_small_thread(|| {
        // GRU(128, 512): 3·512·(128 + 512 + 2) = 986 112 parameters.
        assert_eq!(BigGru::<f32>::PARAMS, 986_112 + 513);
        const { assert!(BigGru::<f32>::NETWORK_BYTES > 2 << 20) };
        let mut net = BigGru::<f32>::boxed_seeded(1);
        let mut grads = BigGru::<f32>::boxed_gradients();
        // Adam moves every parameter by about `lr` a step: small, for a million of them.
        let mut opt = Adam::boxed(1e-5);
        let mut window = BigGru::<f32>::boxed_window::<4>();
        let mut rng = Rng::new(5);
        let xs: [[f32; 128]; 4] =
            core::array::from_fn(|_| core::array::from_fn(|_| rng.uniform(-1.0, 1.0)));
        let ys = [[0.5f32], [-0.25], [0.75], [0.0]];
        let start = BigGruState::default();
        let mut losses = Vec::new();
        for _ in 0..4 {
            grads.set_zero();
            let (loss, _) =
                net.window_gradients(&start, &xs, &ys, 1, &Mse, &mut window, &mut grads);
            opt.step(&mut *net, &grads);
            losses.push(loss);
        }
        assert!(losses[3] < losses[0], "loss {losses:?}");
        let path = std::env::temp_dir().join(format!("big-gru-{}.model", std::process::id()));
        net.save(&path).unwrap();
        let mut loaded = BigGru::<f32>::boxed_zeroed();
        loaded.load_into(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(params(&*loaded), params(&*net));
    });
}

/// The frozen forms of the large networks, built on the heap in a 2 MiB thread
/// (`boxed_freeze`), compute what the networks compute within rounding; `freeze_into`
/// refreshes one in place after the weights change.
#[test]
fn big_networks_freeze_on_the_heap_in_a_2_mib_thread() {
    in_small_thread(|| {
        let mut net = Big::<f32>::boxed_seeded(7);
        let mut frozen = net.boxed_freeze();
        let mut rng = Rng::new(8);
        let x: [f32; 784] = core::array::from_fn(|_| rng.uniform(0.0, 1.0));
        let close = |a: &[f32], b: &[f32]| {
            a.iter()
                .zip(b)
                .all(|(a, b)| (a - b).abs() <= 1e-5 * b.abs().max(1.0))
        };
        assert!(close(&frozen.forward(&x), &net.forward(&x)));
        let before = frozen.forward(&x);
        net.l3.bias[0] += 1.0;
        assert_eq!(frozen.forward(&x), before, "a frozen network is a copy");
        net.freeze_into(&mut frozen);
        assert!(close(&frozen.forward(&x), &net.forward(&x)));
        assert_ne!(frozen.forward(&x), before);

        let gru = BigGru::<f32>::boxed_seeded(9);
        let frozen = gru.boxed_freeze();
        let (mut a, mut b) = (BigGruState::default(), BigGruState::default());
        for t in 0..8 {
            let x: [f32; 128] = core::array::from_fn(|i| ((i + t) as f32 * 0.37).sin());
            let (want, got) = (gru.step(&mut a, &x), frozen.step(&mut b, &x));
            assert!(close(&got, &want), "step {t}: {got:?} against {want:?}");
        }
    });
}

/// A window of 1024 time steps' traces (3.2 MiB) in a 2 MiB thread: allocated zeroed on the
/// heap, it gives the state that stepping gives.
#[test]
fn a_window_larger_than_the_stack_lives_on_the_heap() {
    in_small_thread(|| {
        const W: usize = 1024;
        const { assert!(LongGruWindow::<f64, W>::BYTES > 3 << 20) };
        let net: LongGru<f64> = LongGru::seeded(2);
        let mut window = LongGru::<f64>::boxed_window::<W>();
        let xs: [[f64; 1]; W] = core::array::from_fn(|t| [(t as f64 * 0.05).sin()]);
        let ys: [[f64; 1]; W] = core::array::from_fn(|t| [(t as f64 * 0.05).cos()]);
        let mut grads = LongGru::<f64>::boxed_gradients();
        let start = LongGruState::default();
        let (loss, end) = net.window_gradients(&start, &xs, &ys, 16, &Mse, &mut window, &mut grads);
        assert!(loss.is_finite() && loss > 0.0);
        let mut state = start;
        for x in &xs {
            net.step(&mut state, x);
        }
        assert_eq!(end, state);
        assert_eq!(window.steps[W - 1].l1.h, state.l1);
        assert!(grads.all_finite() && grads.norm_squared() > 0.0);
    });
}
