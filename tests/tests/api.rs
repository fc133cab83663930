//! The generated API: constants, constructors, parameter I/O, gradients, traces and training
//! steps, checked against values worked out independently.

use network::prelude::*;
use network::{LayerInfo, Rng};

network! {
    /// A network with named layers and a trailing comma.
    #[derive(Clone, Debug, PartialEq)]
    pub struct Named <
        hidden: dense(3 -> 4, relu),
        out: dense(4 -> 2, identity),
    >

    #[derive(Clone, Copy, Debug, PartialEq, Default)]
    struct Tiny < dense(2 -> 2, sigmoid), dense(2 -> 1, sigmoid) >

    struct Leaky < dense(2 -> 3, leaky_relu(0.25)), dense(3 -> 2, leaky_relu) >

    struct Wide < dense(40 -> 33, tanh), dense(33 -> 40, relu) >
}

#[test]
fn constants_describe_the_architecture() {
    assert_eq!(Named::<f32>::INPUTS, 3);
    assert_eq!(Named::<f32>::OUTPUTS, 2);
    assert_eq!(Named::<f32>::LAYERS, 2);
    assert_eq!(Named::<f32>::PARAMS, 3 * 4 + 4 + 4 * 2 + 2);
    assert_eq!(<Named as Parameters<f32>>::PARAMS, Named::<f32>::PARAMS);
    assert_eq!(<Named as Parameters<f32>>::TENSORS, 4);
    assert_eq!(
        <Leaky as Architecture<f32>>::LAYOUT,
        &[
            LayerInfo {
                name: "l1",
                kind: "dense",
                inputs: 2,
                outputs: 3,
                activation: "leaky_relu(0.25)"
            },
            LayerInfo {
                name: "l2",
                kind: "dense",
                inputs: 3,
                outputs: 2,
                activation: "leaky_relu(0.01)"
            },
        ]
    );
    let names: Vec<_> = (0..4)
        .map(<Named as Parameters<f32>>::tensor_name)
        .collect();
    assert_eq!(
        names,
        ["hidden.weight", "hidden.bias", "out.weight", "out.bias"]
    );
    assert_eq!(<Named as Parameters<f32>>::tensor_shape(0), &[4, 3]);
    assert_eq!(<Named as Parameters<f32>>::tensor_shape(3), &[2]);
    assert_eq!(<Named as Parameters<f32>>::tensor_name(4), "");
}

#[test]
fn layers_are_typed_dense_fields() {
    let net: Named = Named::zeroed();
    let hidden: &network::Dense<f32, 3, 4, Relu> = &net.hidden;
    let out: &network::Dense<f32, 4, 2, Identity> = &net.out;
    assert_eq!(hidden.weight, [[0.0; 3]; 4]);
    assert_eq!(out.bias, [0.0; 2]);
    let leaky = Leaky::<f64>::zeroed();
    assert_eq!(leaky.l1.activation, LeakyRelu::new(0.25));
    assert_eq!(leaky.l2.activation, LeakyRelu::new(0.01));
}

#[test]
fn user_derives_work() {
    let a: Named = Named::seeded(5);
    let b = a.clone();
    assert_eq!(a, b);
    assert!(format!("{a:?}").contains("hidden"));
    let t: Tiny<f64> = Tiny::default();
    let u = t;
    assert_eq!(t, u);
}

#[test]
fn seeded_is_deterministic_and_uses_the_right_scheme() {
    let a: Wide = Wide::seeded(42);
    let b: Wide = Wide::seeded(42);
    let c: Wide = Wide::seeded(43);
    assert_eq!(a.l1.weight, b.l1.weight);
    assert_eq!(a.l2.weight, b.l2.weight);
    assert_ne!(a.l1.weight, c.l1.weight);
    assert_eq!(a.l1.bias, [0.0; 33]);
    assert_eq!(a.l2.bias, [0.0; 40]);

    // Glorot for tanh: U(±√(6/(40+33))); He for relu: U(±√(6/33)).
    let glorot = (6.0f64 / 73.0).sqrt() as f32;
    let he = (6.0f64 / 33.0).sqrt() as f32;
    let max1 =
        a.l1.weight
            .as_flattened()
            .iter()
            .fold(0.0f32, |m, w| m.max(w.abs()));
    let max2 =
        a.l2.weight
            .as_flattened()
            .iter()
            .fold(0.0f32, |m, w| m.max(w.abs()));
    assert!(max1 <= glorot && max1 > 0.95 * glorot, "{max1} vs {glorot}");
    assert!(max2 <= he && max2 > 0.95 * he, "{max2} vs {he}");
    // Mean near zero: the draw is symmetric.
    let mean: f32 = a.l2.weight.as_flattened().iter().sum::<f32>() / 1320.0;
    assert!(mean.abs() < 0.03, "{mean}");
}

#[test]
fn forward_is_the_layer_chain() {
    let mut net = Tiny::<f64>::zeroed();
    net.l1.weight = [[1.0, -1.0], [0.5, 2.0]];
    net.l1.bias = [0.1, -0.2];
    net.l2.weight = [[1.5, -0.5]];
    net.l2.bias = [0.3];
    let x = [0.4, 0.9];
    let s = |z: f64| 1.0 / (1.0 + (-z).exp());
    let h = [s(0.4 - 0.9 + 0.1), s(0.2 + 1.8 - 0.2)];
    let want = s(1.5 * h[0] - 0.5 * h[1] + 0.3);
    let got = net.forward(&x)[0];
    assert!((got - want).abs() < 1e-15);

    let trace = net.forward_trace(&x);
    assert_eq!(trace.input, x);
    assert!((trace.l1.z[0] - (0.4 - 0.9 + 0.1)).abs() < 1e-15);
    assert_eq!(trace.l1.a, [s(trace.l1.z[0]), s(trace.l1.z[1])]);
    assert_eq!(trace.l2.a[0], got);
}

/// The bias gradient is δ itself and the weight gradient is δ ⊗ a_prev, worked out by hand
/// for a 2-2-1 sigmoid network with MSE.
#[test]
fn backprop_by_hand() {
    let mut net = Tiny::<f64>::zeroed();
    net.l1.weight = [[0.15, 0.20], [0.25, 0.30]];
    net.l1.bias = [0.35, 0.35];
    net.l2.weight = [[0.40, 0.45]];
    net.l2.bias = [0.60];
    let x = [0.05, 0.10];
    let y = [0.01];
    let s = |z: f64| 1.0 / (1.0 + (-z).exp());

    let z1 = [
        0.15 * 0.05 + 0.20 * 0.10 + 0.35,
        0.25 * 0.05 + 0.30 * 0.10 + 0.35,
    ];
    let a1 = [s(z1[0]), s(z1[1])];
    let z2 = 0.40 * a1[0] + 0.45 * a1[1] + 0.60;
    let a2 = s(z2);
    let loss = (a2 - 0.01) * (a2 - 0.01);
    let d2 = 2.0 * (a2 - 0.01) * a2 * (1.0 - a2);
    let d1 = [
        0.40 * d2 * a1[0] * (1.0 - a1[0]),
        0.45 * d2 * a1[1] * (1.0 - a1[1]),
    ];

    let (value, g) = net.backprop(&x, &y, &Mse);
    let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-15, "{a} vs {b}");
    close(value, loss);
    close(g.l2.bias[0], d2);
    close(g.l2.weight[0][0], d2 * a1[0]);
    close(g.l2.weight[0][1], d2 * a1[1]);
    for (j, &dj) in d1.iter().enumerate() {
        close(g.l1.bias[j], dj);
        for (i, &xi) in x.iter().enumerate() {
            close(g.l1.weight[j][i], dj * xi);
        }
    }

    // One SGD step moves every parameter by −α·∂L/∂p, biases exactly like weights.
    let before = net;
    let returned = net.train_step(&x, &y, &Mse, &mut Sgd::new(0.5));
    close(returned, loss);
    close(net.l2.bias[0], before.l2.bias[0] - 0.5 * d2);
    close(net.l1.bias[1], before.l1.bias[1] - 0.5 * d1[1]);
    close(
        net.l1.weight[1][0],
        before.l1.weight[1][0] - 0.5 * d1[1] * x[0],
    );
    assert!(net.loss(&x, &y, &Mse) < loss);
}

#[test]
fn backward_adds_into_the_gradients() {
    let net: Tiny<f64> = Tiny::seeded(9);
    let x = [0.3, -0.6];
    let trace = net.forward_trace(&x);
    let mut once = TinyGradients::zeroed();
    net.backward(&trace, &[1.0], &mut once);
    let mut twice = once;
    net.backward(&trace, &[1.0], &mut twice);
    let mut doubled = once;
    doubled *= 2.0;
    assert_eq!(twice, doubled);
    let mut sum = TinyGradients::zeroed();
    sum += &once;
    sum += &once;
    assert_eq!(sum, doubled);
    sum.set_zero();
    assert_eq!(sum, TinyGradients::default());
}

#[test]
fn train_batch_uses_the_mean_gradient() {
    let start: Tiny<f64> = Tiny::seeded(1);
    let xs = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    let ys = [[1.0], [1.0], [0.0]];

    let mut mean = TinyGradients::zeroed();
    let mut mean_loss = 0.0;
    for (x, y) in xs.iter().zip(&ys) {
        let (l, g) = start.backprop(x, y, &Mse);
        mean += &g;
        mean_loss += l / 3.0;
    }
    mean *= 1.0 / 3.0;
    let mut want = start;
    Optimizer::<f64, Tiny<f64>>::step(&mut Sgd::new(0.2), &mut want, &mean);

    let mut net = start;
    let loss = net.train_batch(&xs, &ys, &Mse, &mut Sgd::new(0.2)).unwrap();
    assert!((loss - mean_loss).abs() < 1e-15);
    let (mut a, mut b) = ([0.0; 9], [0.0; 9]);
    net.write_params(&mut a).unwrap();
    want.write_params(&mut b).unwrap();
    for (a, b) in a.iter().zip(&b) {
        assert!((a - b).abs() < 1e-15);
    }
}

#[test]
fn bad_batches_are_errors_and_change_nothing() {
    let mut net: Tiny<f64> = Tiny::seeded(2);
    let before = net;
    let mut sgd = Sgd::new(0.1);
    assert_eq!(
        net.train_batch(&[], &[], &Mse, &mut sgd),
        Err(Error::EmptyBatch)
    );
    assert_eq!(
        net.train_batch(&[[0.0, 1.0], [1.0, 1.0]], &[[1.0]], &Mse, &mut sgd),
        Err(Error::BatchLength {
            inputs: 2,
            targets: 1
        })
    );
    assert_eq!(net, before);
    assert_eq!(
        Error::EmptyBatch.to_string(),
        "a mini-batch needs at least one sample"
    );
}

#[test]
fn params_round_trip_in_pytorch_order() {
    let mut net = Named::<f64>::zeroed();
    let flat: Vec<f64> = (0..Named::<f64>::PARAMS).map(|i| i as f64).collect();
    net.read_params(&flat).unwrap();
    // hidden.weight row by row, hidden.bias, out.weight, out.bias.
    assert_eq!(net.hidden.weight[0], [0.0, 1.0, 2.0]);
    assert_eq!(net.hidden.weight[3], [9.0, 10.0, 11.0]);
    assert_eq!(net.hidden.bias, [12.0, 13.0, 14.0, 15.0]);
    assert_eq!(net.out.weight[1], [20.0, 21.0, 22.0, 23.0]);
    assert_eq!(net.out.bias, [24.0, 25.0]);
    let mut back = vec![0.0; Named::<f64>::PARAMS];
    net.write_params(&mut back).unwrap();
    assert_eq!(back, flat);

    let same = net.clone();
    assert_eq!(
        net.read_params(&flat[1..]),
        Err(Error::ParamLength {
            expected: 26,
            found: 25
        })
    );
    let mut long = flat.clone();
    long.push(0.0);
    assert_eq!(
        net.read_params(&long),
        Err(Error::ParamLength {
            expected: 26,
            found: 27
        })
    );
    assert_eq!(net, same);
    let mut short = vec![-1.0; 3];
    assert!(net.write_params(&mut short).is_err());
    assert_eq!(short, [-1.0; 3]);

    // Gradients use the same order.
    let (_, g) = net.backprop(&[1.0, 2.0, 3.0], &[0.0, 1.0], &Mse);
    let mut gflat = vec![0.0; 26];
    g.write_params(&mut gflat).unwrap();
    assert_eq!(gflat[12..16], g.hidden.bias);
    assert_eq!(gflat[24..], g.out.bias);
}

#[test]
fn default_scalar_is_f32_and_f64_works() {
    let a: Tiny = Tiny::seeded(3);
    let out: [f32; 1] = a.forward(&[0.5, 0.5]);
    let b = Tiny::<f64>::seeded(3);
    let out64: [f64; 1] = b.forward(&[0.5, 0.5]);
    assert!((out[0] as f64 - out64[0]).abs() < 1e-6);
}

/// Generic code over `Network` works for any generated network.
fn train_generic<N: Network<f64>, L: Loss<f64, N::OutputActivation>>(
    net: &mut N,
    data: &[(N::Input, N::Output)],
    loss: &L,
    epochs: usize,
) -> (f64, f64) {
    let mean =
        |net: &N| data.iter().map(|(x, y)| net.loss(x, y, loss)).sum::<f64>() / data.len() as f64;
    let before = mean(net);
    let mut sgd = Sgd::new(0.5);
    for _ in 0..epochs {
        for (x, y) in data {
            net.train_step(x, y, loss, &mut sgd);
        }
    }
    (before, mean(net))
}

#[test]
fn generic_training_learns() {
    let mut rng = Rng::new(8);
    let data: Vec<([f64; 2], [f64; 1])> = (0..40)
        .map(|_| {
            let x = [rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)];
            (x, [if x[0] * x[1] > 0.0 { 1.0 } else { 0.0 }])
        })
        .collect();
    let mut net = Tiny::<f64>::seeded(8);
    let (before, after) = train_generic(&mut net, &data, &BinaryCrossEntropy, 300);
    assert!(after < 0.5 * before, "loss {before} -> {after}");
}
