//! Workload 6b: interrupt-to-task latency, interrupt executor.
//!
//! As workload 6a (`bench_irq.rs`), but the measuring task runs in an interrupt executor
//! on line `I2S` (priority 0x80; `TIMER0` keeps priority 0) while thread mode spins: the
//! timer's handler wakes the task, which pends `I2S`, which tail-chains into the
//! executor's poll. Latency = loop period minus the baseline period (`irq_base`).
#![no_std]
#![no_main]

use bench_fw::{busy, clock, irq, rt, spawn};
use cortex_m_rt::entry;
use mote_mps2::interrupt;

#[cfg_attr(feature = "mote", mote::task)]
#[cfg_attr(feature = "embassy", embassy_executor::task)]
async fn measure(spawner: rt::SendSpawner) {
    bench_fw::calibrate();
    irq::report_baseline();
    #[cfg(feature = "live")]
    bench_fw::live::start_send(spawner).await;
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
            bench_fw::report("irq_executor", n, clock::elapsed(t0, t1));
        }
    }
    bench_fw::exit(0)
}

#[interrupt]
fn TIMER0() {
    irq::on_interrupt();
}

bench_fw::interrupt_executor!(I2S);

#[entry]
fn main() -> ! {
    clock::start();
    let spawner = start_interrupt_executor(0x80);
    spawn!(spawner, measure(spawner));
    busy::spin_forever()
}
