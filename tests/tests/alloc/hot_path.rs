//! Forward, backprop and training steps never touch the heap: the counting allocator sees zero
//! allocations while they run.

use network::prelude::*;

use crate::counting::{allocations, alone};

network! {
    struct Classifier < dense(4 -> 16, relu), dense(16 -> 8, tanh), dense(8 -> 3, softmax) >
    struct Xor < dense(2 -> 8, tanh), dense(8 -> 1, sigmoid) >
}

#[test]
fn hot_path_never_allocates() {
    let _alone = alone();
    let mut net: Classifier = Classifier::seeded(3);
    let mut xor: Xor = Xor::seeded(4);
    let mut sgd = Sgd::new(0.1);
    let x = [0.5f32, -1.0, 0.25, 2.0];
    let y = [0.0f32, 1.0, 0.0];
    let xs = [x, [1.0, 1.0, -1.0, 0.0]];
    let ys = [y, [1.0, 0.0, 0.0]];

    let mut sink = 0.0f32;
    let n = allocations(|| {
        for _ in 0..10 {
            sink += net.forward(&x)[0];
            let (loss, grads) = net.backprop(&x, &y, &CrossEntropy);
            sink += loss + grads.l1.bias[0];
            sink += net.train_step(&x, &y, &CrossEntropy, &mut sgd);
            sink += net.train_batch(&xs, &ys, &CrossEntropy, &mut sgd).unwrap();
            sink += xor.train_step(&[1.0, 0.0], &[1.0], &Mse, &mut sgd);
            let trace = xor.forward_trace(&[0.0, 1.0]);
            let mut g = XorGradients::zeroed();
            xor.backward(&trace, &[0.5], &mut g);
            sink += g.l2.bias[0];
            let mut out = [[0.0f32; 3]; 2];
            net.forward_batch(&xs, &mut out);
            sink += out[1][0];
        }
    });
    assert!(sink.is_finite());
    assert_eq!(n, 0, "the hot path allocated {n} times");

    // The counter does count: a Vec allocates.
    let n = allocations(|| {
        let v: Vec<u8> = Vec::with_capacity(std::hint::black_box(16));
        std::hint::black_box(v);
    });
    assert_eq!(n, 1);
}
