//! Training beyond a single step: [`fit`] (mini-batch epochs over a data set), the
//! data-parallel batch step ([`TrainParallel`], feature `parallel`) and the finite-difference
//! [`gradcheck`] of backpropagation.

#[cfg(feature = "alloc")]
mod fit;
pub mod gradcheck;
#[cfg(feature = "parallel")]
mod parallel;

#[cfg(feature = "std")]
pub use fit::progress;
#[cfg(feature = "alloc")]
pub use fit::{Control, Diverged, EpochReport, FitConfig, History, NoCallback, StopReason, fit};
#[cfg(feature = "parallel")]
pub use parallel::{ParallelScratch, TrainParallel};
