use network::prelude::*;

network! {
    struct A < dense(2 -> 8, leaky_relu(fast)), dense(8 -> 1, sigmoid) >
    struct B < dense(2 -> 8, leaky_relu(1.5)), dense(8 -> 1, sigmoid) >
    struct C < dense(2 -> 8, leaky_relu()), dense(8 -> 1, sigmoid) >
}

fn main() {}
