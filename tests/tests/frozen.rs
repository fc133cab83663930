//! `freeze()`: the inference form of a network computes what the network computes, within
//! rounding (its sums run in another order), for dense networks of many shapes and sequence
//! networks stepped through time, in `f32` and `f64`. These run with the instruction set this
//! process chose (`NETWORK_SIMD` caps it); `network-core`'s unit tests compare the frozen layers
//! at every level the CPU has.

use network::prelude::*;
use network::{Float, Rng};

network! {
    /// 2-8-1 with `tanh` and `sigmoid`.
    struct Xor < dense(2 -> 8, tanh), dense(8 -> 1, sigmoid) >
    /// One linear layer.
    struct Lin8 < dense(8 -> 8, identity) >
    /// One square `tanh` layer.
    struct Tanh16 < dense(16 -> 16, tanh) >
    /// One square `relu` layer.
    struct Relu64 < dense(64 -> 64, relu) >
    /// The MNIST classifier.
    struct Mnist < dense(784 -> 128, relu), dense(128 -> 10, softmax) >
    /// Odd widths, no multiple of a vector's lanes.
    struct Odd < dense(3 -> 5, tanh), dense(5 -> 13, leaky_relu(0.1)), dense(13 -> 7, identity),
                 dense(7 -> 2, sigmoid) >
    /// One input, one output.
    struct One < dense(1 -> 1, identity) >
    /// A GRU under a dense `tanh` layer.
    struct GruNet < gru(3 -> 8), dense(8 -> 2, tanh) >
    /// An LSTM between dense layers.
    struct LstmNet < dense(2 -> 4, relu), lstm(4 -> 6), dense(6 -> 1, identity) >
    /// Two recurrent layers of RTNeural's widths.
    struct Stack < gru(1 -> 16), lstm(16 -> 8), dense(8 -> 1, identity) >
}

/// `n` inputs uniform in `[-scale, scale)`.
fn inputs<T: Float, const I: usize>(seed: u64, n: usize, scale: f64) -> Vec<[T; I]> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| std::array::from_fn(|_| rng.uniform(-scale, scale)))
        .collect()
}

/// Every parameter moved by a uniform draw in `±0.2`, so that the biases are not zero.
fn perturb<T: Float, N: Parameters<T>>(net: &mut N, seed: u64) {
    let mut params = vec![T::zero(); N::PARAMS];
    net.write_params(&mut params).unwrap();
    let mut rng = Rng::new(seed);
    for p in &mut params {
        *p += rng.uniform::<T>(-0.2, 0.2);
    }
    net.read_params(&params).unwrap();
}

/// `got` within `tol` of `want`, relative, with a floor of `tol` near zero.
fn assert_close<T: Float>(got: &[T], want: &[T], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len());
    for (&g, &w) in got.iter().zip(want) {
        let (g, w) = (g.as_f64(), w.as_f64());
        assert!(
            (g - w).abs() <= tol * w.abs().max(1.0),
            "{what}: {g} against {w}"
        );
    }
}

/// The scalar type's tolerance: about a hundred ulps of the result.
fn tol<T: Float>() -> f64 {
    if T::NAME == "f32" { 1e-5 } else { 1e-12 }
}

/// A dense network's frozen `forward` against its `forward` on 200 inputs, and the frozen
/// `forward_batch` and `forward_with` inside `with_simd` (its closure inlined or not) against
/// the frozen `forward`, bit for bit (one instruction set, the same code per sample), and the
/// network's `forward_with` against its `forward`.
macro_rules! check_dense {
    ($net:ident, $t:ty, $seed:expr) => {{
        let mut net: Box<$net<$t>> = $net::boxed_seeded($seed);
        perturb(&mut *net, $seed + 100);
        let frozen = Box::new(net.freeze());
        const I: usize = $net::<f32>::INPUTS;
        const O: usize = $net::<f32>::OUTPUTS;
        assert_eq!(($net::<$t>::INPUTS, $net::<$t>::OUTPUTS), (I, O));
        let xs = inputs::<$t, I>($seed + 200, 200, 2.0);
        let mut ys = vec![[0.0 as $t; O]; xs.len()];
        frozen.forward_batch(&xs, &mut ys);
        let inlined: Vec<[$t; O]> = network::with_simd(
            #[inline(always)]
            |simd| xs.iter().map(|x| frozen.forward_with(simd, x)).collect(),
        );
        let called: Vec<[$t; O]> =
            network::with_simd(|simd| xs.iter().map(|x| frozen.forward_with(simd, x)).collect());
        let trainable: Vec<[$t; O]> = network::with_simd(
            #[inline(always)]
            |simd| xs.iter().map(|x| net.forward_with(simd, x)).collect(),
        );
        let what = concat!(stringify!($net), "<", stringify!($t), ">");
        for (k, (x, y)) in xs.iter().zip(&ys).enumerate() {
            let want = net.forward(x);
            let got = frozen.forward(x);
            assert_close(&got, &want, tol::<$t>(), what);
            assert_eq!(
                y.map(|v| v.as_f64().to_bits()),
                got.map(|v| v.as_f64().to_bits()),
                "{what}: forward_batch"
            );
            assert_eq!(
                trainable[k].map(|v| v.as_f64().to_bits()),
                want.map(|v| v.as_f64().to_bits()),
                "{what}: the network's forward_with"
            );
            for (with, how) in [(&inlined[k], "inlined"), (&called[k], "called")] {
                assert_eq!(
                    with.map(|v| v.as_f64().to_bits()),
                    got.map(|v| v.as_f64().to_bits()),
                    "{what}: forward_with, {how}"
                );
            }
        }
    }};
}

#[test]
fn frozen_dense_networks_forward_as_the_networks_do() {
    check_dense!(Xor, f32, 1);
    check_dense!(Xor, f64, 1);
    check_dense!(Lin8, f32, 2);
    check_dense!(Lin8, f64, 2);
    check_dense!(Tanh16, f32, 3);
    check_dense!(Tanh16, f64, 3);
    check_dense!(Relu64, f32, 4);
    check_dense!(Relu64, f64, 4);
    check_dense!(Odd, f32, 5);
    check_dense!(Odd, f64, 5);
    check_dense!(One, f32, 6);
    check_dense!(One, f64, 6);
}

#[test]
fn a_frozen_mnist_classifier_forwards_as_the_network_does() {
    // The frozen f64 network is 800 KiB by value: more than a test thread's stack holds in a
    // debug build, where it is copied on its way into the box.
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(|| {
            check_dense!(Mnist, f32, 7);
            check_dense!(Mnist, f64, 7);
        })
        .unwrap()
        .join()
        .unwrap();
}

/// A frozen layer holds the trainable layer's weights transposed and its biases as they are.
#[test]
fn freezing_transposes_each_dense_layer() {
    let mut net: Odd = Odd::seeded(9);
    perturb(&mut net, 10);
    let frozen = net.freeze();
    for i in 0..5 {
        for j in 0..13 {
            assert_eq!(frozen.l2.weight_t[i][j], net.l2.weight[j][i]);
        }
    }
    assert_eq!(frozen.l4.bias, net.l4.bias);
    assert_eq!(frozen.l2.activation, net.l2.activation);
    assert_eq!(frozen.l3.thaw(), net.l3);
    // A copy: training the network afterwards leaves the frozen one as it was.
    let before = frozen.forward(&[0.5, -0.5, 0.25]);
    net.train_step(&[0.5, -0.5, 0.25], &[1.0, 0.0], &Mse, &mut Sgd::new(0.5));
    assert_eq!(net.freeze().l4.thaw(), net.l4);
    assert_eq!(frozen.forward(&[0.5, -0.5, 0.25]), before);
    assert_ne!(net.forward(&[0.5, -0.5, 0.25]), before);
}

/// A sequence network's frozen `step` against its `step` over 100 steps from the same state,
/// the states within rounding too, and the frozen `step_block` and `step_with` inside
/// `with_simd` against the frozen `step`, bit for bit, as the network's `step_with` against its
/// `step`.
macro_rules! check_sequence {
    ($net:ident, $state:ident, $t:ty, $seed:expr, [$($l:ident),+]) => {{
        let mut net: $net<$t> = $net::seeded($seed);
        perturb(&mut net, $seed + 100);
        let frozen = net.freeze();
        const I: usize = $net::<f32>::INPUTS;
        const O: usize = $net::<f32>::OUTPUTS;
        let xs = inputs::<$t, I>($seed + 200, 100, 1.5);
        let what = concat!(stringify!($net), "<", stringify!($t), ">");
        let (mut trained, mut stepped, mut blocked) =
            ($state::default(), $state::default(), $state::default());
        let mut ys = vec![[0.0 as $t; O]; xs.len()];
        frozen.step_block(&mut blocked, &xs, &mut ys);
        let (mut simd_state, mut net_simd_state) = ($state::default(), $state::default());
        let (with, net_with): (Vec<[$t; O]>, Vec<[$t; O]>) = network::with_simd(
            #[inline(always)]
            |simd| {
                xs.iter()
                    .map(|x| {
                        (
                            frozen.step_with(simd, &mut simd_state, x),
                            net.step_with(simd, &mut net_simd_state, x),
                        )
                    })
                    .unzip()
            },
        );
        for (t, (x, y)) in xs.iter().zip(&ys).enumerate() {
            let want = net.step(&mut trained, x);
            let got = frozen.step(&mut stepped, x);
            assert_close(&got, &want, tol::<$t>(), &format!("{what}, step {t}"));
            assert_eq!(
                y.map(|v| v.as_f64().to_bits()),
                got.map(|v| v.as_f64().to_bits()),
                "{what}: step_block, step {t}"
            );
            assert_eq!(
                with[t].map(|v| v.as_f64().to_bits()),
                got.map(|v| v.as_f64().to_bits()),
                "{what}: step_with, step {t}"
            );
            assert_eq!(
                net_with[t].map(|v| v.as_f64().to_bits()),
                want.map(|v| v.as_f64().to_bits()),
                "{what}: the network's step_with, step {t}"
            );
            $(
                let layer = format!("{what}, {} at step {t}", stringify!($l));
                assert_state_close(&stepped.$l, &trained.$l, tol::<$t>(), &layer);
            )+
        }
        assert_eq!(stepped, blocked, "{what}: step_block's state");
        assert_eq!(stepped, simd_state, "{what}: step_with's state");
        assert_eq!(trained, net_simd_state, "{what}: the network's step_with's state");
    }};
}

/// The values of a layer's state: none for a dense layer, `h` for a GRU, `h` and `c` for an
/// LSTM.
trait Values {
    fn values(&self) -> Vec<f64>;
}

impl Values for () {
    fn values(&self) -> Vec<f64> {
        Vec::new()
    }
}

impl<T: Float, const H: usize> Values for [T; H] {
    fn values(&self) -> Vec<f64> {
        self.iter().map(|v| v.as_f64()).collect()
    }
}

impl<T: Float, const H: usize> Values for network::LstmState<T, H> {
    fn values(&self) -> Vec<f64> {
        let mut v = self.h.values();
        v.extend(self.c.values());
        v
    }
}

/// A layer's state within `tol` of the trainable network's.
fn assert_state_close<S: Values>(got: &S, want: &S, tol: f64, what: &str) {
    assert_close(&got.values(), &want.values(), tol, what);
}

#[test]
fn frozen_sequence_networks_step_as_the_networks_do() {
    check_sequence!(GruNet, GruNetState, f32, 11, [l1, l2]);
    check_sequence!(GruNet, GruNetState, f64, 11, [l1, l2]);
    check_sequence!(LstmNet, LstmNetState, f32, 12, [l1, l2, l3]);
    check_sequence!(LstmNet, LstmNetState, f64, 12, [l1, l2, l3]);
    check_sequence!(Stack, StackState, f32, 13, [l1, l2, l3]);
    check_sequence!(Stack, StackState, f64, 13, [l1, l2, l3]);
}

/// A frozen network picks up a stream where the trainable network left it: the state is the
/// same type.
#[test]
fn a_frozen_sequence_network_continues_the_networks_state() {
    let mut net: GruNet = GruNet::seeded(3);
    perturb(&mut net, 4);
    let xs = inputs::<f32, 3>(5, 40, 1.0);
    let mut state = GruNetState::default();
    for x in &xs[..20] {
        net.step(&mut state, x);
    }
    let frozen = net.freeze();
    let mut theirs = state;
    for x in &xs[20..] {
        let want = net.step(&mut theirs, x);
        let got = frozen.step(&mut state, x);
        assert_close(&got, &want, 1e-5, "continued");
    }
}

/// `freeze_into` and `boxed_freeze` give `freeze`'s layers exactly, over a stale frozen network
/// as well as a zeroed one.
#[test]
fn freeze_into_and_boxed_freeze_are_freeze() {
    let mut odd: Odd = Odd::seeded(20);
    let mut stale = odd.freeze();
    perturb(&mut odd, 21);
    odd.freeze_into(&mut stale);
    let (fresh, boxed) = (odd.freeze(), odd.boxed_freeze());
    for f in [&stale, &*boxed] {
        assert_eq!(
            (f.l1, f.l2, f.l3, f.l4),
            (fresh.l1, fresh.l2, fresh.l3, fresh.l4)
        );
    }
    let mut lstm: LstmNet<f64> = LstmNet::seeded(22);
    let mut stale = lstm.freeze();
    perturb(&mut lstm, 23);
    lstm.freeze_into(&mut stale);
    let (fresh, boxed) = (lstm.freeze(), lstm.boxed_freeze());
    for f in [&stale, &*boxed] {
        assert_eq!((f.l1, f.l2, f.l3), (fresh.l1, fresh.l2, fresh.l3));
    }
    let mut gru: Stack = Stack::seeded(24);
    let mut stale = gru.freeze();
    perturb(&mut gru, 25);
    gru.freeze_into(&mut stale);
    let (fresh, boxed) = (gru.freeze(), gru.boxed_freeze());
    for f in [&stale, &*boxed] {
        assert_eq!((f.l1, f.l2, f.l3), (fresh.l1, fresh.l2, fresh.l3));
    }
}
