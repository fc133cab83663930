// `CrossEntropy` compiles on a `softmax` last layer and on `identity` logits.
use network::prelude::*;

network! {
    struct Probs < dense(2 -> 4, gelu), dense(4 -> 3, softmax) >
    struct Logits < dense(2 -> 4, silu), dense(4 -> 3, identity) >
}

fn main() {
    let x = [0.5f32, -1.0];
    let y = [0.0f32, 1.0, 0.0];
    let mut a: Probs = Probs::seeded(0);
    let mut b: Logits = Logits::seeded(0);
    a.train_step(&x, &y, &CrossEntropy, &mut Sgd::new(0.1));
    b.train_step(&x, &y, &CrossEntropy, &mut Sgd::new(0.1).momentum(0.9));
    let _ = fit(&mut b, &[(x, y)], &CrossEntropy, &mut AdamW::new(1e-3), FitConfig::new(1));
}
