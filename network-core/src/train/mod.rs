//! Training beyond a single step: [`fit`] (mini-batch epochs over a data set) and
//! [`fit_sequences`] (the same for sequence networks, by backpropagation through time), the
//! data-parallel batch step ([`TrainParallel`], feature `parallel`) and the finite-difference
//! [`gradcheck`] of backpropagation.

#[cfg(feature = "alloc")]
mod fit;
#[cfg(feature = "alloc")]
mod fit_sequences;
pub mod gradcheck;
#[cfg(feature = "parallel")]
mod parallel;

#[cfg(feature = "std")]
pub use fit::progress;
#[cfg(feature = "alloc")]
pub use fit::{Control, Diverged, EpochReport, FitConfig, History, NoCallback, StopReason, fit};
#[cfg(feature = "alloc")]
pub use fit_sequences::{Sequence, fit_sequences};
#[cfg(feature = "parallel")]
pub use parallel::{ParallelScratch, TrainParallel};
