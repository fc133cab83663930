use network::prelude::*;

network! {
    struct Net < conv(3, 3, relu), dense(8 -> 1, sigmoid) >
}

fn main() {}
