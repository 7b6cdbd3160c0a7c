//! [`Forever`]: the future a `#[mote::task]` whose body returns `!` stores in its pool.
//!
//! Why not an `async fn` around the body: an `async fn` keeps its arguments in its state
//! next to the awaited body future, which holds them too, so every argument was stored
//! twice (measured: a `-> !` task taking embassy-net's `Runner` over the 3 052-byte
//! LAN9118 driver took 3 052 bytes more per slot than on embassy-executor). `Forever`
//! holds the body's future alone.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

/// The body's future of a task that never returns, as the pool's `Output = ()` future.
/// Made by `#[mote::task]`; not meant to be built or polled by hand. (The body's return
/// type `!` is checked by the macro's inner `async fn`; were its future ever to finish,
/// `Forever` would finish too, dropping the value.)
///
/// ```
/// #[mote::task]
/// async fn forever(n: u32) -> ! {
///     loop {
///         let _ = n;
///         mote::futures::yield_now().await;
///     }
/// }
///
/// let token = forever(1);
/// # drop(token);
/// ```
#[derive(Debug)]
pub struct Forever<F> {
    body: F,
}

impl<F> Forever<F> {
    /// Wraps a task body's future.
    #[doc(hidden)]
    pub const fn new(body: F) -> Self {
        Self { body }
    }
}

impl<F: Future> Future for Forever<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: `body` is structurally pinned: `Forever` never moves it out, has no
        // `Drop` impl, and is `Unpin` only when `F` is (auto trait).
        let body = unsafe { self.map_unchecked_mut(|f| &mut f.body) };
        body.poll(cx).map(drop)
    }
}
