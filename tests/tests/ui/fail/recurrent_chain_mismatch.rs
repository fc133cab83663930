use network::prelude::*;

network! {
    struct Amp < gru(1 -> 16), dense(8 -> 1, identity) >
}

fn main() {}
