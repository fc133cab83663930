//! The gradient tests: backpropagation against finite differences for every layer count,
//! activation and loss (`finite_differences`, `smooth_and_robust`), and `grad_check`, the
//! checker users run on their own networks (`grad_check`). The property tests
//! (`properties.rs`) add random parameters and inputs to the same comparison.

mod finite_differences;
mod grad_check;
mod smooth_and_robust;
