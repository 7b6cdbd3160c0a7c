//! `mote::trace`: task names, poll and wake counts, states, and (with `time`) poll
//! durations, scheduling latency and the long-poll hook, on simulated time.
//!
//! `cargo test -p mote --features std,trace --test trace` (counts only) and
//! `cargo test -p mote --features std,time,trace --test trace` (with durations).
#![cfg(all(feature = "std", feature = "trace"))]

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard};

use mote::executor::Executor;
use mote::futures::yield_now;
use mote::sync::blocking_mutex::raw::CriticalSectionRawMutex;
use mote::sync::signal::Signal;
use mote::trace::{self, EventHooks, TaskId, TaskInfo, TaskState};

#[cfg(feature = "time")]
mote::time_driver!(
    static DRIVER: mote::time::drivers::sim::SimDriver = mote::time::drivers::sim::SimDriver::new();
);

/// The task list, `reset` and the hook are global: tests take turns.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn executor() -> &'static Executor {
    Box::leak(Box::new(Executor::new()))
}

/// Every listed slot of task function `name`.
fn slots(name: &str) -> Vec<TaskInfo> {
    let mut found = Vec::new();
    trace::for_each_task(|t| {
        if t.name == name {
            found.push(*t);
        }
    });
    found
}

/// The one slot of task function `name`.
fn task(name: &str) -> TaskInfo {
    let found = slots(name);
    assert_eq!(found.len(), 1, "task `{name}` listed {} times", found.len());
    found[0]
}

static THRICE_DONE: AtomicBool = AtomicBool::new(false);

#[mote::task]
async fn thrice() {
    yield_now().await;
    yield_now().await;
    THRICE_DONE.store(true, Ordering::SeqCst);
}

#[test]
fn a_task_polled_three_times_shows_three_polls() {
    let _s = serial();
    executor().run_until(
        |s| s.must_spawn(thrice()),
        || THRICE_DONE.load(Ordering::SeqCst),
    );
    let t = task("thrice");
    assert_eq!(t.polls, 3);
    assert_eq!(
        t.wakes, 2,
        "each yield wakes the task once; the spawn is no wake"
    );
    assert_eq!(t.state, TaskState::Free, "finished");
}

/// The size of the future a spawn token carries, measured by the compiler independently
/// of the macro's own computation.
fn future_size<S>(_: &mote::SpawnToken<S>) -> usize {
    std::mem::size_of::<S>()
}

static SIZED_DONE: AtomicU32 = AtomicU32::new(0);

/// A task whose future holds a 300-byte argument across an `.await`.
#[mote::task(pool_size = 2)]
async fn sized(buf: [u8; 300]) {
    yield_now().await;
    SIZED_DONE.fetch_add(u32::from(buf[299]), Ordering::SeqCst);
}

/// A pool of more than 4 slots has a free-list head before its slots.
#[mote::task(pool_size = 6)]
async fn sized_large() {
    SIZED_DONE.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn task_info_reports_the_static_ram_of_the_task_function() {
    let _s = serial();
    let token = sized([1; 300]);
    let future = future_size(&token);
    let large = sized_large();
    let large_future = future_size(&large);
    executor().run_until(
        |s| {
            s.must_spawn(token);
            s.must_spawn(large);
        },
        || SIZED_DONE.load(Ordering::SeqCst) == 2,
    );
    let sizes = task("sized").sizes.expect("made by #[mote::task]");
    assert_eq!(sizes.future, future);
    assert!(sizes.future >= 300, "the argument lives in the future");
    assert_eq!(sizes.pool_size, 2);
    assert!(
        sizes.slot >= sizes.future + 16,
        "a slot holds a header and the future"
    );
    assert_eq!(
        sizes.pool_bytes,
        2 * sizes.slot,
        "a small pool is its slots"
    );

    let large = task("sized_large").sizes.expect("made by #[mote::task]");
    assert_eq!(large.future, large_future);
    assert_eq!(large.pool_size, 6);
    let head = 2 * std::mem::size_of::<usize>();
    assert_eq!(
        large.pool_bytes,
        head + 6 * large.slot,
        "head, then 6 slots"
    );
}

static SIGNAL: Signal<CriticalSectionRawMutex, u32> = Signal::new();
static WAITER_STARTED: AtomicBool = AtomicBool::new(false);
static WAITER_DONE: AtomicBool = AtomicBool::new(false);

#[mote::task]
async fn waiter() {
    WAITER_STARTED.store(true, Ordering::SeqCst);
    SIGNAL.wait().await;
    WAITER_DONE.store(true, Ordering::SeqCst);
}

#[test]
fn a_waiting_task_sleeps_and_one_wake_is_counted_once() {
    let _s = serial();
    let exec = executor();
    exec.run_until(
        |s| s.must_spawn(waiter()),
        || WAITER_STARTED.load(Ordering::SeqCst),
    );
    assert_eq!(task("waiter").state, TaskState::Sleeping);
    assert_eq!(task("waiter").wakes, 0);
    SIGNAL.signal(1);
    // A second wake before the poll merges with the first.
    SIGNAL.signal(2);
    assert_eq!(task("waiter").state, TaskState::Queued);
    exec.run_until(|_| {}, || WAITER_DONE.load(Ordering::SeqCst));
    let t = task("waiter");
    assert_eq!((t.polls, t.wakes, t.state), (2, 1, TaskState::Free));
}

static SEEN: Mutex<Vec<(&'static str, TaskState)>> = Mutex::new(Vec::new());

#[mote::task]
async fn observer() {
    let mut seen = Vec::new();
    trace::for_each_task(|t| {
        if t.name == "observer" || t.name == "observed" {
            seen.push((t.name, t.state));
        }
    });
    *SEEN.lock().unwrap() = seen;
}

#[mote::task]
async fn observed() {}

#[test]
fn states_seen_from_inside_a_task_and_list_in_spawn_order() {
    let _s = serial();
    executor().run_until(
        |s| {
            s.must_spawn(observer());
            s.must_spawn(observed());
        },
        || task("observed").state == TaskState::Free,
    );
    assert_eq!(
        *SEEN.lock().unwrap(),
        [
            ("observer", TaskState::Running),
            ("observed", TaskState::Queued)
        ]
    );
}

static RECYCLED_RUNS: AtomicU32 = AtomicU32::new(0);

#[mote::task(pool_size = 2)]
async fn recycled() {
    RECYCLED_RUNS.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn a_slot_is_listed_once_however_often_it_is_reused() {
    let _s = serial();
    let exec = executor();
    for round in 1..=5 {
        exec.run_until(
            |s| s.must_spawn(recycled()),
            || RECYCLED_RUNS.load(Ordering::SeqCst) == round,
        );
    }
    let found = slots("recycled");
    // Sequential runs reuse the first slot: one entry, five polls.
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].polls, 5);
}

static RESET_DONE: AtomicBool = AtomicBool::new(false);

#[mote::task]
async fn to_reset() {
    yield_now().await;
    RESET_DONE.store(true, Ordering::SeqCst);
}

#[test]
fn reset_clears_counts_and_keeps_names() {
    let _s = serial();
    executor().run_until(
        |s| s.must_spawn(to_reset()),
        || RESET_DONE.load(Ordering::SeqCst),
    );
    assert_eq!(task("to_reset").polls, 2);
    trace::reset();
    let t = task("to_reset");
    assert_eq!((t.polls, t.wakes), (0, 0));
    trace::for_each_task(|t| assert_eq!((t.polls, t.wakes), (0, 0), "{}", t.name));
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    Ready,
    Begin,
    End,
}

static EVENTS: Mutex<Vec<(Event, TaskId)>> = Mutex::new(Vec::new());

fn on_ready(id: TaskId) {
    EVENTS.lock().unwrap().push((Event::Ready, id));
}
fn on_begin(id: TaskId) {
    EVENTS.lock().unwrap().push((Event::Begin, id));
}
fn on_end(id: TaskId) {
    EVENTS.lock().unwrap().push((Event::End, id));
}
static RECORDER: EventHooks = EventHooks {
    ready: on_ready,
    poll_begin: on_begin,
    poll_end: on_end,
};

/// The recorded events of task function `name`.
fn events_of(name: &str) -> Vec<Event> {
    let id = task(name).id;
    EVENTS
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, i)| *i == id)
        .map(|(e, _)| *e)
        .collect()
}

static EVENTED_DONE: AtomicBool = AtomicBool::new(false);

#[mote::task]
async fn evented() {
    yield_now().await;
    EVENTED_DONE.store(true, Ordering::SeqCst);
}

/// Wakes itself and completes in the same poll: its run-queue entry goes stale.
#[mote::task]
async fn wakes_then_ends() {
    std::future::poll_fn(|cx| {
        cx.waker().wake_by_ref();
        std::task::Poll::Ready(())
    })
    .await;
}

#[test]
fn event_hooks_see_ready_begin_end_in_order() {
    use Event::*;
    let _s = serial();
    trace::set_event_hooks(&RECORDER);
    let exec = executor();
    exec.run_until(
        |s| s.must_spawn(evented()),
        || EVENTED_DONE.load(Ordering::SeqCst),
    );
    exec.run_until(
        |s| s.must_spawn(wakes_then_ends()),
        // Until the stale entry's begin (the task is Free before that); its end follows
        // in the same batch, so a missing end fails the assertion below, not the run.
        || events_of("wakes_then_ends").len() >= 5,
    );
    trace::clear_event_hooks();
    // `yield_now` wakes the task during its poll: ready comes before that poll's end.
    assert_eq!(events_of("evented"), [Ready, Begin, Ready, End, Begin, End]);
    // The stale entry's begin is matched by an end too, though nothing was polled.
    assert_eq!(
        events_of("wakes_then_ends"),
        [Ready, Begin, Ready, End, Begin, End]
    );
    assert_eq!(task("wakes_then_ends").polls, 1);
    assert_ne!(task("evented").id, task("wakes_then_ends").id);
}

#[cfg(feature = "time")]
mod timing {
    use super::*;
    use mote::time::drivers::sim;
    use mote::time::{Duration, Timer};

    static BUSY_DONE: AtomicBool = AtomicBool::new(false);

    /// Computes 3, 7 and 2 ms of simulated time in three polls.
    #[mote::task]
    async fn busy() {
        sim::advance(Duration::from_millis(3));
        yield_now().await;
        sim::advance(Duration::from_millis(7));
        yield_now().await;
        sim::advance(Duration::from_millis(2));
        BUSY_DONE.store(true, Ordering::SeqCst);
    }

    #[test]
    fn longest_and_total_poll_are_the_busy_times() {
        let _s = serial();
        executor().run_until(
            |s| s.must_spawn(busy()),
            || BUSY_DONE.load(Ordering::SeqCst),
        );
        let t = task("busy");
        assert_eq!(t.polls, 3);
        assert_eq!(t.longest_poll, Duration::from_millis(7));
        assert_eq!(t.total_poll, Duration::from_millis(12));
        assert_eq!(t.longest_wait, Duration::from_ticks(0), "never waited");
    }

    static VICTIM_RUNS: AtomicU32 = AtomicU32::new(0);

    #[mote::task]
    async fn hog(ms: u64) {
        sim::advance(Duration::from_millis(ms));
    }

    #[mote::task]
    async fn victim() {
        VICTIM_RUNS.fetch_add(1, Ordering::SeqCst);
    }

    #[test]
    fn a_victim_waits_as_long_as_the_hog_before_it_runs() {
        let _s = serial();
        let exec = executor();
        exec.run_until(
            |s| s.must_spawn(victim()),
            || VICTIM_RUNS.load(Ordering::SeqCst) == 1,
        );
        assert_eq!(task("victim").longest_wait, Duration::from_ticks(0));
        // Both queued at the same tick; the hog is polled first and computes 10 ms.
        exec.run_until(
            |s| {
                s.must_spawn(hog(10));
                s.must_spawn(victim());
            },
            || VICTIM_RUNS.load(Ordering::SeqCst) == 2,
        );
        assert_eq!(task("victim").longest_wait, Duration::from_millis(10));
        assert_eq!(task("hog").longest_poll, Duration::from_millis(10));
        assert_eq!(task("hog").longest_wait, Duration::from_ticks(0));
    }

    static SLEEPER_DONE: AtomicBool = AtomicBool::new(false);

    #[mote::task]
    async fn timed_victim() {
        Timer::after(Duration::from_millis(5)).await;
        SLEEPER_DONE.store(true, Ordering::SeqCst);
    }

    #[mote::task]
    async fn timer_hog() {
        sim::advance(Duration::from_millis(20));
    }

    #[test]
    fn a_timer_wake_waits_from_its_deadline() {
        let _s = serial();
        executor().run_until(
            |s| {
                s.must_spawn(timed_victim()); // timer due at t0 + 5 ms
                s.must_spawn(timer_hog()); // computes until t0 + 20 ms
            },
            || SLEEPER_DONE.load(Ordering::SeqCst),
        );
        let t = task("timed_victim");
        assert_eq!((t.polls, t.wakes), (2, 1));
        assert_eq!(t.longest_wait, Duration::from_millis(15));
    }

    static LONG_POLLS: Mutex<Vec<(&'static str, u32, Duration, TaskState)>> =
        Mutex::new(Vec::new());
    static UNEVEN_DONE: AtomicBool = AtomicBool::new(false);

    fn record(task: &TaskInfo, took: Duration) {
        LONG_POLLS
            .lock()
            .unwrap()
            .push((task.name, task.polls, took, task.state));
    }

    /// Polls of 1, 6, 5 and 2 ms: only the 6 ms one is longer than 5 ms.
    #[mote::task]
    async fn uneven() {
        for ms in [1, 6, 5, 2] {
            sim::advance(Duration::from_millis(ms));
            yield_now().await;
        }
        UNEVEN_DONE.store(true, Ordering::SeqCst);
    }

    #[test]
    fn the_hook_fires_once_for_the_one_long_poll() {
        let _s = serial();
        trace::set_long_poll_hook(Duration::from_millis(5), record);
        executor().run_until(
            |s| s.must_spawn(uneven()),
            || UNEVEN_DONE.load(Ordering::SeqCst),
        );
        trace::clear_long_poll_hook();
        assert_eq!(
            *LONG_POLLS.lock().unwrap(),
            [(
                "uneven",
                2, // the statistics passed to the hook include the long poll
                Duration::from_millis(6),
                TaskState::Running
            )]
        );
        assert_eq!(task("uneven").polls, 5);
    }

    /// With `log`: the ready-made hook emits one warning naming the task and the poll.
    #[cfg(feature = "log")]
    #[test]
    fn the_log_hook_names_the_task_and_the_poll() {
        struct Recorder;
        static RECORDS: Mutex<Vec<String>> = Mutex::new(Vec::new());
        impl log::Log for Recorder {
            fn enabled(&self, _: &log::Metadata<'_>) -> bool {
                true
            }
            fn log(&self, record: &log::Record<'_>) {
                RECORDS.lock().unwrap().push(format!(
                    "{} {}: {}",
                    record.level(),
                    record.target(),
                    record.args()
                ));
            }
            fn flush(&self) {}
        }
        static RECORDER: Recorder = Recorder;
        static DONE: AtomicBool = AtomicBool::new(false);
        #[mote::task]
        async fn logged() {
            sim::advance(Duration::from_millis(2));
            yield_now().await;
            sim::advance(Duration::from_millis(8));
            DONE.store(true, Ordering::SeqCst);
        }
        let _s = serial();
        log::set_logger(&RECORDER).unwrap();
        log::set_max_level(log::LevelFilter::Trace);
        trace::set_long_poll_hook(Duration::from_millis(5), trace::log_long_poll);
        executor().run_until(|s| s.must_spawn(logged()), || DONE.load(Ordering::SeqCst));
        trace::clear_long_poll_hook();
        assert_eq!(
            *RECORDS.lock().unwrap(),
            ["WARN mote::trace: task `logged` ran 8000 us without yielding (its poll 2)"]
        );
    }

    #[test]
    fn the_summary_lists_tasks_with_their_numbers() {
        let _s = serial();
        static DONE: AtomicBool = AtomicBool::new(false);
        #[mote::task]
        async fn summarised() {
            sim::advance(Duration::from_micros(1234));
            DONE.store(true, Ordering::SeqCst);
        }
        executor().run_until(
            |s| s.must_spawn(summarised()),
            || DONE.load(Ordering::SeqCst),
        );
        let table = trace::summary().to_string();
        let line = table
            .lines()
            .find(|l| l.starts_with("summarised "))
            .expect("listed");
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cols, ["summarised", "free", "1", "0", "1234", "1234", "0"]);
    }

    static EXEC_TIMELINE: mote::trace::timeline::Timeline<32> =
        mote::trace::timeline::Timeline::new();
    static GO: Signal<CriticalSectionRawMutex, ()> = Signal::new();

    #[test]
    fn the_timeline_records_the_executor_going_idle_and_waking() {
        use mote::trace::timeline::{self, EventKind::*};
        let _s = serial();
        EXEC_TIMELINE.start();
        let other = std::thread::spawn(|| {
            // Signal only once the executor went to sleep (its Idle is recorded).
            loop {
                let mut idle = false;
                EXEC_TIMELINE.for_each(|e| idle |= e.kind == Idle);
                if idle {
                    break;
                }
                std::thread::yield_now();
            }
            GO.signal(());
        });
        static DONE: AtomicBool = AtomicBool::new(false);
        #[mote::task]
        async fn waiter_then_done() {
            GO.wait().await;
            DONE.store(true, Ordering::SeqCst);
        }
        executor().run_until(
            |s| s.must_spawn(waiter_then_done()),
            || DONE.load(Ordering::SeqCst),
        );
        other.join().unwrap();
        timeline::stop();
        let mut events = Vec::new();
        EXEC_TIMELINE.for_each(|e| events.push(*e));
        let id = task("waiter_then_done").id;
        let of_task: Vec<_> = events
            .iter()
            .filter(|e| e.task == id)
            .map(|e| e.kind)
            .collect();
        assert_eq!(
            of_task,
            [Ready, PollBegin, PollEnd, Ready, PollBegin, PollEnd]
        );
        // (A spurious unpark may add Busy/Idle pairs; the order below holds anyway.)
        let pos = |pred: &dyn Fn(&mote::trace::timeline::TimelineEvent) -> bool, from: usize| {
            from + events[from..].iter().position(pred).expect("found")
        };
        let first_end = pos(&|e| e.kind == PollEnd, 0);
        let idle = pos(&|e| e.kind == Idle, 0);
        let woken = pos(&|e| e.kind == Ready, first_end);
        let busy = pos(&|e| e.kind == Busy, idle);
        let second_poll = pos(&|e| e.kind == PollBegin, first_end);
        assert!(first_end < idle && idle < woken, "{events:?}");
        assert!(woken < busy && busy < second_poll, "{events:?}");
        let executor = events[idle].task;
        assert_ne!(executor, id);
        assert!(events
            .iter()
            .filter(|e| e.kind.is_executor())
            .all(|e| e.task == executor));
        let mut text = String::new();
        EXEC_TIMELINE.print(&mut text).unwrap();
        let name = format!("executor@{:x}", executor.0);
        assert!(
            text.contains(&format!("timeline: task {name} waiter_then_done\n")),
            "{text}"
        );
        assert!(text.contains(&format!(" I {name}\n")), "{text}");
        assert!(text.contains(&format!(" U {name}\n")), "{text}");
    }

    static TIMELINE: mote::trace::timeline::Timeline<4> = mote::trace::timeline::Timeline::new();
    static STEPPER_DONE: AtomicBool = AtomicBool::new(false);

    /// Three polls, 5 ms of simulated time each: 9 events (ready, begin, end each).
    #[mote::task]
    async fn stepper() {
        sim::advance(Duration::from_millis(5));
        yield_now().await;
        sim::advance(Duration::from_millis(5));
        yield_now().await;
        sim::advance(Duration::from_millis(5));
        STEPPER_DONE.store(true, Ordering::SeqCst);
    }

    #[test]
    fn a_full_timeline_keeps_the_newest_events_with_their_times() {
        use mote::trace::timeline::{self, EventKind::*};
        let _s = serial();
        TIMELINE.start();
        executor().run_until(
            |s| s.must_spawn(stepper()),
            || STEPPER_DONE.load(Ordering::SeqCst),
        );
        timeline::stop();
        let id = task("stepper").id;
        let mut events = Vec::new();
        TIMELINE.for_each(|e| events.push(*e));
        assert_eq!(TIMELINE.len(), 4);
        assert_eq!(TIMELINE.overwritten(), 5, "9 events, 4 kept");
        assert!(events.iter().all(|e| e.task == id));
        let kinds: Vec<_> = events.iter().map(|e| e.kind).collect();
        // R B R E B R E B E: a yield wakes its task inside the poll, before it ends.
        assert_eq!(
            kinds,
            [Ready, PollEnd, PollBegin, PollEnd],
            "the newest four"
        );
        let ms = Duration::from_millis(5).as_ticks();
        assert_eq!(events[3].at - events[2].at, ms, "the last poll took 5 ms");
        assert_eq!(events[2].at, events[1].at, "polled again at once");
        assert_eq!(
            events[1].at, events[0].at,
            "the yield wakes at the poll's end"
        );

        let mut text = String::new();
        TIMELINE.print(&mut text).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 7);
        assert_eq!(
            lines[0],
            format!("timeline: begin {} 4 5", mote::time::TICK_HZ)
        );
        assert!(
            lines[1].starts_with("timeline: task executor@") && lines[1].ends_with(" stepper"),
            "{}",
            lines[1]
        );
        assert_eq!(lines[5], format!("timeline: {} E stepper", events[3].at));
        assert_eq!(lines[6], "timeline: end");
    }
}
