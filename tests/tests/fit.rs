//! `fit`, the evaluation helpers and `summary()`.

use network::prelude::*;
use network::{ConfusionMatrix, Rng, StopReason};

network! {
    /// A small regressor.
    #[derive(Clone, Debug, PartialEq)]
    struct Reg < dense(2 -> 8, tanh), dense(8 -> 1, identity) >
}

network! {
    /// A three-class classifier with softmax output.
    #[derive(Clone, Debug)]
    struct Cls < dense(2 -> 8, relu), dense(8 -> 3, softmax) >
}

/// `y = x₀·x₁ + 0.5·x₀` on random points.
fn regression(n: usize, seed: u64) -> Vec<([f64; 2], [f64; 1])> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| {
            let x = [rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)];
            (x, [x[0] * x[1] + 0.5 * x[0]])
        })
        .collect()
}

/// Three blobs around (−1, 0), (1, 0), (0, 1.5), one-hot targets.
fn blobs(n: usize, seed: u64) -> Vec<([f32; 2], [f32; 3])> {
    let centres = [[-1.0, 0.0], [1.0, 0.0], [0.0, 1.5]];
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|i| {
            let k = i % 3;
            let x = [
                centres[k][0] + rng.uniform::<f32>(-0.4, 0.4),
                centres[k][1] + rng.uniform::<f32>(-0.4, 0.4),
            ];
            let mut y = [0.0; 3];
            y[k] = 1.0;
            (x, y)
        })
        .collect()
}

fn params<N: Network<f64>>(net: &N) -> Vec<f64> {
    let mut v = vec![0.0; N::PARAMS];
    net.write_params(&mut v).unwrap();
    v
}

#[test]
fn same_seed_same_result_bit_for_bit() {
    let data = regression(50, 1);
    let run = |seed| {
        let mut net: Reg<f64> = Reg::seeded(5);
        let mut opt = Adam::new(0.01);
        let h = fit(
            &mut net,
            &data,
            &Mse,
            &mut opt,
            FitConfig::new(20).batch_size(8).seed(seed),
        )
        .unwrap();
        (params(&net), h)
    };
    let (p1, h1) = run(42);
    let (p2, h2) = run(42);
    let (p3, _) = run(43);
    assert_eq!(p1, p2);
    assert_eq!(h1, h2);
    assert_ne!(p1, p3, "another seed shuffles differently");
    assert_eq!(h1.epochs(), 20);
    assert_eq!(h1.steps, 20 * 7);
    assert_eq!(h1.stopped, StopReason::Epochs);
    assert!(h1.loss[19] < 0.5 * h1.loss[0], "{:?}", h1.loss);
}

#[test]
fn one_full_batch_epoch_is_one_mean_gradient_step() {
    let data = regression(10, 2);
    let mut a: Reg<f64> = Reg::seeded(1);
    let mut b = a.clone();
    let h = fit(
        &mut a,
        &data,
        &Mse,
        &mut Sgd::new(0.1),
        FitConfig::new(1).batch_size(10).shuffle(false),
    )
    .unwrap();
    let xs: Vec<[f64; 2]> = data.iter().map(|d| d.0).collect();
    let ys: Vec<[f64; 1]> = data.iter().map(|d| d.1).collect();
    let mean = b.train_batch(&xs, &ys, &Mse, &mut Sgd::new(0.1)).unwrap();
    // `train_batch` fuses plain SGD into the gradient product (W −= (lr/n)·Σ δ⊗x) while `fit`
    // keeps the gradient to check it is finite before stepping: the same step, rounded apart.
    let (mut pa, mut pb) = ([0.0; Reg::<f64>::PARAMS], [0.0; Reg::<f64>::PARAMS]);
    a.write_params(&mut pa).unwrap();
    b.write_params(&mut pb).unwrap();
    for (x, y) in pa.iter().zip(&pb) {
        assert!((x - y).abs() <= 1e-14 * x.abs().max(1.0), "{x} vs {y}");
    }
    assert_eq!(h.loss.len(), 1);
    assert!(
        (h.loss[0] - mean).abs() <= 1e-14 * mean.abs(),
        "{} vs {mean}",
        h.loss[0]
    );
}

#[test]
fn partial_last_batch_uses_its_own_mean() {
    // 10 samples in batches of 4: 4, 4, 2. Unshuffled, so the batches are known.
    let data = regression(10, 3);
    let mut a: Reg<f64> = Reg::seeded(1);
    let mut b = a.clone();
    fit(
        &mut a,
        &data,
        &Mse,
        &mut Sgd::new(0.1),
        FitConfig::new(1).batch_size(4).shuffle(false),
    )
    .unwrap();
    for chunk in data.chunks(4) {
        let xs: Vec<[f64; 2]> = chunk.iter().map(|d| d.0).collect();
        let ys: Vec<[f64; 1]> = chunk.iter().map(|d| d.1).collect();
        b.train_batch(&xs, &ys, &Mse, &mut Sgd::new(0.1)).unwrap();
    }
    assert_eq!(a, b);
}

#[test]
fn stops_at_the_target_loss() {
    let data = regression(40, 4);
    let mut lasts = Vec::new();
    let mut net: Reg<f64> = Reg::seeded(2);
    let h = fit(
        &mut net,
        &data,
        &Mse,
        &mut Adam::new(0.02),
        FitConfig::new(10_000)
            .batch_size(8)
            .target_loss(0.01)
            .on_epoch(|r| {
                lasts.push(r.last);
                Control::Continue
            }),
    )
    .unwrap();
    assert_eq!(h.stopped, StopReason::TargetLoss);
    // The printer and other callbacks learn which epoch is the last.
    assert_eq!(lasts.iter().filter(|&&l| l).count(), 1);
    assert_eq!(lasts.last(), Some(&true));
    assert!(h.epochs() < 10_000);
    assert!(*h.loss.last().unwrap() <= 0.01);
    assert!(h.loss[..h.epochs() - 1].iter().all(|&l| l > 0.01));
}

#[test]
fn patience_stops_a_plateau() {
    // A learning rate of 0 never improves: the first epoch sets the best, then `patience`
    // epochs without improvement stop the run.
    let data = regression(20, 5);
    let mut net: Reg<f64> = Reg::seeded(2);
    let h = fit(
        &mut net,
        &data,
        &Mse,
        &mut Sgd::new(0.0),
        FitConfig::new(100).patience(3).shuffle(false),
    )
    .unwrap();
    assert_eq!(h.stopped, StopReason::Patience);
    assert_eq!(h.epochs(), 4);
}

#[test]
fn callback_sees_every_epoch_and_can_stop() {
    let data = regression(20, 6);
    let val = regression(10, 7);
    let mut seen = Vec::new();
    let mut net: Reg<f64> = Reg::seeded(2);
    let h = fit(
        &mut net,
        &data,
        &Mse,
        &mut Sgd::new(0.05),
        FitConfig::new(100)
            .batch_size(5)
            .validation(&val)
            .on_epoch(|r| {
                assert!(!r.last, "no rule stops this run before the callback does");
                seen.push((r.epoch, r.loss, r.val_loss, r.samples, r.steps));
                if r.epoch == 6 {
                    Control::Stop
                } else {
                    Control::Continue
                }
            }),
    )
    .unwrap();
    assert_eq!(h.stopped, StopReason::Callback);
    assert_eq!(h.epochs(), 6);
    assert_eq!(h.val_loss.len(), 6);
    assert!(h.accuracy.is_empty() && h.val_accuracy.is_empty());
    assert_eq!(seen.len(), 6);
    for (i, &(epoch, loss, val_loss, samples, steps)) in seen.iter().enumerate() {
        assert_eq!(epoch, i + 1);
        assert_eq!(loss, h.loss[i]);
        assert_eq!(val_loss, Some(h.val_loss[i]));
        assert_eq!(samples, 20);
        assert_eq!(steps, 4 * (i + 1));
    }
    // The validation loss is the mean loss over the validation set after the epoch.
    assert_eq!(*h.val_loss.last().unwrap(), mean_loss(&net, &val, &Mse));
}

#[test]
fn divergence_is_an_error_and_keeps_finite_parameters() {
    let data = regression(20, 8);
    let mut net: Reg<f64> = Reg::seeded(2);
    let err = fit(
        &mut net,
        &data,
        &Mse,
        &mut Sgd::new(1e200),
        FitConfig::new(50).batch_size(4),
    )
    .unwrap_err();
    // The first step is finite but enormous; the second meets an infinite loss and is refused.
    assert_eq!(err, network::Diverged { epoch: 1, step: 2 });
    assert!(net.all_finite(), "parameters must stay finite");
    assert!(err.to_string().contains("diverged"));
}

#[test]
fn a_step_that_overflows_a_parameter_is_undone() {
    // Targets of 100 give gradients of about −200; times f64::MAX that overflows to infinity
    // on the very first step, which is rolled back.
    let data: Vec<([f64; 2], [f64; 1])> = regression(8, 10)
        .into_iter()
        .map(|(x, _)| (x, [100.0]))
        .collect();
    let mut net: Reg<f64> = Reg::seeded(2);
    let before = net.clone();
    let err = fit(
        &mut net,
        &data,
        &Mse,
        &mut Sgd::new(f64::MAX),
        FitConfig::new(3),
    )
    .unwrap_err();
    assert_eq!(err, network::Diverged { epoch: 1, step: 1 });
    assert_eq!(net, before, "the overflowing step is undone");
}

#[test]
fn non_finite_data_is_reported_at_its_step() {
    let mut data = regression(8, 9);
    data[5].1[0] = f64::NAN;
    let mut net: Reg<f64> = Reg::seeded(2);
    let before = net.clone();
    let err = fit(
        &mut net,
        &data,
        &Mse,
        &mut Sgd::new(0.1),
        FitConfig::new(3).batch_size(2).shuffle(false),
    )
    .unwrap_err();
    // Batches [0,1], [2,3], [4,5]: the third step meets the NaN and is refused.
    assert_eq!(err, network::Diverged { epoch: 1, step: 3 });
    assert!(net.all_finite());
    assert_ne!(net, before, "the two good steps were taken");
}

#[test]
fn classification_with_accuracy_and_helpers() {
    let train = blobs(90, 1);
    let test = blobs(30, 2);
    let mut net: Cls = Cls::seeded(3);
    let h = fit(
        &mut net,
        &train,
        &CrossEntropy,
        &mut Adam::new(0.02),
        FitConfig::new(60)
            .batch_size(10)
            .seed(1)
            .accuracy()
            .validation(&test),
    )
    .unwrap();
    assert_eq!(h.accuracy.len(), 60);
    assert_eq!(h.val_accuracy.len(), 60);
    let acc = accuracy(&net, &test);
    assert_eq!(acc, *h.val_accuracy.last().unwrap());
    assert!(acc >= 0.95, "accuracy {acc}");
    let m: ConfusionMatrix<3> = confusion_matrix(&net, &test);
    assert_eq!(m.total(), 30);
    assert_eq!(m.accuracy(), acc);
    for (i, (x, y)) in test.iter().enumerate() {
        let p = predict_class(&net, x);
        assert!(p < 3);
        assert_eq!(argmax(y), i % 3);
    }
    let table = m.to_string();
    assert!(table.contains("actual"), "{table}");
}

#[test]
fn accuracy_of_a_single_sigmoid_output_thresholds_at_half() {
    network! { struct Bin < dense(1 -> 1, sigmoid) > }
    let mut net: Bin<f64> = Bin::zeroed();
    // ŷ = σ(10·x): above 0.5 exactly when x > 0.
    net.read_params(&[10.0, 0.0]).unwrap();
    let data = [
        ([1.0], [1.0]),
        ([-1.0], [0.0]),
        ([2.0], [0.0]),
        ([-3.0], [1.0]),
    ];
    assert_eq!(accuracy(&net, &data), 0.5);
    let m: ConfusionMatrix<2> = confusion_matrix(&net, &data);
    assert_eq!(m.counts, [[1, 1], [1, 1]]);
}

#[test]
fn summary_table_and_display() {
    network! {
        /// For the summary.
        #[derive(Debug)]
        pub struct Mlp < dense(4 -> 16, gelu), hidden: dense(16 -> 16, elu(0.5)), dense(16 -> 3, softmax) >
    }
    let net: Mlp = Mlp::seeded(0);
    let want = "\
Mlp (f32): 4 inputs, 3 outputs
layer   kind   inputs  outputs  activation  params
--------------------------------------------------
l1      dense       4       16  gelu            80
hidden  dense      16       16  elu(0.5)       272
l3      dense      16        3  softmax         51
--------------------------------------------------
total parameters: 403 (1612 bytes)
memory: network 1624 B, gradients 1612 B, trace 296 B
optimizer state: SGD 8 B, momentum 1628 B, Adam 3248 B, AdamW 3248 B
batched step scratch: 13440 B (32 rows per chunk)";
    assert_eq!(net.summary().to_string(), want);
    assert_eq!(net.to_string(), want);
    assert_eq!(Mlp::<f32>::PARAMS, 403);
    // `#[derive(Debug)]` still works beside the generated `Display`.
    assert!(format!("{net:?}").starts_with("Mlp"));
}

#[test]
fn per_epoch_schedule_is_driven_by_fit() {
    // One full batch per epoch, unshuffled: fit with a step-decay schedule must equal plain
    // SGD steps at rates 0.1, 0.1, 0.05, 0.05, 0.025.
    let data = regression(16, 11);
    let schedule = StepDecay {
        initial: 0.1,
        gamma: 0.5,
        every: 2,
    };
    let mut opt = Scheduled::per_epoch(Sgd::new(1.0), schedule);
    let mut a: Reg<f64> = Reg::seeded(2);
    let mut b = a.clone();
    fit(
        &mut a,
        &data,
        &Mse,
        &mut opt,
        FitConfig::new(5).batch_size(16).shuffle(false),
    )
    .unwrap();
    let xs: Vec<[f64; 2]> = data.iter().map(|d| d.0).collect();
    let ys: Vec<[f64; 1]> = data.iter().map(|d| d.1).collect();
    for lr in [0.1, 0.1, 0.05, 0.05, 0.025] {
        b.train_batch(&xs, &ys, &Mse, &mut Sgd::new(lr)).unwrap();
    }
    assert_eq!(a, b);
    assert_eq!(opt.learning_rate(), 0.025);
}

#[test]
fn clipped_adam_trains_inside_fit() {
    let data = regression(64, 12);
    let mut net: Reg<f64> = Reg::seeded(4);
    let before = mean_loss(&net, &data, &Huber::default());
    let h = fit(
        &mut net,
        &data,
        &Huber::default(),
        &mut network::ClipNorm::new(AdamW::new(0.01), 0.5),
        FitConfig::new(100).batch_size(16).on_epoch(progress(50)),
    )
    .unwrap();
    let after = mean_loss(&net, &data, &Huber::default());
    assert!(after < 0.2 * before, "{before} -> {after}");
    assert_eq!(h.epochs(), 100);
}
