//! Links defmt's linker script (`defmt.x`, put on the search path by the `defmt` crate's
//! build script) into this package's binaries only: the interned format strings go to the
//! ELF's `.defmt` section, where the host decoder reads them. The workspace's
//! `.cargo/config.toml` adds `-Tlink.x` for every package; `-Tdefmt.x` is for this one.

fn main() {
    println!("cargo:rustc-link-arg-bins=-Tdefmt.x");
    println!("cargo:rerun-if-changed=build.rs");
}
