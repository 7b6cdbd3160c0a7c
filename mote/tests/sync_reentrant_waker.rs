//! Adversarial wakers and values: foreign code run by a primitive (a waker's `clone`,
//! `drop` or `wake`, a value's `Ord`) that re-enters the same primitive.
//!
//! Channel and Signal use quiet lock sections (`sync/quiet.rs`): wakers are cloned
//! before the lock and dropped or woken after it, values only move, so every such
//! re-entry works. The priority channel's sections are checked (a busy flag,
//! `sync/shared.rs`) because its queue runs the user's `Ord` under the lock: a re-entry
//! from there panics. Nothing ever aliases the state: run these under Miri (see the
//! crate README). After a panic the primitive stays consistent and usable, which the
//! test checks.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

use mote::sync::blocking_mutex::raw::CriticalSectionRawMutex;
use mote::sync::channel::{Channel, TryReceiveError};
use mote::sync::priority_channel::PriorityChannel;
use mote::sync::signal::Signal;

/// What a hostile waker does from inside each of its vtable functions (each hook runs
/// once: `armed` is cleared before it runs).
struct Hooks {
    on_clone: fn(),
    on_drop: fn(),
    on_wake: fn(),
    armed_clone: AtomicBool,
    armed_drop: AtomicBool,
    armed_wake: AtomicBool,
}

fn nothing() {}

impl Hooks {
    const fn new(on_clone: fn(), on_drop: fn(), on_wake: fn()) -> Self {
        Self {
            on_clone,
            on_drop,
            on_wake,
            armed_clone: AtomicBool::new(false),
            armed_drop: AtomicBool::new(false),
            armed_wake: AtomicBool::new(false),
        }
    }

    fn run(flag: &AtomicBool, hook: fn()) {
        if flag.swap(false, Ordering::SeqCst) {
            hook();
        }
    }
}

static VTABLE: RawWakerVTable =
    RawWakerVTable::new(hook_clone, hook_wake, hook_wake_by_ref, hook_drop);

/// # Safety
///
/// `data` is a `&'static Hooks` (made by [`hostile_waker`]).
unsafe fn hooks<'a>(data: *const ()) -> &'a Hooks {
    // SAFETY: the function's contract.
    unsafe { &*data.cast::<Hooks>() }
}

unsafe fn hook_clone(data: *const ()) -> RawWaker {
    // SAFETY: only `hostile_waker` makes wakers with this vtable.
    let h = unsafe { hooks(data) };
    Hooks::run(&h.armed_clone, h.on_clone);
    RawWaker::new(data, &VTABLE)
}

unsafe fn hook_wake(data: *const ()) {
    // SAFETY: as in `hook_clone`.
    let h = unsafe { hooks(data) };
    Hooks::run(&h.armed_wake, h.on_wake);
}

unsafe fn hook_wake_by_ref(data: *const ()) {
    // SAFETY: as in `hook_clone`.
    unsafe { hook_wake(data) }
}

unsafe fn hook_drop(data: *const ()) {
    // SAFETY: as in `hook_clone`.
    let h = unsafe { hooks(data) };
    Hooks::run(&h.armed_drop, h.on_drop);
}

fn hostile_waker(h: &'static Hooks) -> Waker {
    // SAFETY: the vtable functions only read the `'static` hooks (atomics), so the
    // RawWaker contract holds (clone returns an equal waker, thread-safe).
    unsafe { Waker::from_raw(RawWaker::new((h as *const Hooks).cast(), &VTABLE)) }
}

fn panics(f: impl FnOnce()) -> bool {
    catch_unwind(AssertUnwindSafe(f)).is_err()
}

// ------------------------------------------------------------------------- channel

static CH_CLONE: Channel<CriticalSectionRawMutex, u8, 2> = Channel::new();
static CLONE_SENDS: Hooks = Hooks::new(
    || {
        let _ = CH_CLONE.try_send(7);
    },
    nothing,
    nothing,
);

/// A receiver's waker whose `clone` sends on the same channel: the channel's sections
/// are quiet (`sync/quiet.rs`), so the waker is cloned before the lock and the send works;
/// the receive then takes the item.
#[test]
fn channel_clone_reentering_works() {
    CLONE_SENDS.armed_clone.store(true, Ordering::SeqCst);
    let waker = hostile_waker(&CLONE_SENDS);
    let mut cx = Context::from_waker(&waker);
    let mut rx = pin!(CH_CLONE.receive());
    assert_eq!(rx.as_mut().poll(&mut cx), Poll::Ready(7));
    assert!(
        !CLONE_SENDS.armed_clone.load(Ordering::SeqCst),
        "the hook ran"
    );
    assert_eq!(CH_CLONE.len(), 0);
    assert_eq!(CH_CLONE.try_receive(), Err(TryReceiveError::Empty));
}

static CH_DROP: Channel<CriticalSectionRawMutex, u8, 2> = Channel::new();
static DROP_SENDS: Hooks = Hooks::new(
    nothing,
    || {
        CH_DROP.try_send(5).unwrap();
    },
    nothing,
);

/// A waiting receiver is cancelled; its waker's `drop` sends on the same channel. The
/// removed waker is dropped after the lock, so the send works.
#[test]
fn channel_drop_on_cancel_reentering_works() {
    let waker = hostile_waker(&DROP_SENDS);
    {
        let mut cx = Context::from_waker(&waker);
        let mut rx = pin!(CH_DROP.receive());
        assert!(rx.as_mut().poll(&mut cx).is_pending());
        DROP_SENDS.armed_drop.store(true, Ordering::SeqCst);
    } // cancels: the stored clone is dropped after the lock
    assert!(
        !DROP_SENDS.armed_drop.load(Ordering::SeqCst),
        "the hook ran"
    );
    assert_eq!(CH_DROP.try_receive(), Ok(5));
}

static CH_REPLACE: Channel<CriticalSectionRawMutex, u8, 2> = Channel::new();
static REPLACE_SENDS: Hooks = Hooks::new(
    nothing,
    || {
        let _ = CH_REPLACE.try_send(6);
    },
    nothing,
);

/// A waiting receiver is re-polled with another waker: the stored one is replaced and
/// dropped after the lock, and its `drop` sends on the same channel: the send works and
/// grants the item to the receiver, which takes it on its next poll.
#[test]
fn channel_drop_of_replaced_waker_reentering_works() {
    let first = hostile_waker(&REPLACE_SENDS);
    let mut rx = pin!(CH_REPLACE.receive());
    assert!(rx
        .as_mut()
        .poll(&mut Context::from_waker(&first))
        .is_pending());
    REPLACE_SENDS.armed_drop.store(true, Ordering::SeqCst);
    let mut cx = Context::from_waker(Waker::noop());
    assert!(rx.as_mut().poll(&mut cx).is_pending());
    assert!(
        !REPLACE_SENDS.armed_drop.load(Ordering::SeqCst),
        "the hook ran"
    );
    assert_eq!(
        CH_REPLACE.try_receive(),
        Err(TryReceiveError::Empty),
        "promised"
    );
    assert_eq!(rx.as_mut().poll(&mut cx), Poll::Ready(6));
    assert_eq!(CH_REPLACE.len(), 0);
}

static CH_WAKE: Channel<CriticalSectionRawMutex, u8, 2> = Channel::new();
static WAKE_SENDS: Hooks = Hooks::new(nothing, nothing, || {
    CH_WAKE.try_send(9).unwrap();
});

/// A waiting receiver is granted an item; its waker's `wake` (after the lock) sends on
/// the same channel: it works, and both items arrive in order.
#[test]
fn channel_wake_reentering_works() {
    let waker = hostile_waker(&WAKE_SENDS);
    let mut cx = Context::from_waker(&waker);
    let mut rx = pin!(CH_WAKE.receive());
    assert!(rx.as_mut().poll(&mut cx).is_pending());
    WAKE_SENDS.armed_wake.store(true, Ordering::SeqCst);
    assert_eq!(CH_WAKE.try_send(1), Ok(())); // grants the receiver, wakes it
    assert!(
        !WAKE_SENDS.armed_wake.load(Ordering::SeqCst),
        "the hook ran"
    );
    assert_eq!(rx.as_mut().poll(&mut cx), Poll::Ready(1));
    assert_eq!(CH_WAKE.try_receive(), Ok(9));
}

// ---------------------------------------------------------------------- signal

static SIG_CLONE: Signal<CriticalSectionRawMutex, u8> = Signal::new();
static CLONE_SIGNALS: Hooks = Hooks::new(|| SIG_CLONE.signal(3), nothing, nothing);

/// A `wait()` future's waker whose `clone` signals the same Signal: Signal's lock
/// sections are quiet (`sync/quiet.rs`), so the waker is cloned before the lock and the
/// signal works; the poll then takes the value.
#[test]
fn signal_clone_reentering_works() {
    CLONE_SIGNALS.armed_clone.store(true, Ordering::SeqCst);
    let waker = hostile_waker(&CLONE_SIGNALS);
    let mut w = pin!(SIG_CLONE.wait());
    assert_eq!(
        w.as_mut().poll(&mut Context::from_waker(&waker)),
        Poll::Ready(3)
    );
    assert!(
        !CLONE_SIGNALS.armed_clone.load(Ordering::SeqCst),
        "the hook ran"
    );
    assert!(!SIG_CLONE.signaled());
}

static SIG_REPLACE: Signal<CriticalSectionRawMutex, u8> = Signal::new();
static REPLACED_SIGNALS: Hooks = Hooks::new(nothing, || SIG_REPLACE.signal(5), nothing);

/// A waiting `wait()` is re-polled with another task's waker; the replaced waker's `drop`
/// (after the lock) signals the same Signal: it works, and the value is promised to the
/// future, which takes it on its next poll.
#[test]
fn signal_drop_of_replaced_waker_reentering_works() {
    let hostile = hostile_waker(&REPLACED_SIGNALS);
    let mut w = pin!(SIG_REPLACE.wait());
    assert!(w
        .as_mut()
        .poll(&mut Context::from_waker(&hostile))
        .is_pending());
    REPLACED_SIGNALS.armed_drop.store(true, Ordering::SeqCst);
    let mut cx = Context::from_waker(Waker::noop());
    assert!(w.as_mut().poll(&mut cx).is_pending());
    assert!(
        !REPLACED_SIGNALS.armed_drop.load(Ordering::SeqCst),
        "the hook ran"
    );
    assert_eq!(SIG_REPLACE.try_take(), None, "promised to the waiter");
    assert_eq!(w.as_mut().poll(&mut cx), Poll::Ready(5));
    assert!(!SIG_REPLACE.signaled());
}

static SIG_DROP: Signal<CriticalSectionRawMutex, u8> = Signal::new();
static DROP_SIGNALS: Hooks = Hooks::new(nothing, || SIG_DROP.signal(8), nothing);

/// A waiting `wait()` is cancelled; its waker's `drop` signals the same Signal: dropped
/// after the lock, so it works.
#[test]
fn signal_drop_on_cancel_reentering_works() {
    let waker = hostile_waker(&DROP_SIGNALS);
    {
        let mut w = pin!(SIG_DROP.wait());
        assert!(w
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        DROP_SIGNALS.armed_drop.store(true, Ordering::SeqCst);
    }
    assert!(
        !DROP_SIGNALS.armed_drop.load(Ordering::SeqCst),
        "the hook ran"
    );
    assert_eq!(SIG_DROP.try_take(), Some(8));
}

static SIG_WAKE: Signal<CriticalSectionRawMutex, u8> = Signal::new();
static WAKE_SIGNALS: Hooks = Hooks::new(nothing, nothing, || {
    // The value is promised to the woken waiter: not taken here.
    assert_eq!(SIG_WAKE.try_take(), None);
    SIG_WAKE.signal(2); // replaces it (latest value wins)
});

/// A waiting `wait()` is woken by `signal`; its waker's `wake` (after the lock) takes
/// from and signals the same Signal: both work.
#[test]
fn signal_wake_reentering_works() {
    let waker = hostile_waker(&WAKE_SIGNALS);
    let mut cx = Context::from_waker(&waker);
    let mut w = pin!(SIG_WAKE.wait());
    assert!(w.as_mut().poll(&mut cx).is_pending());
    WAKE_SIGNALS.armed_wake.store(true, Ordering::SeqCst);
    SIG_WAKE.signal(1);
    assert!(
        !WAKE_SIGNALS.armed_wake.load(Ordering::SeqCst),
        "the hook ran"
    );
    assert_eq!(w.as_mut().poll(&mut cx), Poll::Ready(2));
    assert!(!SIG_WAKE.signaled());
}

// ------------------------------------------------------------- priority channel

/// A value whose `Ord` (run under the lock by the sorted queue) re-enters its channel.
#[derive(Debug, PartialEq, Eq)]
struct Reentrant(u8);

static PCH: PriorityChannel<CriticalSectionRawMutex, Reentrant, 4> = PriorityChannel::new();
static ORD_ARMED: AtomicBool = AtomicBool::new(false);

impl Ord for Reentrant {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        if ORD_ARMED.swap(false, Ordering::SeqCst) {
            let _ = PCH.try_receive();
        }
        self.0.cmp(&other.0)
    }
}

impl PartialOrd for Reentrant {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// The priority channel's `Ord` re-enters it from under the lock: the re-entrant call
/// panics; the queue is left sorted and complete.
#[test]
fn priority_channel_ord_reentering_panics_and_queue_stays_sorted() {
    PCH.try_send(Reentrant(1)).unwrap();
    PCH.try_send(Reentrant(5)).unwrap();
    ORD_ARMED.store(true, Ordering::SeqCst);
    assert!(panics(|| {
        let _ = PCH.try_send(Reentrant(3));
    }));
    assert_eq!(PCH.len(), 2);
    PCH.try_send(Reentrant(4)).unwrap();
    assert_eq!(PCH.try_receive(), Ok(Reentrant(5)));
    assert_eq!(PCH.try_receive(), Ok(Reentrant(4)));
    assert_eq!(PCH.try_receive(), Ok(Reentrant(1)));
    assert_eq!(PCH.try_receive(), Err(TryReceiveError::Empty));
}
