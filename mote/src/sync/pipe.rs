//! [`Pipe`]: a bounded byte stream of `N` bytes between writers and readers, usable
//! through `embedded_io_async::{Read, Write}`.
//!
//! # Guarantees
//!
//! - Bytes come out in the order they went in, each exactly once. A write copies as many
//!   bytes as fit (at least one, waiting until one fits); a read copies as many as are
//!   buffered (at least one, waiting until one is there). One call's bytes are
//!   contiguous in the stream. If a read's wake of a writer panics (`std`), the bytes
//!   read go back to the front (the reader, unwinding, never gets the count), unless a
//!   writer refilled the freed room in between from another thread.
//! - Readers, and writers, queue FIFO (no limit). When bytes arrive, only the oldest
//!   waiting reader is woken, and no other reader may overtake it until it has read;
//!   likewise for writers and free space. A woken reader or writer dropped before its
//!   turn passes the turn on.
//!
//! State behind one raw mutex of kind `M`: the byte ring, two wait lists, and one
//! `granted` flag per side (true while the oldest waiter of that side is woken and has
//! not taken its turn).

use core::convert::Infallible;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use crate::sync::blocking_mutex::raw::RawMutex;
#[cfg(panic = "unwind")]
use crate::sync::defer::Defer;
use crate::sync::shared::{Grant, Shared};
use crate::sync::wait_list::{Turn, WaitList, Waiter};

/// Error of [`Pipe::try_write`]: no byte fits right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct TryWriteError;

impl fmt::Display for TryWriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("pipe full")
    }
}

impl core::error::Error for TryWriteError {}

/// Error of [`Pipe::try_read`]: no byte is available right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct TryReadError;

impl fmt::Display for TryReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("pipe empty")
    }
}

impl core::error::Error for TryReadError {}

struct State<const N: usize> {
    buf: [u8; N],
    head: usize,
    len: usize,
    readers: WaitList,
    writers: WaitList,
    reader_granted: bool,
    writer_granted: bool,
}

impl<const N: usize> State<N> {
    /// May a reader that is not the granted one read now? (FIFO: not while others wait.)
    fn open_to_new_reader(&self) -> bool {
        !self.reader_granted && self.readers.is_empty()
    }

    fn open_to_new_writer(&self) -> bool {
        !self.writer_granted && self.writers.is_empty()
    }

    fn read_bytes(&mut self, out: &mut [u8]) -> usize {
        let n = out.len().min(self.len);
        let first = n.min(N - self.head);
        out[..first].copy_from_slice(&self.buf[self.head..self.head + first]);
        out[first..n].copy_from_slice(&self.buf[..n - first]);
        self.head = (self.head + n) % N;
        self.len -= n;
        n
    }

    /// Puts `bytes`, just read, back at the front; false (nothing put back) when they
    /// no longer fit (a writer filled the freed room meanwhile, from another thread).
    #[cfg(panic = "unwind")]
    fn unread(&mut self, bytes: &[u8]) -> bool {
        let n = bytes.len();
        if n > N - self.len {
            return false;
        }
        self.head = (self.head + N - n) % N;
        let first = n.min(N - self.head);
        self.buf[self.head..self.head + first].copy_from_slice(&bytes[..first]);
        self.buf[..n - first].copy_from_slice(&bytes[first..]);
        self.len += n;
        true
    }

    fn write_bytes(&mut self, data: &[u8]) -> usize {
        let n = data.len().min(N - self.len);
        let tail = (self.head + self.len) % N;
        let first = n.min(N - tail);
        self.buf[tail..tail + first].copy_from_slice(&data[..first]);
        self.buf[..n - first].copy_from_slice(&data[first..n]);
        self.len += n;
        n
    }
}

impl<const N: usize> Grant for State<N> {
    fn grant_one(&mut self) -> Option<Waker> {
        if self.len < N && !self.writer_granted && !self.writers.is_empty() {
            self.writer_granted = true;
            return self.writers.grant_front();
        }
        if self.len > 0 && !self.reader_granted && !self.readers.is_empty() {
            self.reader_granted = true;
            return self.readers.grant_front();
        }
        None
    }
}

/// A byte pipe of capacity `N` (at least 1), guarded by a raw mutex of kind `M`.
///
/// ```
/// use mote::sync::blocking_mutex::raw::CriticalSectionRawMutex;
/// use mote::sync::pipe::Pipe;
///
/// static UART_RX: Pipe<CriticalSectionRawMutex, 8> = Pipe::new();
/// // Interrupt side: `UART_RX.try_write(&[byte])`; task side: `UART_RX.read(&mut buf).await`.
/// assert_eq!(UART_RX.try_write(b"hello, world"), Ok(8));
/// let mut buf = [0; 5];
/// assert_eq!(UART_RX.try_read(&mut buf), Ok(5));
/// assert_eq!(&buf, b"hello");
/// ```
pub struct Pipe<M: RawMutex, const N: usize> {
    shared: Shared<M, State<N>>,
}

impl<M: RawMutex, const N: usize> Pipe<M, N> {
    /// Creates an empty pipe (usable in a `static`). `N == 0` is a compile error.
    pub const fn new() -> Self {
        const { assert!(N > 0, "a Pipe needs a capacity of at least 1") };
        Self {
            shared: Shared::new(State {
                buf: [0; N],
                head: 0,
                len: 0,
                readers: WaitList::new(),
                writers: WaitList::new(),
                reader_granted: false,
                writer_granted: false,
            }),
        }
    }

    /// Writes as many bytes of `data` as fit, waiting until at least one fits; returns the
    /// count (0 only for empty `data`).
    ///
    /// Cancel safety: yes. Bytes are copied only in the poll that returns their count.
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, pipe::Pipe};
    /// use core::{future::Future, pin::pin, task::Poll};
    /// let p: Pipe<NoopRawMutex, 2> = Pipe::new();
    /// let mut cx = futures_test::task::noop_context();
    /// assert_eq!(pin!(p.write(b"abc")).poll(&mut cx), Poll::Ready(2));
    /// ```
    pub fn write<'a>(&'a self, data: &'a [u8]) -> WriteFuture<'a, M, N> {
        WriteFuture {
            pipe: self,
            data,
            waiter: Waiter::new(),
        }
    }

    /// Reads as many bytes as are buffered into `buf`, waiting until at least one is;
    /// returns the count (0 only for empty `buf`).
    ///
    /// Cancel safety: yes. Bytes are removed only in the poll that returns their count.
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, pipe::Pipe};
    /// use core::{future::Future, pin::pin, task::Poll};
    /// let p: Pipe<NoopRawMutex, 4> = Pipe::new();
    /// let mut cx = futures_test::task::noop_context();
    /// let mut buf = [0; 4];
    /// let mut read = pin!(p.read(&mut buf));
    /// assert!(read.as_mut().poll(&mut cx).is_pending());
    /// p.try_write(b"hi").unwrap();
    /// assert_eq!(read.poll(&mut cx), Poll::Ready(2));
    /// ```
    pub fn read<'a>(&'a self, buf: &'a mut [u8]) -> ReadFuture<'a, M, N> {
        ReadFuture {
            pipe: self,
            buf,
            waiter: Waiter::new(),
        }
    }

    /// Writes as many bytes as fit now (callable from interrupt handlers with a suitable
    /// `M`). Fails when none fits or writers are queued (they come first).
    pub fn try_write(&self, data: &[u8]) -> Result<usize, TryWriteError> {
        if data.is_empty() {
            return Ok(0);
        }
        self.shared.update(|s| {
            if s.open_to_new_writer() && s.len < N {
                Ok(s.write_bytes(data))
            } else {
                Err(TryWriteError)
            }
        })
    }

    /// Reads as many bytes as are buffered now. Fails when none is, or readers are queued.
    pub fn try_read(&self, buf: &mut [u8]) -> Result<usize, TryReadError> {
        if buf.is_empty() {
            return Ok(0);
        }
        self.read_section(
            buf,
            |s, buf| {
                if s.open_to_new_reader() && s.len > 0 {
                    Ok(s.read_bytes(buf))
                } else {
                    Err(TryReadError)
                }
            },
            |r| r.ok(),
        )
    }

    /// Runs the read section `op` on `buf` and then grants the waiters it allows (the
    /// writer its read made room for) and wakes them. `read` tells how many bytes `op`
    /// read. Where panics unwind: if a wake unwinds, the bytes read go back to the front
    /// of the pipe (each byte comes out exactly once: the caller, unwinding, never gets
    /// the count), unless a writer filled the freed room meanwhile (another thread), and
    /// the panic goes on to the caller.
    #[inline(always)]
    fn read_section<R>(
        &self,
        buf: &mut [u8],
        op: impl FnOnce(&mut State<N>, &mut [u8]) -> R,
        read: fn(&R) -> Option<usize>,
    ) -> R {
        #[cfg(panic = "unwind")]
        {
            let r = self.shared.with(|s| op(s, &mut *buf));
            let Some(n) = read(&r) else {
                // Nothing read: the section only acknowledged a grant it could not use
                // (`len == 0`, so no reader can be granted) or queued its waiter, which
                // allows no grant (`update` would find none).
                return r;
            };
            let on_unwind = Defer::new(|| {
                self.shared.update(|s| s.unread(&buf[..n]));
            });
            self.shared.update(|_| ());
            on_unwind.cancel();
            r
        }
        #[cfg(not(panic = "unwind"))]
        {
            let _ = read;
            self.shared.update(|s| op(s, buf))
        }
    }

    /// Number of buffered bytes.
    pub fn len(&self) -> usize {
        self.shared.with(|s| s.len)
    }

    /// True when no byte is buffered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when `len() == N`.
    pub fn is_full(&self) -> bool {
        self.len() == N
    }

    /// The capacity `N`.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// Free bytes: `N - len()`.
    pub fn free_capacity(&self) -> usize {
        N - self.len()
    }

    /// Discards every buffered byte (waking a waiting writer).
    pub fn clear(&self) {
        self.shared.update(|s| {
            s.head = 0;
            s.len = 0;
        });
    }

    /// A copyable handle that reads (implements `embedded_io_async::Read`).
    ///
    /// ```
    /// # use mote::sync::{blocking_mutex::raw::NoopRawMutex, pipe::Pipe};
    /// let p: Pipe<NoopRawMutex, 4> = Pipe::new();
    /// let (mut r, w) = (p.reader(), p.writer());
    /// w.try_write(b"x").unwrap();
    /// let mut b = [0; 1];
    /// assert_eq!(r.try_read(&mut b), Ok(1));
    /// ```
    pub fn reader(&self) -> Reader<'_, M, N> {
        Reader { pipe: self }
    }

    /// A copyable handle that writes (implements `embedded_io_async::Write`).
    pub fn writer(&self) -> Writer<'_, M, N> {
        Writer { pipe: self }
    }
}

impl<M: RawMutex, const N: usize> Default for Pipe<M, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: RawMutex, const N: usize> fmt::Debug for Pipe<M, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pipe")
            .field("len", &self.len())
            .field("capacity", &N)
            .finish()
    }
}

/// Future of [`Pipe::write`]. Cancel safety: yes (see there).
#[must_use = "futures do nothing unless polled"]
pub struct WriteFuture<'a, M: RawMutex, const N: usize> {
    pipe: &'a Pipe<M, N>,
    data: &'a [u8],
    waiter: Waiter,
}

impl<M: RawMutex, const N: usize> Future for WriteFuture<'_, M, N> {
    type Output = usize;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        // SAFETY: nothing is moved out of `self`; `waiter` stays in place.
        let this = unsafe { self.get_unchecked_mut() };
        let (pipe, data, waiter) = (this.pipe, this.data, &mut this.waiter);
        if data.is_empty() {
            return Poll::Ready(0);
        }
        pipe.shared.update(|s| {
            // SAFETY: `waiter` is pinned, always used with `s.writers`; lock held.
            let may_write = match unsafe { waiter.poll_turn(&mut s.writers, cx.waker()) } {
                Turn::Waiting => return Poll::Pending,
                Turn::Granted => {
                    s.writer_granted = false;
                    true
                }
                Turn::Fresh => s.open_to_new_writer(),
            };
            if may_write && s.len < N {
                return Poll::Ready(s.write_bytes(data));
            }
            // SAFETY: as above; our `Drop` cancels while queued.
            unsafe { waiter.enqueue(&mut s.writers, cx.waker(), 0) };
            Poll::Pending
        })
    }
}

impl<M: RawMutex, const N: usize> Drop for WriteFuture<'_, M, N> {
    fn drop(&mut self) {
        if self.waiter.is_queued() {
            let waiter = &mut self.waiter;
            self.pipe.shared.update(|s| {
                // SAFETY: pinned (queued implies polled), dropped in place; used with
                // `s.writers`; lock held.
                if unsafe { waiter.cancel(&mut s.writers) } {
                    s.writer_granted = false; // `update` passes the turn on
                }
            });
        }
    }
}

/// Future of [`Pipe::read`]. Cancel safety: yes (see there).
#[must_use = "futures do nothing unless polled"]
pub struct ReadFuture<'a, M: RawMutex, const N: usize> {
    pipe: &'a Pipe<M, N>,
    buf: &'a mut [u8],
    waiter: Waiter,
}

impl<M: RawMutex, const N: usize> Future for ReadFuture<'_, M, N> {
    type Output = usize;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        // SAFETY: nothing is moved out of `self`; `waiter` stays in place.
        let this = unsafe { self.get_unchecked_mut() };
        let (pipe, buf, waiter) = (this.pipe, &mut *this.buf, &mut this.waiter);
        if buf.is_empty() {
            return Poll::Ready(0);
        }
        pipe.read_section(
            buf,
            |s, buf| {
                // SAFETY: `waiter` is pinned, always used with `s.readers`; lock held.
                let may_read = match unsafe { waiter.poll_turn(&mut s.readers, cx.waker()) } {
                    Turn::Waiting => return Poll::Pending,
                    Turn::Granted => {
                        s.reader_granted = false;
                        true
                    }
                    Turn::Fresh => s.open_to_new_reader(),
                };
                if may_read && s.len > 0 {
                    return Poll::Ready(s.read_bytes(buf));
                }
                // SAFETY: as above; our `Drop` cancels while queued.
                unsafe { waiter.enqueue(&mut s.readers, cx.waker(), 0) };
                Poll::Pending
            },
            |r| match r {
                Poll::Ready(n) => Some(*n),
                Poll::Pending => None,
            },
        )
    }
}

impl<M: RawMutex, const N: usize> Drop for ReadFuture<'_, M, N> {
    fn drop(&mut self) {
        if self.waiter.is_queued() {
            let waiter = &mut self.waiter;
            self.pipe.shared.update(|s| {
                // SAFETY: pinned (queued implies polled), dropped in place; used with
                // `s.readers`; lock held.
                if unsafe { waiter.cancel(&mut s.readers) } {
                    s.reader_granted = false; // `update` passes the turn on
                }
            });
        }
    }
}

/// Reading handle of a [`Pipe`] (see [`Pipe::reader`]).
pub struct Reader<'a, M: RawMutex, const N: usize> {
    pipe: &'a Pipe<M, N>,
}

impl<M: RawMutex, const N: usize> Clone for Reader<'_, M, N> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M: RawMutex, const N: usize> Copy for Reader<'_, M, N> {}

impl<'a, M: RawMutex, const N: usize> Reader<'a, M, N> {
    /// See [`Pipe::read`] (cancel safety: yes).
    pub fn read<'b>(&'b self, buf: &'b mut [u8]) -> ReadFuture<'b, M, N> {
        self.pipe.read(buf)
    }

    /// See [`Pipe::try_read`].
    pub fn try_read(&mut self, buf: &mut [u8]) -> Result<usize, TryReadError> {
        self.pipe.try_read(buf)
    }
}

/// Writing handle of a [`Pipe`] (see [`Pipe::writer`]).
pub struct Writer<'a, M: RawMutex, const N: usize> {
    pipe: &'a Pipe<M, N>,
}

impl<M: RawMutex, const N: usize> Clone for Writer<'_, M, N> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M: RawMutex, const N: usize> Copy for Writer<'_, M, N> {}

impl<'a, M: RawMutex, const N: usize> Writer<'a, M, N> {
    /// See [`Pipe::write`] (cancel safety: yes).
    pub fn write<'b>(&'b self, data: &'b [u8]) -> WriteFuture<'b, M, N> {
        self.pipe.write(data)
    }

    /// See [`Pipe::try_write`].
    pub fn try_write(&self, data: &[u8]) -> Result<usize, TryWriteError> {
        self.pipe.try_write(data)
    }
}

impl<M: RawMutex, const N: usize> embedded_io_async::ErrorType for Pipe<M, N> {
    type Error = Infallible;
}

impl<M: RawMutex, const N: usize> embedded_io_async::ErrorType for Reader<'_, M, N> {
    type Error = Infallible;
}

impl<M: RawMutex, const N: usize> embedded_io_async::ErrorType for Writer<'_, M, N> {
    type Error = Infallible;
}

/// Cancel safety: yes (see [`Pipe::read`]).
impl<M: RawMutex, const N: usize> embedded_io_async::Read for Pipe<M, N> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Infallible> {
        Ok(Pipe::read(self, buf).await)
    }
}

/// Cancel safety: yes (see [`Pipe::write`]); `flush` completes at once (written bytes
/// are already readable).
impl<M: RawMutex, const N: usize> embedded_io_async::Write for Pipe<M, N> {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Infallible> {
        Ok(Pipe::write(self, buf).await)
    }

    async fn flush(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
}

/// Cancel safety: yes (see [`Pipe::read`]).
impl<M: RawMutex, const N: usize> embedded_io_async::Read for Reader<'_, M, N> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Infallible> {
        Ok(self.pipe.read(buf).await)
    }
}

/// Cancel safety: yes (see [`Pipe::write`]); `flush` completes at once.
impl<M: RawMutex, const N: usize> embedded_io_async::Write for Writer<'_, M, N> {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Infallible> {
        Ok(self.pipe.write(buf).await)
    }

    async fn flush(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
}
