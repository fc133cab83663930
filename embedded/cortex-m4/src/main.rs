//! Trains XOR on a Cortex-M4F: the network is declared with `network!`, initialised from a seed
//! and trained on the device with per-sample SGD, then again from the same seed with Adam; no
//! allocator and no `std` are linked. Before that it runs the self-test of an XOR network
//! trained on a computer and compiled in as Rust source (`xor_model.rs`), and measures the
//! stack of inference and training steps for two network sizes. Then a GRU learns to repeat
//! its input of two steps before, by truncated backpropagation through time with Adam, the
//! window's per-step traces on the stack.
//!
//! Runs on QEMU's `mps2-an386` board (`cargo run --release` from this directory), prints the
//! loss as it trains, the sizes of the networks and their training buffers, the stack a training
//! step takes, `self-test: passed`, `accuracy: 4/4` for each optimizer, the GRU's held-out loss
//! before and after training and `gru learned: true`. QEMU's exit status is 0 if the self-test
//! passed, both runs learned XOR and the GRU learned its task, 1 otherwise (also on a panic or
//! a fault).

#![no_std]
#![no_main]

use cortex_m_rt::{ExceptionFrame, entry, exception};
use cortex_m_semihosting::{debug, hprintln};
use network::Vector;
use network::prelude::*;
use panic_semihosting as _;

network! {
    /// Learns XOR: two inputs in {0, 1}, one output, 1 when exactly one input is 1.
    pub struct Xor < dense(2 -> 8, tanh), dense(8 -> 1, sigmoid) >
}

/// The seed, learning rate and epochs of `examples/xor.rs` on the host, for per-sample SGD.
const SEED: u64 = 7;
const SGD_LEARNING_RATE: f32 = 0.5;
const SGD_EPOCHS: u32 = 2000;
/// Adam (PyTorch's defaults otherwise) needs far fewer epochs.
const ADAM_LEARNING_RATE: f32 = 0.05;
const ADAM_EPOCHS: u32 = 300;
/// The mean loss the last epoch must reach, besides 4/4 correct, to count as learned.
const LEARNED_LOSS: f32 = 0.05;

const DATA: [([f32; 2], [f32; 1]); 4] = [
    ([0.0, 0.0], [0.0]),
    ([0.0, 1.0], [1.0]),
    ([1.0, 0.0], [1.0]),
    ([1.0, 1.0], [0.0]),
];

// `XOR`, the network of `tests/tests/fixtures/xor.model` (trained on a computer) as a constant,
// and `xor_self_test`: written by `cargo run --release --example export_rust` at the root.
include!("xor_model.rs");

network! {
    /// A larger network for the stack measurements, the shape of the `digits` example: 8×8
    /// pixels in, ten classes out (2410 parameters).
    pub struct Digits < dense(64 -> 32, relu), dense(32 -> 10, softmax) >
}

type XorAdam = Adam<f32, XorGradients<f32>>;

/// The data RAM of the board (`memory.x`).
const RAM: usize = 4 << 20;
// The memory budget is a compile-time constant: a network that does not fit stops the build.
const _: () = assert!(
    Digits::<f32>::NETWORK_BYTES
        + Digits::<f32>::ADAM_STATE_BYTES
        + Digits::<f32>::TRACE_BYTES
        + Digits::<f32>::GRADIENT_BYTES
        < RAM
);

network! {
    /// Learns to output its input of [`DELAY`] steps before, which it can only do by keeping
    /// the last inputs in its state: a GRU with eight units and a linear read-out.
    pub struct Delay < gru(1 -> 8), dense(8 -> 1, identity) >
}

/// How many steps back the [`Delay`] network's target lies.
const DELAY: usize = 2;
/// Time steps per window of truncated backpropagation through time.
const WINDOW: usize = 16;
/// Windows (one Adam update each) the [`Delay`] network trains on, from one long stream.
const GRU_WINDOWS: u32 = 1500;
const GRU_LEARNING_RATE: f32 = 0.01;
const GRU_SEED: u64 = 1;
/// Steps of the held-out stream that the loss before and after training is measured on.
const HELD_OUT_STEPS: usize = 1024;
/// The held-out mean squared error the trained network must reach to count as learned. Any
/// network that ignores the past errs by at least the variance of the inputs, 1/3.
const GRU_LEARNED_LOSS: f32 = 0.01;

type DelayAdam = Adam<f32, DelayGradients<f32>>;

// The same for the GRU's training: the window's traces are the part that grows with `WINDOW`.
const _: () = assert!(
    size_of::<Delay>()
        + DelayWindow::<f32, WINDOW>::BYTES
        + size_of::<DelayGradients>()
        + size_of::<DelayAdam>()
        < RAM
);

#[entry]
fn main() -> ! {
    hprintln!("network on a Cortex-M4F: XOR, dense(2 -> 8, tanh), dense(8 -> 1, sigmoid)");
    // The network trained on a computer, compiled in from generated source: does it compute
    // here what it computed there?
    let self_test = xor_self_test();
    hprintln!(
        "XOR from generated source (xor_model.rs): {} -> {:.4}, {} -> {:.4}",
        "0 xor 1",
        XOR.forward(&[0.0, 1.0])[0],
        "1 xor 1",
        XOR.forward(&[1.0, 1.0])[0],
    );
    let largest = XOR_SELF_TEST
        .iter()
        .map(|(x, want)| XOR.forward(x)[0] - want[0])
        .fold(0.0f32, |m, d| m.max(d).max(-d));
    hprintln!(
        "self-test: {} (largest difference from the host's outputs: {:e})",
        if self_test { "passed" } else { "FAILED" },
        largest,
    );

    let xor_stack = stack_of::<Xor, _>("Xor", &Mse);
    let digits_stack = stack_of::<Digits, _>("Digits", &CrossEntropy);

    let sgd = train(
        "per-sample SGD, lr 0.5",
        Sgd::new(SGD_LEARNING_RATE),
        SGD_EPOCHS,
    );
    let adam = train(
        "per-sample Adam, lr 0.05",
        XorAdam::new(ADAM_LEARNING_RATE),
        ADAM_EPOCHS,
    );

    // The GRU's stack measurement paints the stack afresh, which hides anything deeper than
    // the frame it runs in: the deepest point so far first.
    let deepest = stack::deepest();
    let gru = train_delay();

    hprintln!(
        "stack: {} B deepest for the whole program (with formatting)",
        deepest.max(stack::deepest()),
    );
    let learned = sgd && adam && xor_stack && digits_stack && self_test && gru;
    hprintln!("learned: {}", learned);
    debug::exit(if learned {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    halt()
}

/// Prints network `N`'s memory budget and the stack that `forward` and one `train_step` with
/// SGD and with Adam take, measured. Returns whether each training step took at least the trace
/// it must keep, as a check that the measurement sees the calls at all.
fn stack_of<N: Network<f32>, L: Loss<f32, N::OutputActivation>>(name: &str, loss: &L) -> bool
where
    Adam<f32, N::Gradients>: Optimizer<f32, N>,
{
    let mut x = N::Input::zeroed();
    for (i, v) in x.as_mut().iter_mut().enumerate() {
        *v = (i % 3) as f32 * 0.5;
    }
    let mut y = N::Output::zeroed();
    y.as_mut()[0] = 1.0;
    let mut net = N::seeded(SEED);
    let forward = stack::measure(|| core::hint::black_box(&net).forward(&x));
    let mut sgd = Sgd::new(0.01);
    let sgd = stack::measure(|| net.train_step(&x, &y, loss, &mut sgd));
    let mut adam = Adam::<f32, N::Gradients>::new(0.001);
    let adam = stack::measure(|| net.train_step(&x, &y, loss, &mut adam));
    hprintln!(
        "{}: {} parameters; params {} B, gradients {} B, trace {} B, Sgd {} B, Adam {} B",
        name,
        N::PARAMS,
        N::PARAM_BYTES,
        N::GRADIENT_BYTES,
        N::TRACE_BYTES,
        N::SGD_STATE_BYTES,
        N::ADAM_STATE_BYTES,
    );
    hprintln!(
        "{}: stack {} B for forward, {} B for train_step with SGD, {} B with Adam",
        name,
        forward,
        sgd,
        adam,
    );
    sgd >= N::TRACE_BYTES && adam >= N::TRACE_BYTES + N::GRADIENT_BYTES
}

/// Where execution ends if the debugger (QEMU) ignores the exit request.
fn halt() -> ! {
    loop {
        cortex_m::asm::wfi();
    }
}

/// Trains a fresh network from [`SEED`] with `opt`, one sample at a time, printing the loss as it
/// goes and the accuracy at the end. Returns whether it learned XOR.
fn train<O: Optimizer<f32, Xor>>(name: &str, mut opt: O, epochs: u32) -> bool {
    hprintln!("--- {}, {} epochs", name, epochs);
    let mut net: Xor = Xor::seeded(SEED);
    let t0 = clock_cs();
    let mut mean = 0.0;
    for epoch in 1..=epochs {
        let mut total = 0.0;
        for (x, y) in &DATA {
            total += net.train_step(x, y, &Mse, &mut opt);
        }
        mean = total / DATA.len() as f32;
        if epoch == 1 || epoch % (epochs / 10) == 0 {
            hprintln!("epoch {:5}  mean loss {:.6}", epoch, mean);
        }
    }
    let t1 = clock_cs();

    let mut correct = 0;
    for (x, y) in &DATA {
        let [p] = net.forward(x);
        let class = if p >= 0.5 { 1.0 } else { 0.0 };
        correct += usize::from(class == y[0]);
        hprintln!("{} xor {} -> {:.4} (want {})", x[0], x[1], p, y[0]);
    }
    hprintln!("accuracy: {}/{}", correct, DATA.len());
    hprintln!(
        "training time: {} cs of host time for {} per-sample steps (QEMU, not a real M4)",
        t1 - t0,
        epochs as usize * DATA.len(),
    );
    correct == DATA.len() && mean.is_finite() && mean < LEARNED_LOSS
}

/// An endless stream for the [`Delay`] network: inputs uniform in `[-1, 1)` from a seed, each
/// with its target, the input of [`DELAY`] steps before (0 for the first steps).
struct DelayStream {
    rng: Rng,
    past: [f32; DELAY],
}

impl DelayStream {
    fn new(seed: u64) -> Self {
        DelayStream {
            rng: Rng::new(seed),
            past: [0.0; DELAY],
        }
    }

    /// The next input and its target.
    fn next(&mut self) -> ([f32; 1], [f32; 1]) {
        let x = self.rng.uniform(-1.0, 1.0);
        let y = self.past[0];
        self.past.copy_within(1.., 0);
        self.past[DELAY - 1] = x;
        ([x], [y])
    }

    /// The next [`WINDOW`] inputs and targets.
    fn window(&mut self) -> ([[f32; 1]; WINDOW], [[f32; 1]; WINDOW]) {
        let mut xs = [[0.0]; WINDOW];
        let mut ys = [[0.0]; WINDOW];
        for (x, y) in xs.iter_mut().zip(&mut ys) {
            (*x, *y) = self.next();
        }
        (xs, ys)
    }
}

/// The mean squared error of `net` run step by step from a zero state over a held-out stream
/// (its own seed, never trained on).
fn held_out_loss(net: &Delay) -> f32 {
    let mut stream = DelayStream::new(GRU_SEED + 1000);
    let mut state = DelayState::default();
    let mut total = 0.0;
    for _ in 0..HELD_OUT_STEPS {
        let (x, y) = stream.next();
        let [p] = net.step(&mut state, &x);
        total += (p - y[0]) * (p - y[0]);
    }
    total / HELD_OUT_STEPS as f32
}

/// Trains the [`Delay`] GRU by truncated backpropagation through time with Adam: one long
/// stream cut into windows of [`WINDOW`] steps, the state carried from each window to the next,
/// one update per window; the window's per-step traces live on this function's stack. Prints
/// the memory it takes, the loss as it trains and the held-out loss before and after. Returns
/// whether the held-out loss fell below [`GRU_LEARNED_LOSS`].
// Not inlined, so that its buffers are not part of `main`'s frame while the stack of the other
// networks is measured.
#[inline(never)]
fn train_delay() -> bool {
    hprintln!(
        "--- gru(1 -> 8), dense(8 -> 1, identity): output the input of {} steps before; truncated BPTT over windows of {} steps, Adam lr {}, {} windows",
        DELAY,
        WINDOW,
        GRU_LEARNING_RATE,
        GRU_WINDOWS,
    );
    let mut net: Delay = Delay::seeded(GRU_SEED);
    let mut opt = DelayAdam::new(GRU_LEARNING_RATE);
    let mut window = Delay::<f32>::zeroed_window::<WINDOW>();
    hprintln!(
        "Delay: {} parameters; params {} B, gradients {} B, state {} B, window trace {} B ({} steps of {} B), Adam {} B",
        Delay::<f32>::PARAMS,
        size_of::<Delay>(),
        size_of::<DelayGradients>(),
        size_of::<DelayState>(),
        DelayWindow::<f32, WINDOW>::BYTES,
        WINDOW,
        size_of::<DelayStep>(),
        size_of::<DelayAdam>(),
    );
    let before = held_out_loss(&net);

    let mut stream = DelayStream::new(GRU_SEED);
    let mut state = DelayState::default();
    // The first window, measured: the stack that one `train_sequence` takes (its gradients and
    // the forward and backward passes; the window's traces are this function's).
    let (xs, ys) = stream.window();
    let mut first = (0.0, state);
    let bytes = stack::measure(|| {
        first = net.train_sequence(&state, &xs, &ys, 0, &Mse, &mut opt, &mut window);
    });
    hprintln!(
        "Delay: stack {} B for train_sequence with Adam over {} steps (besides the {} B window)",
        bytes,
        WINDOW,
        DelayWindow::<f32, WINDOW>::BYTES,
    );
    let (mut total, end) = first;
    state = end;
    let t0 = clock_cs();
    let report = GRU_WINDOWS / 10;
    for w in 2..=GRU_WINDOWS {
        let (xs, ys) = stream.window();
        let (loss, end) = net.train_sequence(&state, &xs, &ys, 0, &Mse, &mut opt, &mut window);
        state = end;
        total += loss;
        if w % report == 0 {
            hprintln!(
                "windows {:5}..{:5}  mean loss {:.6}",
                w + 1 - report,
                w,
                total / report as f32,
            );
            total = 0.0;
        }
    }
    let t1 = clock_cs();
    let after = held_out_loss(&net);
    hprintln!(
        "training time: {} cs of host time for {} time steps (QEMU, not a real M4)",
        t1 - t0,
        (GRU_WINDOWS as usize - 1) * WINDOW,
    );
    hprintln!(
        "held-out loss ({} steps, mean squared error): {:.6} before training, {:.6} after (learned below {})",
        HELD_OUT_STEPS,
        before,
        after,
        GRU_LEARNED_LOSS,
    );
    let learned = after.is_finite() && after < GRU_LEARNED_LOSS;
    hprintln!("gru learned: {}", learned);
    learned
}

/// Centiseconds since the program started (semihosting `SYS_CLOCK`: host time under QEMU).
fn clock_cs() -> usize {
    // SAFETY: SYS_CLOCK takes no argument and only returns a value.
    unsafe { cortex_m_semihosting::syscall!(CLOCK) }
}

/// Exits QEMU with status 1 on a fault, instead of spinning until the outer timeout.
#[exception]
unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
    hprintln!("HardFault at pc={:#010x}", frame.pc());
    debug::exit(debug::EXIT_FAILURE);
    halt()
}

/// Stack measurement by painting: fill the unused stack with a pattern, run, find the deepest
/// word that changed. The stack grows down from `_stack_start` towards the end of `.bss`.
mod stack {
    use core::ptr::{addr_of, read_volatile, write_volatile};

    const PAINT: u32 = 0xC0FF_EE55;
    /// Bytes right below the painter's stack pointer left unpainted, for safety's sake.
    const MARGIN: usize = 16;

    unsafe extern "C" {
        /// Top of the stack (cortex-m-rt's `link.x`).
        static _stack_start: u32;
        /// First address past `.bss` (cortex-m-rt's `link.x`): the stack may grow down to here.
        static __sheap: u32;
    }

    fn bottom() -> usize {
        addr_of!(__sheap) as usize
    }

    fn top() -> usize {
        addr_of!(_stack_start) as usize
    }

    /// Paints from the bottom of the stack to just below the current stack pointer.
    #[inline(never)]
    fn paint() {
        let sp = cortex_m::register::msp::read() as usize;
        let mut p = bottom();
        while p < sp - MARGIN {
            // SAFETY: [bottom, sp) is RAM that no live frame uses, and no interrupt is enabled.
            unsafe { write_volatile(p as *mut u32, PAINT) };
            p += 4;
        }
    }

    /// The lowest address whose paint was overwritten.
    fn lowest_touched() -> usize {
        let mut p = bottom();
        // SAFETY: reads RAM between the end of .bss and the stack pointer.
        while p < top() && unsafe { read_volatile(p as *const u32) } == PAINT {
            p += 4;
        }
        p
    }

    /// Bytes of stack that running `f` takes below `measure`'s own frame (`f` runs in a call
    /// that cannot be inlined, so all of its frames count).
    #[inline(never)]
    pub fn measure<R>(f: impl FnOnce() -> R) -> usize {
        let sp = cortex_m::register::msp::read() as usize;
        paint();
        core::hint::black_box(call(f));
        sp.saturating_sub(lowest_touched())
    }

    #[inline(never)]
    fn call<R>(f: impl FnOnce() -> R) -> R {
        f()
    }

    /// The deepest the stack has gone since the first `measure` painted it, in bytes from its
    /// top (words the program never reached keep their paint).
    pub fn deepest() -> usize {
        top() - lowest_touched()
    }
}
