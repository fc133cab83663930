//! The compile-time warning on items that return a large network or its gradients by value:
//! its exact text (denied, so that trybuild compares it), its absence on small networks, and
//! `#[network(allow_large)]`, which silences it.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/large/fail/*.rs");
    t.pass("tests/ui/large/pass/*.rs");
}
