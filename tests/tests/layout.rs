//! The layout that keeps the README's first command fast: the root package's examples build the
//! library and nothing else, so no crate is a dev-dependency of the root package, and every
//! test and benchmark lives in its own package (`tests/README.md`). A test file left in the
//! root package's `tests/` folder would build there, beside the library's examples.

use std::path::Path;

const ROOT_MANIFEST: &str = include_str!("../../Cargo.toml");

#[test]
fn the_root_package_has_no_dev_dependencies() {
    let sections: Vec<&str> = ROOT_MANIFEST
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with('[') && l.contains("dev-dependencies"))
        .collect();
    assert!(
        sections.is_empty(),
        "the root Cargo.toml declares {sections:?}: Cargo would build those crates before \
         `cargo run --example xor`; put them in tests/Cargo.toml, benches/Cargo.toml or \
         examples-extra/Cargo.toml"
    );
    // The check reads the real manifest: it names the root package.
    assert!(ROOT_MANIFEST.contains("name = \"network\""));
}

/// The Rust files directly in `dir` (not in its subfolders).
fn rust_files(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "rs"))
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    files.sort();
    files
}

#[test]
fn tests_and_benchmarks_are_in_their_packages() {
    let packages = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = packages.parent().unwrap();
    for (dir, home) in [("tests", "tests/tests/"), ("benches", "benches/benches/")] {
        let stray = rust_files(&root.join(dir));
        assert!(
            stray.is_empty(),
            "{dir}/ holds {stray:?}, which Cargo builds as targets of the root package; move them to {home}"
        );
    }
    // The check sees the files that are there.
    assert!(rust_files(&packages.join("tests")).contains(&"layout.rs".to_owned()));
    assert!(rust_files(&root.join("benches/benches")).contains(&"train.rs".to_owned()));
}
