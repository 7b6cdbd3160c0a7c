//! [`WordU64`]: a `Cell<u64>` stored as two 32-bit words, so that it is only 4-byte
//! aligned. A `u64` field makes its struct 8-byte aligned on 32-bit targets, and the
//! padding that follows costs RAM in every `static` that holds it (the executor's timer
//! state padded the Cortex-M `Executor` from 48 to 56 bytes). On thumbv7m a 4-aligned
//! pair is still read with one `ldrd`; thumbv6m reads two words either way.

use core::cell::Cell;

/// A `u64` in two `Cell<u32>` words (4-byte aligned). Not `Sync`: keep it behind a lock.
pub(crate) struct WordU64 {
    lo: Cell<u32>,
    hi: Cell<u32>,
}

impl WordU64 {
    /// Holds `v`.
    pub(crate) const fn new(v: u64) -> Self {
        WordU64 {
            lo: Cell::new(v as u32),
            hi: Cell::new((v >> 32) as u32),
        }
    }

    /// The value.
    #[inline]
    pub(crate) fn get(&self) -> u64 {
        (u64::from(self.hi.get()) << 32) | u64::from(self.lo.get())
    }

    /// Replaces the value.
    #[inline]
    pub(crate) fn set(&self, v: u64) {
        self.lo.set(v as u32);
        self.hi.set((v >> 32) as u32);
    }
}

#[cfg(test)]
mod tests {
    use super::WordU64;

    #[test]
    fn round_trips_and_is_word_aligned() {
        let w = WordU64::new(0x1234_5678_9abc_def0);
        assert_eq!(w.get(), 0x1234_5678_9abc_def0);
        w.set(u64::MAX - 1);
        assert_eq!(w.get(), u64::MAX - 1);
        w.set(7);
        assert_eq!(w.get(), 7);
        assert_eq!(core::mem::align_of::<WordU64>(), 4);
        assert_eq!(core::mem::size_of::<WordU64>(), 8);
    }
}
