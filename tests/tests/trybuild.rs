//! Compile-fail cases: every mistake a user can make in `network!` is a spanned compile error
//! a person can act on, and the generated types reject arrays of the wrong length. Pass cases:
//! attributes, visibility, named layers, trailing commas, several networks, scalar types; each
//! compiles in a crate that depends on `network` alone.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
    // The warning on items that return a large network or its gradients by value: its exact
    // text (denied, so that trybuild compares it), its absence on small networks, and
    // `#[network(allow_large)]`, which silences it.
    t.compile_fail("tests/ui/large/fail/*.rs");
    t.pass("tests/ui/large/pass/*.rs");
}
