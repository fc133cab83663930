//! `#[network(allow_large)]` silences the warning, and the other attributes still pass through.
#![deny(warnings)]
use network::prelude::*;

network! {
    /// Lives in a thread with a large stack.
    #[network(allow_large)]
    #[derive(Clone)]
    struct Big < dense(784 -> 2048, relu), dense(2048 -> 1024, relu), dense(1024 -> 10, softmax) >
}

/// Compiled, not run: the main thread's stack does not hold `Big` by value.
#[allow(dead_code)]
fn on_the_stack() -> Big {
    let net = Big::seeded(1);
    let _ = net.backprop(&[0.0; 784], &[0.0; 10], &CrossEntropy);
    net.clone()
}

fn main() {}
