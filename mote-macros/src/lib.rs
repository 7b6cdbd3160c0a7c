//! Procedural macros for Mote, re-exported as `mote::task` and `mote::main`. Use them
//! through `mote`, not directly.
//!
//! Misuse is a compile error that says what to write instead: a non-async function,
//! generics, `impl Trait` arguments, `self` receivers, non-`'static` references, or a
//! pool size of 0; for `#[mote::main]`, options, an argument list other than the one
//! `Spawner`, or a return value.

use proc_macro::TokenStream;

mod main_macro;
mod task_macro;

/// Declares a task: `#[mote::task]` or `#[mote::task(pool_size = N)]` on an `async fn`
/// whose arguments are owned or `'static`, returning `()`, never (`-> !`, a body that
/// loops forever, as Embassy tasks often are) or a value. The function then returns a
/// `mote::SpawnToken` to pass to `Spawner::spawn`; up to `N` instances (default 1) run at
/// once, each in exactly-sized static storage. A task that returns a value may also be
/// spawned with `Spawner::spawn_with_handle`, whose `JoinHandle` gives the output (kept in
/// the task's slot until taken); tasks returning `()` or `!` are stored exactly as before.
#[proc_macro_attribute]
pub fn task(args: TokenStream, item: TokenStream) -> TokenStream {
    task_macro::expand(args.into(), item.into())
        .unwrap_or_else(|e| e.to_compile_error())
        .into()
}

/// Declares the program's entry point: `#[mote::main] async fn main(spawner: Spawner)`.
/// Creates a `'static` executor and runs `main` as its first task: through the
/// `cortex-m-rt` entry symbol on bare-metal targets, from `fn main` on the host. `main`
/// returns `()` or `!`; the rules of `#[mote::task]` apply to the rest of its signature
/// (no generics, no `unsafe` or `extern`), and misuse fails to build with a message
/// saying what to write.
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    main_macro::expand(args.into(), item.into())
        .unwrap_or_else(|e| {
            // The error alone, without the `fn main` rustc would then also miss (a second,
            // misleading error).
            let e = e.to_compile_error();
            quote::quote! {
                #e
                #[cfg(not(target_os = "none"))]
                fn main() {}
            }
        })
        .into()
}
