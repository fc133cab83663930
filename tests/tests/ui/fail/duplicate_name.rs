use network::prelude::*;

network! {
    struct Net < hidden: dense(2 -> 8, relu), hidden: dense(8 -> 1, sigmoid) >
}

fn main() {}
