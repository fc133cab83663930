//! `docs/backprop.md` quotes the library's code and the worked example's numbers; this test
//! fails if either drifts. (The excerpt of generated code is checked in `network-macros`.)

#[path = "../../examples/bias_update/walkthrough.rs"]
mod walkthrough;

const DOC: &str = include_str!("../../docs/backprop.md");

/// Lines with their indentation removed: a quote may be re-indented, not changed.
fn trimmed(text: &str) -> Vec<&str> {
    text.lines().map(str::trim).collect()
}

/// Every `*from* `path`` in the document, with the code block that follows it.
fn quotes() -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    let mut rest = DOC;
    while let Some(at) = rest.find("*from*") {
        // The path may sit on the next line.
        rest = rest[at + "*from*".len()..].trim_start();
        rest = rest
            .strip_prefix('`')
            .expect("*from* is followed by a `path`");
        let path = &rest[..rest.find('`').expect("closing backtick")];
        let start = rest
            .find("```rust,ignore\n")
            .expect("a code block after *from*")
            + "```rust,ignore\n".len();
        let len = rest[start..].find("\n```").expect("the code block ends");
        out.push((path, &rest[start..start + len]));
        rest = &rest[start + len..];
    }
    out
}

#[test]
fn every_quote_appears_in_its_file() {
    let quotes = quotes();
    assert_eq!(quotes.len(), DOC.matches("*from*").count());
    assert!(quotes.len() >= 9, "found only {} quotes", quotes.len());
    for (path, code) in quotes {
        let file = std::fs::read_to_string(format!("{}/../{path}", env!("CARGO_MANIFEST_DIR")))
            .unwrap_or_else(|e| panic!("docs/backprop.md quotes {path}: {e}"));
        let (file, code) = (trimmed(&file), trimmed(code));
        assert!(
            file.windows(code.len()).any(|w| w == code.as_slice()),
            "docs/backprop.md quotes code that is not in {path} (any more):\n{}",
            code.join("\n")
        );
    }
}

#[test]
fn the_table_shows_the_examples_numbers() {
    let w = walkthrough::walk();
    for v in [
        w.a1[0],
        w.a1[1],
        w.z2[0],
        w.a2[0],
        w.loss_before,
        w.delta2[0],
        w.delta1[0],
        w.delta1[1],
        w.grads.l2.weight[0][0],
        w.after.l2.bias[0],
        w.loss_after,
    ] {
        let s = format!("`{v:.9}`");
        assert!(DOC.contains(&s), "docs/backprop.md lacks {s}");
    }
}
