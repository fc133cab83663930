//! Replays the macro-parser fuzz corpus (`fuzz/corpus/macro_parser`) through parse, validate
//! and expand, as `fuzz/fuzz_targets/macro_parser.rs` does: no input may panic.

use crate::{ast, expand};

fn run(data: &[u8]) -> Option<bool> {
    let src = std::str::from_utf8(data).ok()?;
    let tokens = src.parse::<proc_macro2::TokenStream>().ok()?;
    let input = syn::parse2::<ast::Input>(tokens).ok()?;
    Some(expand::expand(&input).is_ok())
}

#[test]
fn the_macro_parser_corpus_replays_without_panics() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/macro_parser");
    let (mut files, mut expanded) = (0, 0);
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| run(&data));
        assert!(outcome.is_ok(), "{} panicked", path.display());
        expanded += usize::from(outcome.unwrap() == Some(true));
        files += 1;
    }
    // The seeds include valid declarations, so some inputs must expand.
    assert!(files >= 10, "corpus missing: {}", dir.display());
    assert!(expanded >= 2);
}
