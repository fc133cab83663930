use network::prelude::*;

network! {
    struct Amp < gru(1 -> 16, tanh), lstm(16 -> 8, sigmoid), dense(8 -> 1, identity) >
}

fn main() {}
