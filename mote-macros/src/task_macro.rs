//! `#[mote::task]`: turns `async fn name(args)` into `fn name(args) -> SpawnToken<_>`
//! backed by a zero-initialised static pool sized from the future's type.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{
    parse::Parser, punctuated::Punctuated, Error, Expr, ExprLit, FnArg, ItemFn, Lit, Meta,
    ReturnType, Token, Type,
};

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let pool_size = parse_pool_size(args)?;
    let f: ItemFn = syn::parse2(item)?;
    check_signature(&f)?;

    let vis = &f.vis;
    let attrs = &f.attrs;
    let name = &f.sig.ident;
    let body = &f.block;

    let mut outer_params = Vec::new();
    let mut inner_params = Vec::new();
    let mut arg_names = Vec::new();
    let mut arg_types = Vec::new();
    for (i, arg) in f.sig.inputs.iter().enumerate() {
        let FnArg::Typed(pt) = arg else {
            unreachable!("receivers are rejected by check_signature")
        };
        let ident = format_ident!("__mote_arg{}", i);
        let ty = &pt.ty;
        outer_params.push(quote!(#ident: #ty));
        inner_params.push(quote!(#pt));
        arg_names.push(ident);
        arg_types.push(ty.clone());
    }

    // `r#type` is named `type`.
    let name_str = syn::ext::IdentExt::unraw(name).to_string();
    let krate = quote!(::mote);
    Ok(quote! {
        #(#attrs)*
        #vis fn #name(#(#outer_params),*) -> #krate::SpawnToken<impl ::core::marker::Sized> {
            async fn __mote_task(#(#inner_params),*) #body

            // Carries the future type of `__mote_task` into a const context.
            const fn __mote_future_type<F: ::core::future::Future<Output = ()>>(
                _: fn(#(#arg_types),*) -> F,
            ) -> ::core::marker::PhantomData<F> {
                ::core::marker::PhantomData
            }
            const __MOTE_POOL_SIZE: usize = #pool_size;
            const __MOTE_LAYOUT: (usize, usize) = #krate::_export::pool_layout::<_, __MOTE_POOL_SIZE>(
                __mote_future_type(__mote_task),
            );
            static __MOTE_POOL: #krate::_export::PoolStorage<{ __MOTE_LAYOUT.0 }, { __MOTE_LAYOUT.1 }> =
                #krate::_export::PoolStorage::new();
            // The executor's entry into this pool: one turn of one of its tasks.
            unsafe fn __mote_poll(task: #krate::_export::TaskRef) {
                // SAFETY: `__MOTE_POOL` holds `__mote_task` futures only (declared for this
                // task function), and the executor calls this for its tasks only.
                unsafe {
                    #krate::_export::poll_in_pool::<_, __MOTE_POOL_SIZE, { __MOTE_LAYOUT.0 }, { __MOTE_LAYOUT.1 }>(
                        &__MOTE_POOL,
                        task,
                        __mote_future_type(__mote_task),
                    )
                }
            }
            // SAFETY: `__MOTE_POOL` is declared for this task function only, so it only ever
            // holds `__mote_task` futures, with this pool size.
            let token = unsafe {
                #krate::_export::spawn_in_pool::<_, __MOTE_POOL_SIZE, { __MOTE_LAYOUT.0 }, { __MOTE_LAYOUT.1 }>(
                    &__MOTE_POOL,
                    __mote_poll,
                    move || __mote_task(#(#arg_names),*),
                )
            };
            // The task's name for `mote::trace` (compiles to nothing without `trace`).
            #krate::_export::name_token(token, &#name_str)
        }
    })
}

fn parse_pool_size(args: TokenStream) -> syn::Result<TokenStream> {
    let metas = Punctuated::<Meta, Token![,]>::parse_terminated.parse2(args)?;
    let mut size: Option<TokenStream> = None;
    for meta in metas {
        match meta {
            Meta::NameValue(nv) if nv.path.is_ident("pool_size") => {
                if let Expr::Lit(ExprLit {
                    lit: Lit::Int(n), ..
                }) = &nv.value
                {
                    if n.base10_parse::<usize>()? == 0 {
                        return Err(Error::new(
                            n.span(),
                            "`pool_size` must be at least 1: write `pool_size = 1` (the default) \
                             or more for tasks that run several instances at once",
                        ));
                    }
                }
                let v = &nv.value;
                // Non-literal sizes (consts) are checked at compile time by the pool.
                size = Some(quote_spanned!(v.span()=> {
                    const __MOTE_N: usize = #v;
                    const { ::core::assert!(__MOTE_N > 0, "`pool_size` must be at least 1") };
                    __MOTE_N
                }));
            }
            other => {
                return Err(Error::new(
                    other.span(),
                    "unknown task option: the only option is `pool_size = N`, e.g. \
                     `#[mote::task(pool_size = 4)]`",
                ))
            }
        }
    }
    Ok(size.unwrap_or_else(|| quote!(1)))
}

fn check_signature(f: &ItemFn) -> syn::Result<()> {
    let sig = &f.sig;
    let mut errors: Option<Error> = None;
    let mut push = |e: Error| match &mut errors {
        Some(all) => all.combine(e),
        None => errors = Some(e),
    };
    if sig.asyncness.is_none() {
        push(Error::new(
            sig.fn_token.span(),
            "task functions must be async: write `async fn`",
        ));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        push(Error::new(
            sig.generics.span(),
            "task functions cannot be generic: each task gets one static pool of one concrete \
             type; write a task per concrete type, or pass a `&'static dyn Trait`",
        ));
    }
    if let ReturnType::Type(_, ty) = &sig.output {
        let is_unit = matches!(&**ty, Type::Tuple(t) if t.elems.is_empty());
        let is_never = matches!(&**ty, Type::Never(_));
        if !is_unit && !is_never {
            push(Error::new(
                ty.span(),
                "task functions return nothing: remove the return type (report results \
                 through a channel or signal)",
            ));
        }
        if is_never {
            push(Error::new(
                ty.span(),
                "remove `-> !`: a task that never returns is written as an `async fn` \
                 with an endless `loop`",
            ));
        }
    }
    if sig.variadic.is_some()
        || sig.abi.is_some()
        || sig.unsafety.is_some()
        || sig.constness.is_some()
    {
        push(Error::new(
            sig.span(),
            "task functions are plain `async fn`s: remove `unsafe`, `const`, `extern` or `...`",
        ));
    }
    for arg in &sig.inputs {
        match arg {
            FnArg::Receiver(r) => push(Error::new(
                r.span(),
                "tasks cannot take `self`: a task outlives any borrow; make it a free \
                 `async fn` taking the value (or a `&'static` reference) as an argument",
            )),
            FnArg::Typed(pt) => check_arg_type(&pt.ty, &mut push),
        }
    }
    match errors {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn check_arg_type(ty: &Type, push: &mut impl FnMut(Error)) {
    match ty {
        Type::ImplTrait(t) => push(Error::new(
            t.span(),
            "task arguments cannot be `impl Trait`: the task's storage needs one concrete \
             type; use a concrete type or `&'static dyn Trait`",
        )),
        Type::Reference(r) => {
            let is_static = r.lifetime.as_ref().is_some_and(|l| l.ident == "static");
            if !is_static {
                push(Error::new(
                    r.span(),
                    "task arguments must be `'static`: a task may outlive the caller; write \
                     `&'static T` (e.g. from a `static`), or pass the value by move",
                ));
            }
            check_arg_type(&r.elem, push);
        }
        Type::Paren(p) => check_arg_type(&p.elem, push),
        Type::Group(g) => check_arg_type(&g.elem, push),
        Type::Tuple(t) => t.elems.iter().for_each(|e| check_arg_type(e, push)),
        Type::Array(a) => check_arg_type(&a.elem, push),
        Type::Slice(s) => check_arg_type(&s.elem, push),
        _ => {}
    }
}
