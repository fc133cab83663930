use network::prelude::*;

network! {
    struct Net < dense(2 -> 8, relu), dense(8 -> 1, linear) >
}

fn main() {}
