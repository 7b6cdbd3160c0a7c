//! `#[mote::task]`: turns `async fn name(args)` into `fn name(args) -> SpawnToken<_>`
//! backed by a zero-initialised static pool sized from the future's type.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::visit_mut::{self, VisitMut};
use syn::{
    parse::Parser, punctuated::Punctuated, Error, Expr, ExprLit, FnArg, ItemFn, Lifetime, Lit,
    Meta, ReturnType, Token, Type, TypeReference,
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

    let krate = quote!(::mote);
    // The future the pool stores has `Output = ()`; a `-> !` body (checked by rustc to
    // diverge) is awaited inside one, whose `()` the never type coerces to.
    // Not an `async fn` around the body: that would keep the arguments twice (its own
    // state and the body's), see `mote::executor::Forever`.
    let task_fn = if returns_never(&f.sig) {
        quote! {
            fn __mote_task(#(#outer_params),*)
                -> #krate::_export::Forever<impl ::core::future::Future>
            {
                async fn __mote_body(#(#inner_params),*) -> ! #body
                #krate::_export::Forever::new(__mote_body(#(#arg_names),*))
            }
        }
    } else if let Some(ret) = returned_value(&f.sig) {
        // A task that returns a value: its body's future is wrapped in a `Joinable`
        // (still `Output = ()` for the pool), which keeps the output for a `JoinHandle`.
        quote! {
            fn __mote_task(#(#outer_params),*)
                -> #krate::_export::Joinable<impl ::core::future::Future<Output = #ret>>
            {
                async fn __mote_body(#(#inner_params),*) -> #ret #body
                #krate::_export::Joinable::new(__mote_body(#(#arg_names),*))
            }
        }
    } else {
        quote!(async fn __mote_task(#(#inner_params),*) #body)
    };
    let token_type = match returned_value(&f.sig) {
        Some(ret) => quote!(#krate::SpawnToken<
            #krate::_export::Joinable<impl ::core::future::Future<Output = #ret>>
        >),
        None => quote!(#krate::SpawnToken<impl ::core::marker::Sized>),
    };

    // `r#type` is named `type`.
    let name_str = syn::ext::IdentExt::unraw(name).to_string();
    let sizes = task_sizes(&krate, &name_str);
    Ok(quote! {
        #(#attrs)*
        #vis fn #name(#(#outer_params),*) -> #token_type {
            #task_fn

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
            #sizes
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
            // The task's name and sizes for `mote::trace` (nothing without `trace`).
            #krate::_export::name_token(token, &__MOTE_META)
        }
    })
}

/// The task function's sizes, computed at compile time: a `static` `TaskMeta` for
/// `mote::trace` (dropped by the linker without `trace`), and on bare-metal targets one
/// record in the non-allocated ELF section `.mote.tasks` for `cargo xtask size --tasks`
/// (no flash, no RAM; layout in mote's `executor/task_meta.rs`). Statements for the body of
/// the task's constructor function, where `__mote_future_type`, `__mote_task` and
/// `__MOTE_POOL_SIZE` are in scope.
fn task_sizes(krate: &TokenStream, name_str: &str) -> TokenStream {
    quote! {
        const __MOTE_SIZES: #krate::_export::TaskSizes =
            #krate::_export::task_sizes::<_, __MOTE_POOL_SIZE>(__mote_future_type(__mote_task));
        static __MOTE_META: #krate::_export::TaskMeta = #krate::_export::TaskMeta {
            name: #name_str,
            sizes: __MOTE_SIZES,
        };
        // Assembler directives only: the record goes to a non-allocated section and no
        // instruction is emitted. (Inside the function: `global_asm!` cannot reach the
        // future type. A copy of the record per inlined copy of this function is fine:
        // the reader keeps one per name.)
        #[cfg(target_os = "none")]
        // SAFETY: no instruction runs; nothing is read, written or clobbered.
        unsafe { ::core::arch::asm!(
            ".pushsection .mote.tasks,\"\",%progbits",
            ".balign 4",
            ".4byte {magic}",
            ".4byte {future}",
            ".4byte {slot}",
            ".4byte {pool_size}",
            ".4byte {pool_bytes}",
            ::core::concat!(".asciz \"", ::core::module_path!(), "::", #name_str, "\""),
            ".balign 4",
            ".popsection",
            magic = const #krate::_export::RECORD_MAGIC,
            future = const __MOTE_SIZES.future,
            slot = const __MOTE_SIZES.slot,
            pool_size = const __MOTE_SIZES.pool_size,
            pool_bytes = const __MOTE_SIZES.pool_bytes,
            options(nomem, nostack, preserves_flags),
        ) };
    }
}

/// The type a task returns, unless it is `()` (written or not) or `!`: such a task is
/// joinable (its output waits for a `JoinHandle`).
fn returned_value(sig: &syn::Signature) -> Option<&Type> {
    match &sig.output {
        ReturnType::Type(_, ty) => match &**ty {
            Type::Never(_) => None,
            Type::Tuple(t) if t.elems.is_empty() => None,
            ty => Some(ty),
        },
        ReturnType::Default => None,
    }
}

/// True for `-> !` (a task that never returns, as Embassy writes it).
fn returns_never(sig: &syn::Signature) -> bool {
    matches!(&sig.output, ReturnType::Type(_, ty) if matches!(**ty, Type::Never(_)))
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

/// Rejects argument types a task cannot store: anything not `'static` (a reference or
/// lifetime argument that is elided, `'_` or named, at any depth), `impl Trait` (at any
/// depth) and `Self`. Each error is spanned at the offending part and, where there is
/// one, names the type to write instead. (A path type whose lifetime parameter is
/// elided without `<'_>`, e.g. `View` for `View<'a>`, cannot be seen here; rustc
/// reports it.)
fn check_arg_type(ty: &Type, push: &mut impl FnMut(Error)) {
    if let Type::ImplTrait(t) = ty {
        push(Error::new(
            t.span(),
            "task arguments cannot be `impl Trait`: the task's storage needs one concrete \
             type; use a concrete type or `&'static dyn Trait`",
        ));
        return;
    }
    let fixed = suggestion(ty);
    let mut walk = ArgWalk {
        fixed: &fixed,
        in_fn_sugar: 0,
        errors: Vec::new(),
    };
    walk.visit_type(ty);
    walk.errors.into_iter().for_each(push);
}

/// `ty` with every non-`'static` lifetime outside `Fn` sugar made `'static` and every
/// `impl Bounds` made `&'static dyn Bounds`, as source text.
fn suggestion(ty: &Type) -> String {
    struct Fix {
        in_fn_sugar: usize,
    }
    impl VisitMut for Fix {
        fn visit_type_mut(&mut self, t: &mut Type) {
            if let Type::ImplTrait(it) = t {
                let bounds = &it.bounds;
                *t = if bounds.len() > 1 {
                    syn::parse_quote!(&'static (dyn #bounds))
                } else {
                    syn::parse_quote!(&'static dyn #bounds)
                };
            }
            visit_mut::visit_type_mut(self, t);
        }
        fn visit_type_reference_mut(&mut self, r: &mut TypeReference) {
            if self.in_fn_sugar == 0 && !r.lifetime.as_ref().is_some_and(is_static) {
                r.lifetime = Some(Lifetime::new("'static", r.and_token.span()));
            }
            visit_mut::visit_type_mut(self, &mut r.elem);
        }
        fn visit_lifetime_mut(&mut self, l: &mut Lifetime) {
            if self.in_fn_sugar == 0 && !is_static(l) {
                *l = Lifetime::new("'static", l.span());
            }
        }
        fn visit_type_bare_fn_mut(&mut self, f: &mut syn::TypeBareFn) {
            self.in_fn_sugar += 1;
            visit_mut::visit_type_bare_fn_mut(self, f);
            self.in_fn_sugar -= 1;
        }
        fn visit_parenthesized_generic_arguments_mut(
            &mut self,
            a: &mut syn::ParenthesizedGenericArguments,
        ) {
            self.in_fn_sugar += 1;
            visit_mut::visit_parenthesized_generic_arguments_mut(self, a);
            self.in_fn_sugar -= 1;
        }
    }
    let mut ty = ty.clone();
    Fix { in_fn_sugar: 0 }.visit_type_mut(&mut ty);
    type_text(&ty)
}

/// Source text of a type as a user would write it (`Option<&'static str>`, not the
/// token stream's `Option < & 'static str >`).
fn type_text(ty: &Type) -> String {
    let mut s = quote!(#ty).to_string();
    for (from, to) in [
        (" <", "<"),
        ("< ", "<"),
        (" >", ">"),
        (" ,", ","),
        (" ;", ";"),
        ("& ", "&"),
        (" :: ", "::"),
        (":: ", "::"),
        (" (", "("),
        ("( ", "("),
        (" )", ")"),
        ("dyn(", "dyn ("),
        ("&'static(", "&'static ("),
        (" [", "["),
        ("[ ", "["),
        (" ]", "]"),
        ("&'static[", "&'static ["),
    ] {
        s = s.replace(from, to);
    }
    s
}

fn is_static(l: &Lifetime) -> bool {
    l.ident == "static"
}

/// Walks one argument type and records its errors (see [`check_arg_type`]).
struct ArgWalk<'a> {
    fixed: &'a str,
    /// Depth inside `fn(..)` / `Fn(..)` sugar, where elided lifetimes are higher-ranked
    /// (`&'static dyn Fn(&str)` is a fine argument).
    in_fn_sugar: usize,
    errors: Vec<Error>,
}

impl ArgWalk<'_> {
    fn not_static(&mut self, span: proc_macro2::Span) {
        self.errors.push(Error::new(
            span,
            format!(
                "task arguments must be `'static` (a task may outlive its caller): write \
                 `{}`, borrowing from a `static`, or pass an owned value",
                self.fixed
            ),
        ));
    }
}

impl<'ast> Visit<'ast> for ArgWalk<'_> {
    fn visit_type_reference(&mut self, r: &'ast TypeReference) {
        if self.in_fn_sugar == 0 && !r.lifetime.as_ref().is_some_and(is_static) {
            match &r.lifetime {
                Some(l) => self.not_static(l.span()),
                None => self.not_static(r.and_token.span()),
            }
        }
        self.visit_type(&r.elem);
    }

    fn visit_lifetime(&mut self, l: &'ast Lifetime) {
        if self.in_fn_sugar == 0 && !is_static(l) {
            self.not_static(l.span());
        }
    }

    fn visit_type_impl_trait(&mut self, t: &'ast syn::TypeImplTrait) {
        self.errors.push(Error::new(
            t.impl_token.span(),
            format!(
                "`impl Trait` inside a task argument type is not supported: the task's \
                 storage needs one concrete type; write `{}`, or use a concrete type",
                self.fixed
            ),
        ));
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        if let Some(first) = p.segments.first() {
            if first.ident == "Self" {
                self.errors.push(Error::new(
                    first.ident.span(),
                    "`Self` cannot be used in a task signature: tasks are free functions \
                     (their storage is a `static` outside any `impl`); name the type instead",
                ));
            }
        }
        visit::visit_path(self, p);
    }

    fn visit_type_bare_fn(&mut self, f: &'ast syn::TypeBareFn) {
        self.in_fn_sugar += 1;
        visit::visit_type_bare_fn(self, f);
        self.in_fn_sugar -= 1;
    }

    fn visit_parenthesized_generic_arguments(
        &mut self,
        a: &'ast syn::ParenthesizedGenericArguments,
    ) {
        self.in_fn_sugar += 1;
        visit::visit_parenthesized_generic_arguments(self, a);
        self.in_fn_sugar -= 1;
    }
}
