//! The one place errors are gathered: every check reports into a [`Ctxt`], and the macro
//! emits all of them together (the model is serde_derive's `Ctxt`).

use std::cell::RefCell;

/// Collects the mistakes of one invocation.
#[derive(Default)]
pub struct Ctxt {
    errors: RefCell<Vec<syn::Error>>,
}

impl Ctxt {
    /// An empty collector.
    pub fn new() -> Self {
        Ctxt::default()
    }

    /// Records one mistake.
    pub fn push(&self, error: syn::Error) {
        self.errors.borrow_mut().push(error);
    }

    /// How many mistakes have been recorded so far.
    pub fn count(&self) -> usize {
        self.errors.borrow().len()
    }

    /// All recorded mistakes combined into one error, or `Ok` if there were none.
    pub fn check(self) -> syn::Result<()> {
        let mut all = self.errors.into_inner().into_iter();
        let Some(mut first) = all.next() else {
            return Ok(());
        };
        for e in all {
            first.combine(e);
        }
        Err(first)
    }
}
