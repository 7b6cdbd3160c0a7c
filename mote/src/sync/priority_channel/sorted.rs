//! A fixed-capacity queue kept sorted by priority, stable among equal items.
//!
//! Invariant: slots `0..len` are initialised and sorted ascending; among equal items the
//! one inserted first sits at the higher index. So the item received next (the greatest,
//! oldest among equals) is at `len - 1`, and the one received last at `0`.
//! Cost: insert O(N) (shift), receive O(1), for the small `N` of embedded queues.

use core::mem::MaybeUninit;
use core::ptr;

use crate::sync::channel::engine::Queue;
use crate::sync::quiet::Held;

pub(crate) struct Sorted<T, const N: usize> {
    buf: [MaybeUninit<T>; N],
    len: usize,
}

impl<T: Ord, const N: usize> Sorted<T, N> {
    pub(crate) const fn new() -> Self {
        Self {
            buf: [const { MaybeUninit::uninit() }; N],
            len: 0,
        }
    }

    fn get(&self, i: usize) -> &T {
        debug_assert!(i < self.len);
        // SAFETY: callers pass `i < len`; slots `0..len` are initialised (invariant).
        unsafe { self.buf[i].assume_init_ref() }
    }
}

impl<T: Ord, const N: usize> Queue for Sorted<T, N> {
    type Item = T;
    const CAPACITY: usize = N;

    fn len(&self) -> usize {
        self.len
    }

    fn push(&mut self, item: Held<T>) -> Result<(), Held<T>> {
        if self.len == N {
            return Err(item);
        }
        // SAFETY: a `Sorted` is never `Inert`, so it is only used in checked sections
        // (the priority channel's `Shared`), where the value may be used (`Held::open`).
        let item = unsafe { item.open() };
        // First index whose item is >= `item`: the new item goes below all its equals.
        let (mut lo, mut hi) = (0, self.len);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if *self.get(mid) < item {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let base = self.buf.as_mut_ptr();
        // SAFETY: `lo <= len < N`: moving slots `lo..len` up by one stays inside the
        // array (overlap handled by `ptr::copy`); then slot `lo` is written. Afterwards
        // `0..len+1` are initialised and sorted (invariant kept).
        unsafe {
            ptr::copy(base.add(lo), base.add(lo + 1), self.len - lo);
            (*base.add(lo)).write(item);
        }
        self.len += 1;
        Ok(())
    }

    fn pop(&mut self) -> Option<Held<T>> {
        if self.len == 0 {
            return None;
        }
        self.len -= 1;
        // SAFETY: slot `len` (old `len - 1`) was initialised and is now outside `0..len`,
        // so it is read exactly once.
        Some(Held::new(unsafe { self.buf[self.len].assume_init_read() }))
    }

    /// Inserts above its equals, where [`pop`](Queue::pop) took it from when nothing
    /// was inserted since (so it is received first among them again). Runs `Ord`.
    #[cfg(panic = "unwind")]
    fn put_back(&mut self, item: Held<T>) -> Result<(), Held<T>> {
        if self.len == N {
            return Err(item);
        }
        // SAFETY: as in `push`: only used in checked sections.
        let item = unsafe { item.open() };
        // First index whose item is > `item`.
        let (mut lo, mut hi) = (0, self.len);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if *self.get(mid) <= item {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let base = self.buf.as_mut_ptr();
        // SAFETY: as in `push` (`lo <= len < N`); the item goes above its equals, which
        // keeps the order among equals (it was the oldest of them, taken from the top).
        unsafe {
            ptr::copy(base.add(lo), base.add(lo + 1), self.len - lo);
            (*base.add(lo)).write(item);
        }
        self.len += 1;
        Ok(())
    }

    fn pop_last(&mut self) -> Option<Held<T>> {
        if self.len == 0 {
            return None;
        }
        let base = self.buf.as_mut_ptr();
        // SAFETY: slot 0 is initialised (len > 0) and read once; slots `1..len` then move
        // down by one, so `0..len-1` are initialised and still sorted.
        let item = unsafe {
            let item = (*base).assume_init_read();
            ptr::copy(base.add(1), base, self.len - 1);
            item
        };
        self.len -= 1;
        Some(Held::new(item))
    }
}

impl<T, const N: usize> Drop for Sorted<T, N> {
    fn drop(&mut self) {
        for slot in &mut self.buf[..self.len] {
            // SAFETY: slots `0..len` are initialised (invariant) and dropped once here.
            unsafe { slot.assume_init_drop() };
        }
    }
}
