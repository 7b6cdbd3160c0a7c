//! Sync primitives (see the sync issue): channels, signals, mutexes and waker slots.
