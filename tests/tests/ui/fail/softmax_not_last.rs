use network::prelude::*;

network! {
    struct Net < dense(2 -> 8, softmax), dense(8 -> 3, softmax) >
}

fn main() {}
