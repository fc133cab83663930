//! The `network!` procedural macro. Use it through the `network` crate, which re-exports it
//! and everything its expansion refers to.
//!
//! The macro works in three steps: `ast` parses the invocation into a model that keeps spans,
//! `valid` checks it against the `catalog` of layer kinds and activations and reports every
//! mistake on the token at fault (all gathered in one `ctxt::Ctxt`), and the builders of
//! `expand/` generate the code. `docs/architecture.md` draws the whole path.

#![forbid(unsafe_code)]

mod ast;
mod catalog;
mod ctxt;
mod expand;
mod stack;
mod valid;

#[cfg(test)]
mod excerpt;
#[cfg(test)]
mod fuzz_regressions;

use proc_macro::TokenStream;

/// Declares one or more dense networks. See the `network` crate for the grammar and for what
/// is generated.
#[proc_macro]
pub fn network(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as ast::Input);
    expand::expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
