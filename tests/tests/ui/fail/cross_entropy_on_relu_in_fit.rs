// The same check through `fit`, the generic training loop.
use network::prelude::*;

network! {
    struct Net < dense(2 -> 4, tanh), dense(4 -> 3, relu) >
}

fn main() {
    let mut net: Net = Net::seeded(0);
    let data = [([0.0f32, 1.0], [0.0f32, 1.0, 0.0])];
    let _ = fit(&mut net, &data, &CrossEntropy, &mut Adam::new(1e-3), FitConfig::new(1));
}
