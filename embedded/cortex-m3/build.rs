//! Puts `memory.x` where cortex-m-rt's `link.x` finds it and links with `link.x`, so the crate
//! builds from any directory given only `--target thumbv7m-none-eabi`.
//! (`-Tlink.x` must come from here only: also passing it in rustflags defines FLASH twice.)

use std::{env, fs, path::PathBuf};

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::write(out.join("memory.x"), include_bytes!("memory.x")).expect("write memory.x");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rustc-link-arg-bins=-Tlink.x");
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=build.rs");
}
