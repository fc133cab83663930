//! Looking at a network: its architecture table, printed gradients, evaluation metrics.

pub mod budget;
pub mod display;
pub mod metrics;
pub mod summary;
