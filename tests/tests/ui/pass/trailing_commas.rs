//! Trailing commas are accepted after the last layer and after the activation.
use network::prelude::*;

network! {
    struct A < dense(2 -> 1, sigmoid), >
    struct B < dense(2 -> 3, relu,), dense(3 -> 1, identity,), >
}

fn main() {
    let a: A = A::zeroed();
    let b: B = B::zeroed();
    assert_eq!(a.forward(&[1.0, 1.0]), [0.5]);
    assert_eq!(b.forward(&[1.0, 1.0]), [0.0]);
}
