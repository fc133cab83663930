//! Forward, backprop and training steps never touch the heap: a counting global allocator sees
//! zero allocations while they run.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use network::prelude::*;

/// Counts every allocation of this thread's test, then defers to the system allocator.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    // Only the thread inside `allocations` counts: the test harness's main thread allocates
    // while the test runs (output capture, timing), which made the count flaky.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

fn count() {
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
    }
}

// SAFETY: every call is forwarded unchanged to `System`, which upholds `GlobalAlloc`'s contract;
// the counter is only an atomic increment.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

network! {
    struct Classifier < dense(4 -> 16, relu), dense(16 -> 8, tanh), dense(8 -> 3, softmax) >
    struct Xor < dense(2 -> 8, tanh), dense(8 -> 1, sigmoid) >
}

/// Runs `f` and returns how many allocations it made.
fn allocations(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    ALLOCATIONS.load(Ordering::SeqCst) - before
}

// One test function only: the counter is global, and parallel tests would pollute it.
#[test]
fn hot_path_never_allocates() {
    let mut net: Classifier = Classifier::seeded(3);
    let mut xor: Xor = Xor::seeded(4);
    let mut sgd = Sgd::new(0.1);
    let x = [0.5f32, -1.0, 0.25, 2.0];
    let y = [0.0f32, 1.0, 0.0];
    let xs = [x, [1.0, 1.0, -1.0, 0.0]];
    let ys = [y, [1.0, 0.0, 0.0]];

    let mut sink = 0.0f32;
    let n = allocations(|| {
        for _ in 0..10 {
            sink += net.forward(&x)[0];
            let (loss, grads) = net.backprop(&x, &y, &CrossEntropy);
            sink += loss + grads.l1.bias[0];
            sink += net.train_step(&x, &y, &CrossEntropy, &mut sgd);
            sink += net.train_batch(&xs, &ys, &CrossEntropy, &mut sgd).unwrap();
            sink += xor.train_step(&[1.0, 0.0], &[1.0], &Mse, &mut sgd);
            let trace = xor.forward_trace(&[0.0, 1.0]);
            let mut g = XorGradients::zeroed();
            xor.backward(&trace, &[0.5], &mut g);
            sink += g.l2.bias[0];
        }
    });
    assert!(sink.is_finite());
    assert_eq!(n, 0, "the hot path allocated {n} times");

    // The counter does count: a Vec allocates.
    let n = allocations(|| {
        let v: Vec<u8> = Vec::with_capacity(std::hint::black_box(16));
        std::hint::black_box(v);
    });
    assert_eq!(n, 1);
}
