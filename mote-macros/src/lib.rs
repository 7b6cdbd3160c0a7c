//! Procedural macros for Mote (stub).
use proc_macro::TokenStream;
/// Task macro (stub).
#[proc_macro_attribute]
pub fn task(_a: TokenStream, i: TokenStream) -> TokenStream { i }
/// Main macro (stub).
#[proc_macro_attribute]
pub fn main(_a: TokenStream, i: TokenStream) -> TokenStream { i }
