//! The model-file tests: round trips and every way a file can be wrong (`errors`), a file of
//! another architecture refused as such through every entry point (`architecture`), the
//! Python reader printed in `docs/model-format.md` reading files written here
//! (`python_reader`), the `from_bytes` fuzz corpus replayed (`fuzz_corpus`), and sequence
//! networks' files, whose header records each layer's kind (`sequence`). A model file
//! baked into a binary is in `embedded.rs`; random architectures round-trip in
//! `properties.rs`.

mod architecture;
mod errors;
mod fuzz_corpus;
mod python_reader;
mod sequence;
