//! Macro misuse and type misuse fail to compile with a message saying what to write.
#[test]
#[cfg_attr(miri, ignore = "trybuild runs rustc; nothing for Miri to check")]
fn compile_fail() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
