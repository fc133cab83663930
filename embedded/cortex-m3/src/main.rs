//! Recognises handwritten digits on a Cortex-M3, a core without an FPU, in int8: the network
//! trained and quantized on a computer (`cargo run --release --example digits -- PATH`) is
//! compiled in as a constant (`digits_i8.rs`, in flash), and every multiply-add is an integer
//! one. No allocator and no `std` are linked.
//!
//! Runs on QEMU's `mps2-an385` board (`cargo run --release` from this directory). For each
//! embedded test digit it checks that the int8 output is bit for bit the one computed on the
//! computer (integer arithmetic gives the same bits on every target), and counts the digits
//! classified right. QEMU's exit status is 0 if every output matched, 1 otherwise (also on a
//! panic or a fault).

#![no_std]
#![no_main]

use cortex_m_rt::{ExceptionFrame, entry, exception};
use cortex_m_semihosting::{debug, hprintln};
use network::prelude::*;
use network::quant::argmax_i8;
use panic_semihosting as _;

network! {
    /// A digit's class scores (logits) from its 8×8 pixels: the network of `examples/digits.rs`.
    pub struct Digits < dense(64 -> 32, relu), dense(32 -> 10, identity) >
}

// `DIGITS: DigitsI8` and `TEST_DIGITS`, written by the `digits` example.
include!("digits_i8.rs");

/// The network, read from flash where it is used (not copied onto the stack).
static NET: DigitsI8 = DIGITS;

#[entry]
fn main() -> ! {
    hprintln!(
        "network on a Cortex-M3 (no FPU): digits in int8, dense(64 -> 32, relu), dense(32 -> 10)"
    );
    hprintln!(
        "int8 network: {} B in flash ({} parameters)",
        core::mem::size_of::<DigitsI8>(),
        Digits::<f32>::PARAMS
    );
    let (mut matched, mut correct) = (0, 0);
    for (i, (x, class, want)) in TEST_DIGITS.iter().enumerate() {
        let out = NET.forward_i8(x);
        let predicted = argmax_i8(&out);
        matched += usize::from(out == *want);
        correct += usize::from(predicted == usize::from(*class));
        hprintln!(
            "digit {:2}: class {} -> {} {}",
            i,
            class,
            predicted,
            if out == *want {
                "(bit-exact)"
            } else {
                "(DIFFERS from the computer's output)"
            }
        );
    }
    let n = TEST_DIGITS.len();
    hprintln!(
        "self-test: {}/{} outputs bit for bit the computer's",
        matched,
        n
    );
    hprintln!("accuracy: {}/{}", correct, n);
    debug::exit(if matched == n {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    halt()
}

/// Where execution ends if the debugger (QEMU) ignores the exit request.
fn halt() -> ! {
    loop {
        cortex_m::asm::wfi();
    }
}

/// Exits QEMU with status 1 on a fault, instead of spinning until the outer timeout.
#[exception]
unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
    hprintln!("HardFault at pc={:#010x}", frame.pc());
    debug::exit(debug::EXIT_FAILURE);
    halt()
}
