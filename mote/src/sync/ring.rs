//! A fixed-capacity ring buffer of `N` slots, no heap.
//!
//! Invariant: exactly the `len` slots starting at `head` (wrapping) hold initialised
//! values; all other slots are uninitialised; `head < N` (or `head == 0` when `N == 0`).

use core::mem::MaybeUninit;

use crate::sync::quiet::Inert;

pub(crate) struct Ring<T, const N: usize> {
    buf: [MaybeUninit<T>; N],
    head: usize,
    len: usize,
}

impl<T, const N: usize> Ring<T, N> {
    pub(crate) const fn new() -> Self {
        Self {
            buf: [const { MaybeUninit::uninit() }; N],
            head: 0,
            len: 0,
        }
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Slot of the value `offset` places after the oldest one; called only with
    /// `offset <= len` and `N > 0` (a push with `len < N`, or a read with `len > 0`).
    #[inline]
    fn index(&self, offset: usize) -> usize {
        // SAFETY: ring invariant: `head < N` whenever a slot is addressed (`N > 0` here,
        // see above, and `head` only ever takes values returned by `index`, or `push_front`'s
        // `i < N`). Lets the
        // compiler fold the wrap for small `N`.
        unsafe { core::hint::assert_unchecked(self.head < N && offset <= N) };
        let i = self.head + offset;
        if i >= N {
            i - N
        } else {
            i
        }
    }

    /// The value `offset` places after the oldest one.
    #[inline]
    pub(crate) fn get_mut(&mut self, offset: usize) -> Option<&mut T> {
        if offset >= self.len {
            return None;
        }
        let i = self.index(offset);
        // SAFETY: `offset < len`, so slot `i` is initialised (ring invariant).
        Some(unsafe { self.buf[i].assume_init_mut() })
    }

    /// Appends `value`; gives it back when full.
    #[inline]
    pub(crate) fn push_back(&mut self, value: T) -> Result<(), T> {
        if self.len == N {
            return Err(value);
        }
        let i = self.index(self.len);
        self.buf[i].write(value);
        self.len += 1;
        Ok(())
    }

    /// Prepends `value` (it becomes the oldest); gives it back when full. Used only to
    /// put a received value back when the receive unwinds (`channel/engine.rs`).
    #[cfg(panic = "unwind")]
    pub(crate) fn push_front(&mut self, value: T) -> Result<(), T> {
        if self.len == N {
            return Err(value);
        }
        // `N > 0` here (`len < N`), so `head < N`: `i < N` is the slot before `head`.
        let i = if self.head == 0 { N - 1 } else { self.head - 1 };
        self.buf[i].write(value);
        self.head = i;
        self.len += 1;
        // Ring invariant kept: the `len` slots from the new `head` (the old ones and `i`
        // before them) are initialised, and `head < N`.
        Ok(())
    }

    /// Removes the oldest value.
    #[inline]
    pub(crate) fn pop_front(&mut self) -> Option<T> {
        if self.len == 0 {
            return None;
        }
        let i = self.head;
        self.head = self.index(1);
        self.len -= 1;
        // SAFETY: slot `i` was the first of the `len` initialised slots (ring invariant);
        // it is now outside the initialised range, so it is read exactly once.
        Some(unsafe { self.buf[i].assume_init_read() })
    }

    /// Removes the newest value.
    #[inline]
    pub(crate) fn pop_back(&mut self) -> Option<T> {
        if self.len == 0 {
            return None;
        }
        self.len -= 1;
        let i = self.index(self.len);
        // SAFETY: slot `i` was the last of the initialised slots (ring invariant); it is
        // now outside the initialised range, so it is read exactly once.
        Some(unsafe { self.buf[i].assume_init_read() })
    }
}

// SAFETY: (quiet.rs, QS2) a ring's methods only move its values in and out, and lend
// `&mut I`; dropping it drops its values, which are `Inert`.
unsafe impl<I: Inert, const N: usize> Inert for Ring<I, N> {}

impl<T, const N: usize> Drop for Ring<T, N> {
    fn drop(&mut self) {
        while self.pop_front().is_some() {}
    }
}
