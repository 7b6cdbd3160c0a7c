//! The list of every task ever spawned: an intrusive singly linked list through the
//! headers' `trace.next` fields, in first-spawn order, with no heap and no capacity.
//!
//! Guarantees:
//! - A slot is linked once, at its first spawn, and never unlinked (pools are `'static`
//!   and slots are reused in place), so a walk never meets a dangling node and the list
//!   holds at most one entry per pool slot.
//! - `head`, `tail` and every `next` are accessed only inside critical sections, so tasks
//!   may be spawned (and linked) from any context while another walks the list.
//! - Linking is O(1) (append at the tail); a walk is O(number of slots ever used) and
//!   holds a critical section only for one node at a time.

use core::cell::UnsafeCell;
use core::ptr;

use crate::executor::header::{TaskHeader, TaskRef};

struct List {
    head: UnsafeCell<*const TaskHeader>,
    tail: UnsafeCell<*const TaskHeader>,
}

// SAFETY: both fields are only accessed inside critical sections (module docs).
unsafe impl Sync for List {}

static LIST: List = List {
    head: UnsafeCell::new(ptr::null()),
    tail: UnsafeCell::new(ptr::null()),
};

/// Appends `task`. The caller holds a critical section and links each slot once.
pub(crate) fn link(task: TaskRef) {
    // SAFETY: called inside a critical section (contract), which guards `head`, `tail`
    // and every `next`; Header Valid Invariant for the tail's header.
    unsafe {
        *task.header().trace.next.get() = ptr::null();
        let tail = *LIST.tail.get();
        if tail.is_null() {
            *LIST.head.get() = task.as_ptr();
        } else {
            *(*tail).trace.next.get() = task.as_ptr();
        }
        *LIST.tail.get() = task.as_ptr();
    }
}

/// Calls `f` with every task ever spawned, in first-spawn order. Tasks linked while the
/// walk runs are visited if they are appended before the walk reaches the end.
pub(crate) fn walk(mut f: impl FnMut(TaskRef)) {
    // SAFETY: `head` is guarded by the critical section.
    let mut cur = critical_section::with(|_| unsafe { *LIST.head.get() });
    while !cur.is_null() {
        // SAFETY: only task headers of 'static pools are linked (Header Valid Invariant).
        let task = unsafe { TaskRef::from_ptr(cur) };
        // SAFETY: `next` is guarded by the critical section.
        cur = critical_section::with(|_| unsafe { *task.header().trace.next.get() });
        f(task);
    }
}
