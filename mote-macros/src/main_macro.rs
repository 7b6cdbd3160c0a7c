//! `#[mote::main]`: the program entry point running `main` as the first task.

use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;
use syn::{Error, FnArg, ItemFn};

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    if !args.is_empty() {
        return Err(Error::new(
            args.span(),
            "`#[mote::main]` takes no options: write `#[mote::main]`",
        ));
    }
    let f: ItemFn = syn::parse2(item)?;
    if f.sig.asyncness.is_none() {
        return Err(Error::new(
            f.sig.fn_token.span(),
            "the main task must be async: write `async fn main(spawner: mote::Spawner)`",
        ));
    }
    if f.sig.inputs.len() != 1 || matches!(f.sig.inputs.first(), Some(FnArg::Receiver(_))) {
        return Err(Error::new(
            f.sig.inputs.span(),
            "the main task takes exactly one argument: write `async fn main(spawner: mote::Spawner)`",
        ));
    }
    let body = &f.block;
    let attrs = &f.attrs;
    let inputs = &f.sig.inputs;
    Ok(quote! {
        #(#attrs)*
        #[::mote::task]
        async fn __mote_main(#inputs) #body

        #[cfg(target_os = "none")]
        #[doc(hidden)]
        #[export_name = "main"]
        pub unsafe extern "C" fn __mote_entry() -> ! {
            ::mote::executor::run_main(|spawner| spawner.must_spawn(__mote_main(spawner)))
        }

        #[cfg(not(target_os = "none"))]
        fn main() -> ! {
            ::mote::executor::run_main(|spawner| spawner.must_spawn(__mote_main(spawner)))
        }
    })
}
