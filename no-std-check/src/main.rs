//! Bare-metal firmware that trains and runs a network: built by CI for `thumbv7em-none-eabihf`
//! with `--features embedded`. It links without `std` and without a global allocator, so it
//! only builds while the whole `network` stack needs neither. On a hosted target (for example
//! under `--all-features`) it is an ordinary program that prints the same result.

#![cfg_attr(target_os = "none", no_std, no_main)]
#![deny(unsafe_code)]

#[cfg(target_os = "none")]
mod bare_metal {
    use core::panic::PanicInfo;
    use core::sync::atomic::{AtomicUsize, Ordering};

    /// Where the result goes, so the optimiser keeps the whole computation.
    static CORRECT: AtomicUsize = AtomicUsize::new(0);

    /// The reset entry point: train, classify, store the score, then idle.
    // Exporting an unmangled symbol is `unsafe` in edition 2024; it is this binary's entry point.
    #[allow(unsafe_code)]
    #[unsafe(no_mangle)]
    pub extern "C" fn _start() -> ! {
        CORRECT.store(no_std_check::run(), Ordering::Relaxed);
        loop {
            core::hint::spin_loop();
        }
    }

    #[panic_handler]
    fn panic(_: &PanicInfo<'_>) -> ! {
        loop {
            core::hint::spin_loop();
        }
    }
}

#[cfg(not(target_os = "none"))]
fn main() {
    println!("{} of 4 XOR cases right", no_std_check::run());
}
