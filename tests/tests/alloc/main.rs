//! The allocation tests: forward, backprop, training steps, every optimizer and `fit`'s steps
//! never touch the heap, and the parallel batch reuses its scratch. A counting global allocator
//! (`counting.rs`) measures them; every test holds `counting::alone()`.

mod counting;
mod hot_path;
#[cfg(feature = "parallel")]
mod parallel;
mod training;
