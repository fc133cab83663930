//! The `network!` procedural macro. Use it through the `network` crate, which re-exports it
//! and everything its expansion refers to.
//!
//! The macro works in three steps, one module each: `ast` parses the invocation into a model
//! that keeps spans, `valid` checks it and reports every mistake on the token at fault, and
//! `expand` generates the code.

#![forbid(unsafe_code)]

mod ast;
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
