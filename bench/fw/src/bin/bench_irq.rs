//! Workload 6a: interrupt-to-task latency, thread-mode executor.
//!
//! The measuring task loops: arm CMSDK TIMER0 ([`bench_fw::irq`]: interrupt in 100
//! timer cycles), then `.await` the interrupt. The executor goes idle (Mote: WFI; Embassy:
//! its WFE loop, which QEMU runs as a spin), the timer raises `TIMER0`, the handler wakes
//! the task, the executor polls it. Latency = loop period minus the period of the
//! runtime-free baseline that polls the timer flag (`irq_base`): interrupt entry, the
//! handler, the wake, the executor's return to the task, up to the first instruction
//! after the `.await`. Runs: warm-up, 1000, 11000 interrupts.
#![no_std]
#![no_main]

use bench_fw::{clock, irq, rt, spawn};
use cortex_m_rt::entry;
use mote_mps2::interrupt;

#[cfg_attr(feature = "mote", mote::task)]
#[cfg_attr(feature = "embassy", embassy_executor::task)]
async fn measure(spawner: rt::Spawner) {
    bench_fw::calibrate();
    irq::report_baseline();
    #[cfg(feature = "live")]
    bench_fw::live::start(spawner).await;
    #[cfg(not(feature = "live"))]
    let _ = spawner;
    irq::enable();
    for (i, n) in [1000, 1000, 11000].into_iter().enumerate() {
        let t0 = clock::now();
        for _ in 0..n {
            irq::arm();
            irq::fired().await;
        }
        let t1 = clock::now();
        if i > 0 {
            bench_fw::report("irq_thread", n, clock::elapsed(t0, t1));
        }
    }
    bench_fw::exit(0)
}

#[interrupt]
fn TIMER0() {
    irq::on_interrupt();
}

#[entry]
fn main() -> ! {
    clock::start();
    rt::run(|spawner| spawn!(spawner, measure(spawner)))
}
