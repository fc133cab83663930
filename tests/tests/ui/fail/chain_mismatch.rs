use network::prelude::*;

network! {
    struct Net < dense(2 -> 8, relu), dense(4 -> 1, sigmoid) >
}

fn main() {}
