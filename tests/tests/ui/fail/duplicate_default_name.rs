use network::prelude::*;

network! {
    struct Net < dense(2 -> 8, relu), l1: dense(8 -> 1, sigmoid) >
}

fn main() {}
