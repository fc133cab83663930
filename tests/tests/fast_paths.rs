//! The fast paths (fused per-sample SGD, batched matrix products, SIMD kernels) against the
//! simple path they replace: the same numbers, bit for bit with the portable `f64` kernels and
//! to float rounding with the `f32` SIMD kernels.

use network::Rng;
use network::prelude::*;

network! {
    struct Mlp < dense(20 -> 24, tanh), dense(24 -> 17, leaky_relu(0.1)), dense(17 -> 5, softmax) >
    struct Mnist < dense(784 -> 128, relu), dense(128 -> 10, softmax) >
    struct Wide < dense(3 -> 40, sigmoid), dense(40 -> 2, identity) >
}

/// Plain SGD that hides itself from the fused paths, so training takes the unfused route.
struct Unfused<T>(Sgd<T>);

impl<T: Float, N: Network<T>> Optimizer<T, N> for Unfused<T> {
    fn step(&mut self, net: &mut N, grads: &N::Gradients) {
        self.0.step(net, grads)
    }
}

fn data<T: Float, N: Network<T>>(n: usize, seed: u64) -> (Vec<N::Input>, Vec<N::Output>) {
    let mut rng = Rng::new(seed);
    let xs = (0..n)
        .map(|_| {
            let mut x = <N::Input as network::Vector<T>>::zeroed();
            x.as_mut()
                .iter_mut()
                .for_each(|v| *v = rng.uniform(-1.0, 1.5));
            x
        })
        .collect();
    let ys = (0..n)
        .map(|_| {
            let mut y = <N::Output as network::Vector<T>>::zeroed();
            let k = (rng.next_u64() % y.as_ref().len() as u64) as usize;
            y.as_mut()[k] = T::one();
            y
        })
        .collect();
    (xs, ys)
}

/// Runs `f` on a thread with a large stack: these tests keep several copies of the f64 MNIST
/// network (800 KB each) around, which is not what they test.
fn big_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(64 << 20)
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

fn assert_close<T: Float>(a: &[T], b: &[T], tol: f64, what: &str) {
    let worst = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x.as_f64() - y.as_f64()).abs() / (1.0 + y.as_f64().abs()))
        .fold(0.0, f64::max);
    assert!(
        worst <= tol,
        "{what}: worst relative difference {worst:e} > {tol:e}"
    );
}

/// `train_step` with `Sgd` (fused) against `Unfused` (backprop, then `Sgd::step`).
fn per_sample<T: Float, N: Network<T>, L: Loss<T, N::OutputActivation>>(loss: L, tol: f64) {
    let (xs, ys) = data::<T, N>(40, 3);
    let mut fused = N::seeded(7);
    let mut plain = N::seeded(7);
    let (mut sgd, mut unfused) = (Sgd::new(T::cast(0.05)), Unfused(Sgd::new(T::cast(0.05))));
    for (x, y) in xs.iter().zip(&ys) {
        let lf = fused.train_step(x, y, &loss, &mut sgd);
        let lp = plain.train_step(x, y, &loss, &mut unfused);
        assert_close(&[lf], &[lp], tol, "loss");
    }
    assert_close(
        &params(&fused),
        &params(&plain),
        tol,
        "parameters after 40 steps",
    );
    assert_ne!(
        params(&fused),
        params(&N::seeded(7)),
        "training changed nothing"
    );
    if tol == 0.0 {
        assert_eq!(params(&fused), params(&plain));
    }
}

#[test]
fn fused_sgd_step_is_bit_identical_with_portable_f64_kernels() {
    big_stack(|| {
        per_sample::<f64, Mlp<f64>, _>(CrossEntropy, 0.0);
        per_sample::<f64, Wide<f64>, _>(Mse, 0.0);
        per_sample::<f64, Mnist<f64>, _>(CrossEntropy, 0.0);
    });
}

#[test]
fn fused_sgd_step_matches_to_rounding_in_f32() {
    big_stack(|| {
        per_sample::<f32, Mlp<f32>, _>(CrossEntropy, 1e-5);
        per_sample::<f32, Wide<f32>, _>(Mse, 1e-5);
        per_sample::<f32, Mnist<f32>, _>(CrossEntropy, 1e-5);
    });
}

/// `train_batch` (batched, fused when the batch fits a chunk) against a per-sample loop of
/// `accumulate_gradients` followed by one `Sgd::step` on the mean.
fn batched<T: Float, N: Network<T>, L: Loss<T, N::OutputActivation>>(loss: L, tol: f64) {
    for batch in [1, 5, 32, 70] {
        let (xs, ys) = data::<T, N>(batch, batch as u64);
        for fused in [true, false] {
            let mut fast = N::seeded(11);
            let mut simple = N::seeded(11);
            let lr = T::cast(0.1);
            let l_fast = if fused {
                fast.train_batch(&xs, &ys, &loss, &mut Sgd::new(lr))
                    .unwrap()
            } else {
                fast.train_batch(&xs, &ys, &loss, &mut Unfused(Sgd::new(lr)))
                    .unwrap()
            };
            let mut grads = N::Gradients::default();
            let mut total = T::zero();
            for (x, y) in xs.iter().zip(&ys) {
                total += simple.accumulate_gradients(x, y, &loss, &mut grads);
            }
            let inv = T::one() / T::cast(batch as f64);
            grads.scale(inv);
            Sgd::new(lr).step(&mut simple, &grads);
            let what = format!("batch {batch}, fused {fused}");
            assert_close(&[l_fast], &[total * inv], tol, &what);
            assert_close(&params(&fast), &params(&simple), tol, &what);
            assert_ne!(params(&fast), params(&N::seeded(11)));
        }
    }
}

#[test]
fn batched_training_matches_the_per_sample_loop() {
    batched::<f64, Mlp<f64>, _>(CrossEntropy, 1e-13);
    batched::<f64, Wide<f64>, _>(Mse, 1e-13);
    batched::<f32, Mlp<f32>, _>(CrossEntropy, 1e-5);
    batched::<f32, Wide<f32>, _>(Mse, 1e-5);
}

#[test]
fn batched_mnist_training_matches_in_a_small_thread() {
    // The 784 → 128 → 10 network, its batch buffers and a stored gradient (batch > 32)
    // within a 2 MiB stack, as in a test thread; the networks themselves live on the heap.
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            for batch in [32, 40] {
                let (xs, ys) = data::<f32, Mnist<f32>>(batch, 5);
                let mut fast = Mnist::<f32>::boxed_seeded(1);
                let mut slow = Mnist::<f32>::boxed_seeded(1);
                fast.train_batch(&xs, &ys, &CrossEntropy, &mut Sgd::new(0.1))
                    .unwrap();
                let mut grads = Mnist::<f32>::boxed_gradients();
                for (x, y) in xs.iter().zip(&ys) {
                    slow.accumulate_gradients(x, y, &CrossEntropy, &mut grads);
                }
                grads.scale(1.0 / batch as f32);
                Sgd::new(0.1).step(&mut *slow, &grads);
                assert_close(&params(&*fast), &params(&*slow), 1e-5, "mnist batch");
                assert_ne!(params(&*fast), params(&*Mnist::<f32>::boxed_seeded(1)));
            }
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn reseed_and_boxed_seeded_equal_seeded() {
    big_stack(|| {
        let mut net = Mlp::<f64>::zeroed();
        net.reseed(42);
        assert_eq!(params(&net), params(&Mlp::<f64>::seeded(42)));
        let boxed = Mnist::<f32>::boxed_seeded(9);
        assert_eq!(params(&*boxed), params(&Mnist::<f32>::seeded(9)));
    });
}

/// `forward_batch` gives `forward`'s outputs row by row, over several chunks and a ragged
/// last one: bit for bit with the portable `f64` kernels, to float rounding with `f32` (whose
/// matrix-matrix products sum in another order than the matrix-vector ones).
#[test]
fn forward_batch_matches_forward_row_by_row() {
    big_stack(|| {
        let n = Mlp::<f64>::CHUNK * 2 + 3;
        let (xs, _) = data::<f64, Mlp<f64>>(n, 11);
        let net = Mlp::<f64>::seeded(2);
        let mut ys = vec![[0.0; 5]; n];
        net.forward_batch(&xs, &mut ys);
        for (x, y) in xs.iter().zip(&ys) {
            assert_eq!(*y, net.forward(x));
        }

        for n in [1, 5, 32, 70] {
            let (xs, _) = data::<f32, Mnist<f32>>(n, 12);
            let net = Mnist::<f32>::boxed_seeded(3);
            let mut ys = vec![[f32::NAN; 10]; n];
            net.forward_batch(&xs, &mut ys);
            for (x, y) in xs.iter().zip(&ys) {
                assert_close(y, &net.forward(x), 1e-5, "mnist forward_batch");
            }
            let (xs, _) = data::<f32, Wide<f32>>(n, 13);
            let net = Wide::<f32>::seeded(4);
            let mut ys = vec![[f32::NAN; 2]; n];
            net.forward_batch(&xs, &mut ys);
            for (x, y) in xs.iter().zip(&ys) {
                assert_close(y, &net.forward(x), 1e-5, "wide forward_batch");
            }
        }
    });
}

#[test]
#[should_panic(expected = "as many outputs as inputs")]
fn forward_batch_wants_as_many_outputs_as_inputs() {
    let net = Wide::<f32>::seeded(4);
    net.forward_batch(&[[0.0; 3]; 2], &mut [[0.0; 2]; 3]);
}
