//! The global allocator of the allocation tests. It counts two things: the allocations made by
//! the thread that asks (`allocations`), and the bytes allocated by every thread
//! (`bytes_allocated`, for work spread over rayon's threads). One program has one global
//! allocator, which is why the allocation tests are one test target.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Counts, then defers to the system allocator.
struct Counting;

thread_local! {
    // Per thread: the test harness's threads and the other tests allocate while a test runs,
    // which made a process-wide count of calls flaky.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static CALLS: Cell<usize> = const { Cell::new(0) };
}

static ALL_THREADS: AtomicBool = AtomicBool::new(false);
static BYTES: AtomicUsize = AtomicUsize::new(0);
static ALONE: Mutex<()> = Mutex::new(());

fn count(bytes: usize) {
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        let _ = CALLS.try_with(|c| c.set(c.get() + 1));
    }
    if ALL_THREADS.load(Ordering::SeqCst) {
        BYTES.fetch_add(bytes, Ordering::SeqCst);
    }
}

// SAFETY: every call is forwarded unchanged to `System`, which upholds `GlobalAlloc`'s contract;
// the counting touches only a thread-local cell and two atomics, and never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Held by every allocation test for its whole run: `bytes_allocated` sees every thread of the
/// process, so no other test may run beside it.
pub fn alone() -> MutexGuard<'static, ()> {
    ALONE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs `f` and returns how many allocations this thread made in it.
pub fn allocations(f: impl FnOnce()) -> usize {
    let before = CALLS.with(Cell::get);
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    CALLS.with(Cell::get) - before
}

/// Runs `f` and returns how many bytes every thread of the process allocated meanwhile.
#[cfg_attr(not(feature = "parallel"), allow(dead_code))]
pub fn bytes_allocated(f: impl FnOnce()) -> usize {
    let before = BYTES.load(Ordering::SeqCst);
    ALL_THREADS.store(true, Ordering::SeqCst);
    f();
    ALL_THREADS.store(false, Ordering::SeqCst);
    BYTES.load(Ordering::SeqCst) - before
}
