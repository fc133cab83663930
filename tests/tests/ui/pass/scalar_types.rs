//! The scalar type defaults to f32; f64 is one type argument away.
use network::prelude::*;

network! {
    struct Net < dense(3 -> 4, tanh), dense(4 -> 2, identity) >
}

fn main() {
    let a: Net = Net::seeded(1);
    let b = Net::<f64>::seeded(1);
    let ya: [f32; 2] = a.forward(&[1.0, 2.0, 3.0]);
    let yb: [f64; 2] = b.forward(&[1.0, 2.0, 3.0]);
    assert!((ya[0] as f64 - yb[0]).abs() < 1e-5);
}
