//! Arbitrary source text through the `network!` macro's parser, checks and code generation,
//! exactly as the macro runs them (the modules are the macro crate's own files): no panic, no
//! hang. `network-macros/src/fuzz_regressions.rs` replays the corpus as a unit test.

#![no_main]
#![allow(dead_code)]

use libfuzzer_sys::fuzz_target;

#[path = "../../network-macros/src/ast.rs"]
mod ast;
#[path = "../../network-macros/src/catalog.rs"]
mod catalog;
#[path = "../../network-macros/src/ctxt.rs"]
mod ctxt;
#[path = "../../network-macros/src/expand/mod.rs"]
mod expand;
#[path = "../../network-macros/src/stack.rs"]
mod stack;
#[path = "../../network-macros/src/valid.rs"]
mod valid;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(tokens) = src.parse::<proc_macro2::TokenStream>() else {
        return;
    };
    if let Ok(input) = syn::parse2::<ast::Input>(tokens) {
        let _ = expand::expand(&input);
    }
});
