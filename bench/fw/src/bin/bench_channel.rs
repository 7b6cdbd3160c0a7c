//! Workload 2: capacity-1 channel ping-pong, per message.
//!
//! Two capacity-1 channels of `u32` (each runtime's own: `mote::sync::channel::Channel` /
//! `embassy_sync::channel::Channel`, both over a critical-section raw mutex). `ping` sends
//! a value on `REQ` and awaits the answer on `RESP`; `pong` receives it and sends it back
//! plus one; `ping` checks the answer (a wrong value panics: a failed run, not a figure).
//! One round trip is two messages; the reported operation count is the number of
//! messages. Runs: warm-up, 1000 and 11000 round trips; the per-message cost is the
//! difference (spawning and the final wake cancel).
#![no_std]
#![no_main]

use bench_fw::{clock, done::Done, rt, spawn};
use cortex_m_rt::entry;

static DONE: Done = Done::new();
static REQ: rt::Channel<rt::CriticalSectionRawMutex, u32, 1> = rt::Channel::new();
static RESP: rt::Channel<rt::CriticalSectionRawMutex, u32, 1> = rt::Channel::new();

#[cfg_attr(feature = "mote", mote::task)]
#[cfg_attr(feature = "embassy", embassy_executor::task)]
async fn ping(n: u32) {
    for i in 0..n {
        REQ.send(i).await;
        let answer = RESP.receive().await;
        assert_eq!(answer, i.wrapping_add(1), "channel ping-pong: wrong answer");
    }
    DONE.finish();
}

#[cfg_attr(feature = "mote", mote::task)]
#[cfg_attr(feature = "embassy", embassy_executor::task)]
async fn pong(n: u32) {
    for _ in 0..n {
        let v = REQ.receive().await;
        RESP.send(v.wrapping_add(1)).await;
    }
    DONE.finish();
}

#[cfg_attr(feature = "mote", mote::task)]
#[cfg_attr(feature = "embassy", embassy_executor::task)]
async fn measure(spawner: rt::Spawner) {
    bench_fw::calibrate();
    #[cfg(feature = "live")]
    bench_fw::live::start(spawner).await;
    for (i, n) in [1000, 1000, 11000].into_iter().enumerate() {
        let t0 = clock::now();
        spawn!(spawner, ping(n));
        spawn!(spawner, pong(n));
        DONE.wait(2).await;
        let t1 = clock::now();
        if i > 0 {
            bench_fw::report("channel", 2 * n, clock::elapsed(t0, t1));
        }
    }
    bench_fw::exit(0)
}

#[entry]
fn main() -> ! {
    clock::start();
    rt::run(|spawner| spawn!(spawner, measure(spawner)))
}
