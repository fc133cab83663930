use network::prelude::*;

network! {
    struct Net < dense(2 -> 99999999999999999999999, relu), dense(99999999999999999999999 -> 1, relu) >
}

fn main() {}
