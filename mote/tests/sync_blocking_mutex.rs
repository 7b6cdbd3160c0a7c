//! Behaviour of `sync::blocking_mutex`.

use core::cell::{Cell, RefCell};

use mote::sync::blocking_mutex::raw::{
    CriticalSectionRawMutex, NoopRawMutex, RawMutex, ThreadModeRawMutex,
};
use mote::sync::blocking_mutex::Mutex;

static COUNTER: Mutex<CriticalSectionRawMutex, Cell<u64>> = Mutex::new(Cell::new(0));

#[test]
fn critical_section_mutex_serialises_threads() {
    let threads = if cfg!(miri) { 2 } else { 4 };
    let per_thread = if cfg!(miri) { 50 } else { 10_000 };
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            std::thread::spawn(move || {
                for _ in 0..per_thread {
                    // A read-modify-write split in two steps: lost updates would show up
                    // without mutual exclusion.
                    COUNTER.lock(|c| {
                        let v = c.get();
                        std::hint::black_box(());
                        c.set(v + 1);
                    });
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(COUNTER.lock(|c| c.get()), threads * per_thread);
}

#[test]
fn lock_returns_closure_result_and_nests() {
    let m: Mutex<CriticalSectionRawMutex, RefCell<Vec<u8>>> = Mutex::new(RefCell::new(vec![]));
    let len = m.lock(|v| {
        v.borrow_mut().push(1);
        // Re-entrant lock from the same context is allowed and sees the same data.
        m.lock(|w| w.borrow_mut().push(2));
        v.borrow().len()
    });
    assert_eq!(len, 2);
    assert_eq!(m.into_inner().into_inner(), vec![1, 2]);
}

#[test]
fn get_mut_and_into_inner() {
    let mut m: Mutex<NoopRawMutex, u32> = Mutex::new(5);
    *m.get_mut() *= 3;
    assert_eq!(m.lock(|v| *v), 15);
    assert_eq!(m.into_inner(), 15);
}

/// On the host, "thread mode" is the thread named `main`: the mutex works there and
/// panics (documented) on any other thread, so it can never be shared across threads.
#[test]
fn thread_mode_mutex_runs_in_thread_mode_only() {
    static M: Mutex<ThreadModeRawMutex, Cell<u8>> = Mutex::new(Cell::new(1));
    let main_like = std::thread::Builder::new().name("main".into());
    main_like
        .spawn(|| {
            M.lock(|c| c.set(c.get() + 1));
            assert_eq!(M.lock(|c| c.get()), 2);
        })
        .unwrap()
        .join()
        .unwrap();
    let other = std::thread::Builder::new().name("worker".into());
    let result = other.spawn(|| M.lock(|c| c.get())).unwrap().join();
    assert!(result.is_err(), "locking outside thread mode must panic");
}

#[test]
fn raw_init_constants_lock() {
    fn run<R: RawMutex>() -> u8 {
        let r = R::INIT;
        r.lock(|| 9)
    }
    assert_eq!(run::<CriticalSectionRawMutex>(), 9);
    assert_eq!(run::<NoopRawMutex>(), 9);
    let on_main = std::thread::Builder::new().name("main".into());
    let r = on_main.spawn(run::<ThreadModeRawMutex>).unwrap().join();
    assert_eq!(r.unwrap(), 9);
}

#[test]
fn noop_mutex_is_send() {
    fn send<T: Send>(_: T) {}
    send(Mutex::<NoopRawMutex, u8>::new(1));
}
