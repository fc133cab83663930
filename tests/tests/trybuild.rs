//! Compile-fail cases: every mistake a user can make in `network!` is a spanned compile error
//! a person can act on, and the generated types reject arrays of the wrong length. Pass cases:
//! attributes, visibility, named layers, trailing commas, several networks, scalar types; each
//! compiles in a crate that depends on `network` alone.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
