//! Sequence networks trained by `fit_sequences` (streams cut into segments and labelled
//! sequences, every optimizer, seeded shuffling, warm-up, validation, divergence) and checked
//! by `grad_check_sequence`.

use network::prelude::*;
use network::{SequenceGradCheck, Trainable, WindowTrace, network};

network! {
    #[derive(Clone)]
    struct Delay < gru(1 -> 8), dense(8 -> 1, identity) >
    #[derive(Clone)]
    struct Sign < lstm(1 -> 6), dense(6 -> 2, softmax) >
    struct GruDense < gru(3 -> 5), dense(5 -> 2, tanh) >
    struct DenseLstmGru < dense(2 -> 4, tanh), lstm(4 -> 3), gru(3 -> 2) >
}

const W: usize = 16;

/// A stream of noise and its copy delayed by one step, as `(inputs, targets)`.
fn delay_stream(len: usize, seed: u64) -> (Vec<[f64; 1]>, Vec<[f64; 1]>) {
    let mut rng = Rng::new(seed);
    let xs: Vec<[f64; 1]> = (0..len).map(|_| [rng.uniform(-1.0, 1.0)]).collect();
    let mut ys = vec![[0.0]; len];
    ys[1..].copy_from_slice(&xs[..len - 1]);
    (xs, ys)
}

/// The stream cut into segments of `seg` steps.
fn segments<'a>(
    xs: &'a [[f64; 1]],
    ys: &'a [[f64; 1]],
    seg: usize,
) -> Vec<Sequence<'a, [f64; 1], [f64; 1]>> {
    xs.chunks(seg).zip(ys.chunks(seg)).collect()
}

/// Fits `Delay` on 8 segments of 128 steps (windows of 16, the first window a warm-up) with
/// `config`.
fn fit_delay_with<O: Optimizer<f64, Delay<f64>>, F: FnMut(&EpochReport<f64>) -> Control>(
    mut opt: O,
    config: FitConfig<'_, f64, Sequence<'_, [f64; 1], [f64; 1]>, F>,
) -> History<f64> {
    let (xs, ys) = delay_stream(1024, 1);
    let data = segments(&xs, &ys, 128);
    let mut net: Delay<f64> = Delay::seeded(2);
    let mut window = Delay::<f64>::zeroed_window::<W>();
    fit_sequences(&mut net, &data, W, &mut window, &Mse, &mut opt, config).unwrap()
}

/// [`fit_delay_with`] for `epochs` epochs in batches of 4.
fn fit_delay<O: Optimizer<f64, Delay<f64>>>(opt: O, epochs: usize) -> History<f64> {
    fit_delay_with(opt, FitConfig::new(epochs).batch_size(4).seed(3))
}

#[test]
fn fit_sequences_learns_a_delay_with_every_optimizer() {
    let check = |what: &str, h: History<f64>, factor: f64| {
        let (first, last) = (h.loss[0], h.final_loss().unwrap());
        assert!(
            last < first / factor,
            "{what}: loss {first} → {last}, expected a {factor}× drop"
        );
        // 8 segments of 8 windows, one of them a warm-up, in batches of 4: 2 × 7 steps.
        assert_eq!(h.steps, h.epochs() * 14, "{what}");
    };
    check("Sgd", fit_delay(Sgd::new(0.5), 20), 20.0);
    check(
        "Sgd momentum",
        fit_delay(Sgd::new(0.1).momentum(0.9), 20),
        5.0,
    );
    check("Adam", fit_delay(Adam::new(0.01), 20), 100.0);
    check("AdamW", fit_delay(AdamW::new(0.01), 20), 100.0);
    check(
        "ClipNorm(Sgd)",
        fit_delay(ClipNorm::new(Sgd::new(0.5), 1.0), 20),
        10.0,
    );
    let cosine = Cosine {
        initial: 0.02,
        min: 0.001,
        period: 20,
    };
    check(
        "Scheduled(Adam)",
        fit_delay(Scheduled::per_epoch(Adam::new(0.02), cosine), 20),
        100.0,
    );
}

/// A labelled sequence of `L` steps: inputs, and a one-hot class after the last step.
type Labelled<const L: usize> = ([[f64; 1]; L], [[f64; 2]; L]);

/// Labelled sequences of 8 steps, the class whether their sum is positive.
fn sign_data(n: usize, seed: u64) -> Vec<Labelled<8>> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| {
            let xs: [[f64; 1]; 8] = core::array::from_fn(|_| [rng.uniform(-1.0, 1.0)]);
            let positive = xs.iter().map(|x| x[0]).sum::<f64>() > 0.0;
            let mut ys = [[0.0; 2]; 8];
            ys[7][usize::from(positive)] = 1.0;
            (xs, ys)
        })
        .collect()
}

fn borrowed<const L: usize>(data: &[Labelled<L>]) -> Vec<Sequence<'_, [f64; 1], [f64; 2]>> {
    data.iter().map(|(x, y)| (&x[..], &y[..])).collect()
}

#[test]
fn fit_sequences_classifies_labelled_sequences_and_reports_validation() {
    let (train, val) = (sign_data(256, 1), sign_data(128, 2));
    let (train, val) = (borrowed(&train), borrowed(&val));
    let mut net: Sign<f64> = Sign::seeded(4);
    let mut window = Sign::<f64>::zeroed_window::<8>();
    let mut reports = Vec::new();
    let config = FitConfig::new(30)
        .batch_size(8)
        .validation(&val)
        .accuracy()
        .on_epoch(|r: &EpochReport<f64>| {
            reports.push(*r);
            Control::Continue
        });
    let h = fit_sequences(
        &mut net,
        &train,
        7,
        &mut window,
        &CrossEntropy,
        &mut Adam::new(0.01),
        config,
    )
    .unwrap();
    assert_eq!(h.epochs(), 30);
    assert_eq!(
        (h.val_loss.len(), h.val_accuracy.len(), h.accuracy.len()),
        (30, 30, 30)
    );
    let acc = *h.val_accuracy.last().unwrap();
    assert!(acc > 0.9, "validation accuracy {acc}");
    // The last report's validation figures are those of the trained network: the mean
    // cross-entropy of the last step of each sequence, and the share classified right.
    let (mut loss, mut right) = (0.0, 0);
    for (xs, ys) in &val {
        let (l, _) = net.sequence_loss(&Default::default(), xs, ys, 7, &CrossEntropy);
        loss += l;
        let mut state = Default::default();
        let mut out = [0.0; 2];
        xs.iter().for_each(|x| out = net.step(&mut state, x));
        right += usize::from(argmax(&out) == argmax(&ys[7]));
    }
    let last = reports.last().unwrap();
    assert!((last.val_loss.unwrap() - loss / val.len() as f64).abs() < 1e-12);
    assert_eq!(last.val_accuracy.unwrap(), right as f64 / val.len() as f64);
    assert_eq!(last.samples, 256 * 8, "time steps per epoch");
    assert!(last.last);
}

#[test]
fn shuffling_is_seeded_and_reproducible() {
    let (xs, ys) = delay_stream(1024, 5);
    let data = segments(&xs, &ys, 64);
    let run = |seed: u64, shuffle: bool| {
        let mut net: Delay<f64> = Delay::seeded(6);
        let mut window = Delay::<f64>::zeroed_window::<W>();
        let config = FitConfig::new(3).batch_size(2).seed(seed).shuffle(shuffle);
        let h = fit_sequences(
            &mut net,
            &data,
            4,
            &mut window,
            &Mse,
            &mut Adam::new(0.01),
            config,
        )
        .unwrap();
        let mut params = vec![0.0; Delay::<f64>::PARAMS];
        net.write_params(&mut params).unwrap();
        (h.loss, params)
    };
    let a = run(7, true);
    assert_eq!(a, run(7, true), "the same seed gives the same bits");
    assert_ne!(a.1, run(8, true).1, "another seed, another order");
    let unshuffled = run(7, false);
    assert_ne!(a.1, unshuffled.1, "shuffling changes the order");
    assert_eq!(
        unshuffled,
        run(8, false),
        "without shuffling the seed is unused"
    );
}

/// `fit_sequences` over one sequence of three windows, the warm-up ending inside the second,
/// is exactly: step through the first window, then one `train_sequence` per window with the
/// state carried over; and the targets of warm-up steps are never read.
#[test]
fn warm_up_is_stepped_through_and_left_out_of_the_loss() {
    let (xs, mut ys) = delay_stream(3 * W, 9);
    let warmup = W + 5;
    let fitted = |ys: &[[f64; 1]]| {
        let mut net: Delay<f64> = Delay::seeded(10);
        let mut window = Delay::<f64>::zeroed_window::<W>();
        let h = fit_sequences(
            &mut net,
            &[(&xs[..], ys)],
            warmup,
            &mut window,
            &Mse,
            &mut Sgd::new(0.3),
            FitConfig::new(1),
        )
        .unwrap();
        (h, net)
    };
    let (h, net) = fitted(&ys);

    let mut by_hand: Delay<f64> = Delay::seeded(10);
    let mut window = Delay::<f64>::zeroed_window::<W>();
    let mut state = DelayState::default();
    by_hand.step_block(&mut state, &xs[..W], &mut [[0.0]; W]);
    let mut opt = Sgd::new(0.3);
    let window_of = |k: usize| -> (&[[f64; 1]; W], &[[f64; 1]; W]) {
        let r = k * W..(k + 1) * W;
        (xs[r.clone()].try_into().unwrap(), ys[r].try_into().unwrap())
    };
    let (x, y) = window_of(1);
    let (l1, end) = by_hand.train_sequence(&state, x, y, 5, &Mse, &mut opt, &mut window);
    let (x, y) = window_of(2);
    let (l2, _) = by_hand.train_sequence(&end, x, y, 0, &Mse, &mut opt, &mut window);
    assert_eq!(by_hand.l1, net.l1);
    assert_eq!(by_hand.l2, net.l2);
    assert_eq!(h.steps, 2);
    let expected = (l1 * (W - 5) as f64 + l2 * W as f64) / (2 * W - 5) as f64;
    assert!(
        (h.loss[0] - expected).abs() < 1e-15,
        "{} vs {expected}",
        h.loss[0]
    );

    // Other targets during the warm-up change nothing; a scored target does.
    for y in &mut ys[..warmup] {
        y[0] = 100.0;
    }
    let (h2, net2) = fitted(&ys);
    assert_eq!((h2.loss, net2.l1), (h.loss.clone(), net.l1));
    ys[warmup][0] += 1.0;
    assert_ne!(fitted(&ys).0.loss, h.loss);
}

#[test]
fn divergence_is_caught_and_the_network_kept_finite() {
    let (xs, ys) = delay_stream(512, 11);
    let data = segments(&xs, &ys, 128);
    let mut net: Delay<f64> = Delay::seeded(12);
    let mut window = Delay::<f64>::zeroed_window::<W>();
    let err = fit_sequences(
        &mut net,
        &data,
        0,
        &mut window,
        &Mse,
        &mut Sgd::new(1e200),
        FitConfig::new(5),
    )
    .unwrap_err();
    assert_eq!(err.epoch, 1);
    assert!(
        net.all_finite(),
        "the network keeps its last finite parameters"
    );
    let mut flat = vec![0.0; Delay::<f64>::PARAMS];
    net.write_params(&mut flat).unwrap();
    assert!(flat.iter().all(|p| p.is_finite()));
}

#[test]
fn target_loss_and_patience_stop_early() {
    let h = fit_delay(Adam::new(0.01), 12);
    let target = h.loss[10];
    let config = FitConfig::new(200)
        .batch_size(4)
        .seed(3)
        .target_loss(target);
    let h = fit_delay_with(Adam::new(0.01), config);
    assert_eq!(h.stopped, StopReason::TargetLoss);
    assert_eq!(h.epochs(), 11);
    // A learning rate of 0: the same loss every epoch (unshuffled, so summed in one order).
    let config = FitConfig::new(200).batch_size(4).shuffle(false).patience(2);
    let h = fit_delay_with(Sgd::new(0.0), config);
    assert_eq!(h.stopped, StopReason::Patience);
    assert_eq!(
        h.epochs(),
        3,
        "no improvement after the first epoch, patience 2"
    );
}

/// Random parameters (twice the initial scale, so gates leave their linear range), inputs,
/// targets and a non-zero start state.
fn window_case<N: SequenceNetwork<f64>, const L: usize>(
    net: &mut N,
    seed: u64,
) -> (N::State, [N::Input; L], [N::Output; L]) {
    let mut rng = Rng::new(seed);
    for i in 0..N::TENSORS {
        for p in net.tensor_mut(i) {
            *p = 2.0 * *p + 0.1 * rng.uniform::<f64>(-1.0, 1.0);
        }
    }
    let mut vector = |scale: f64| {
        let mut v = <N::Input as network::Vector<f64>>::zeroed();
        v.as_mut()
            .iter_mut()
            .for_each(|x| *x = scale * rng.uniform::<f64>(-1.0, 1.0));
        v
    };
    let mut start = N::State::default();
    for _ in 0..3 {
        net.step(&mut start, &vector(2.0));
    }
    assert_ne!(start, N::State::default());
    let xs = core::array::from_fn(|_| vector(1.0));
    let ys = core::array::from_fn(|_| {
        let mut y = <N::Output as network::Vector<f64>>::zeroed();
        y.as_mut()
            .iter_mut()
            .for_each(|v| *v = rng.uniform(-1.0, 1.0));
        y
    });
    (start, xs, ys)
}

#[test]
fn grad_check_sequence_passes_on_gru_and_lstm_networks() {
    let mut gru: GruDense<f64> = GruDense::seeded(1);
    let (start, xs, ys) = window_case::<_, 9>(&mut gru, 2);
    let mut window = WindowTrace::filled(GruDense::<f64>::zero_step());
    let before = gru.l1;
    let report = grad_check_sequence(&mut gru, &start, &xs, &ys, 3, &Mse, 1e-6, &mut window);
    assert!(report.passed(1e-6), "{report}");
    assert_eq!(report.tensors().len(), 6);
    assert_eq!(report.tensors()[1].name, "l1.weight_hh_l0");
    assert_eq!(report.tensors()[1].shape, &[15, 5]);
    assert_eq!(
        report.tensors().iter().map(|t| t.checked).sum::<usize>(),
        162
    );
    assert_eq!(gru.l1, before, "the network is restored bit for bit");
    let table = format!("{report}");
    assert!(
        table.contains("l1.bias_hh_l0") && !table.contains("FAIL"),
        "{table}"
    );

    let mut lstm: DenseLstmGru<f64> = DenseLstmGru::seeded(3);
    let (start, xs, ys) = window_case::<_, 12>(&mut lstm, 4);
    let mut window = DenseLstmGru::<f64>::zeroed_window::<12>();
    let report = grad_check_sequence(
        &mut lstm,
        &start,
        &xs,
        &ys,
        0,
        &Huber::default(),
        1e-6,
        &mut window,
    );
    assert!(report.passed(1e-6), "{report}");
    assert_eq!(report.tensors().len(), 10);

    // In f32, with the step and tolerance the module suggests for it.
    let mut net: Sign<f32> = Sign::seeded(5);
    let xs: [[f32; 1]; 6] = core::array::from_fn(|t| [(t as f32 * 0.9).sin()]);
    let mut ys = [[0.0f32; 2]; 6];
    ys[5][1] = 1.0;
    let mut window = Sign::<f32>::zeroed_window::<6>();
    let start = SignState::default();
    let report = grad_check_sequence(
        &mut net,
        &start,
        &xs,
        &ys,
        5,
        &CrossEntropy,
        1e-2,
        &mut window,
    );
    assert_eq!(report.tol, 1e-2);
    assert!(report.passed(1e-2), "{report}");
}

/// The classic mistake of a GRU's backward pass, `∂L/∂b_hn = δ_n` (it is `r ⊙ δ_n`): the
/// check finds it, in that tensor only.
#[test]
fn grad_check_sequence_fails_on_a_wrong_gradient() {
    let mut net: GruDense<f64> = GruDense::seeded(5);
    let (start, xs, ys) = window_case::<_, 7>(&mut net, 6);
    let mut window = GruDenseWindow::<f64, 7>::zeroed();
    assert_eq!(window, GruDense::<f64>::zeroed_window::<7>());
    let mut grads = <GruDense<f64> as Trainable<f64>>::Gradients::default();
    net.window_gradients(&start, &xs, &ys, 1, &Mse, &mut window, &mut grads);
    let right = SequenceGradCheck::<32>::against(&mut net, &grads, &start, &xs, &ys, 1, &Mse, 1e-6);
    assert!(right.passed(1e-6), "{right}");

    // bias_ih_l0 is tensor 2, bias_hh_l0 tensor 3; the n gate is rows 10..15 of both.
    let n_ih: Vec<f64> = grads.tensor(2)[10..15].to_vec();
    grads.tensor_mut(3)[10..15].copy_from_slice(&n_ih);
    let wrong = SequenceGradCheck::<32>::against(&mut net, &grads, &start, &xs, &ys, 1, &Mse, 1e-6);
    assert!(!wrong.passed(1e-6), "{wrong}");
    let failed: Vec<&str> = wrong.failures(1e-6).map(|t| t.name).collect();
    assert_eq!(failed, ["l1.bias_hh_l0"]);
    let worst = wrong.worst().unwrap();
    assert_eq!(worst.name, "l1.bias_hh_l0");
    assert!(worst.mismatch.row >= 10 && worst.mismatch.error > 1e-3);
    assert!(format!("{wrong}").contains("FAIL"));
}

#[test]
#[should_panic(expected = "one target per input")]
fn a_sequence_without_a_target_per_input_is_refused() {
    let (xs, ys) = delay_stream(64, 13);
    let mut net: Delay<f64> = Delay::seeded(14);
    let mut window = Delay::<f64>::zeroed_window::<W>();
    let data = [(&xs[..], &ys[..63])];
    let _ = fit_sequences(
        &mut net,
        &data,
        0,
        &mut window,
        &Mse,
        &mut Sgd::new(0.1),
        FitConfig::new(1),
    );
}

#[test]
#[should_panic(expected = "no step after the warm-up")]
fn a_warm_up_covering_a_whole_sequence_is_refused() {
    let (xs, ys) = delay_stream(40, 15);
    let mut net: Delay<f64> = Delay::seeded(16);
    let mut window = Delay::<f64>::zeroed_window::<W>();
    // Two full windows (32 steps); the last 8 steps are not used, so a warm-up of 32 leaves none.
    let data = [(&xs[..], &ys[..])];
    let _ = fit_sequences(
        &mut net,
        &data,
        32,
        &mut window,
        &Mse,
        &mut Sgd::new(0.1),
        FitConfig::new(1),
    );
}
