//! `#[mote::main]`: the program entry point running `main` as the first task.

use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;
use syn::{Error, FnArg, ItemFn, ReturnType, Type};

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
    let returns_nothing = match &f.sig.output {
        ReturnType::Default => true,
        ReturnType::Type(_, ty) => match &**ty {
            Type::Never(_) => true,
            Type::Tuple(t) => t.elems.is_empty(),
            _ => false,
        },
    };
    if !returns_nothing {
        return Err(Error::new(
            f.sig.output.span(),
            "the main task returns nothing (or `!`): nobody could take its value; write \
             `async fn main(spawner: mote::Spawner)` and handle errors inside it",
        ));
    }
    // The whole signature goes to `#[mote::task]` under another name, so that its checks
    // (generics, `unsafe`, `extern`, argument types) apply, with their messages; nothing
    // of what was written is dropped.
    let mut task = f;
    let attrs = core::mem::take(&mut task.attrs);
    task.sig.ident = syn::Ident::new("__mote_main", task.sig.ident.span());
    Ok(quote! {
        #(#attrs)*
        #[::mote::task]
        #task

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
