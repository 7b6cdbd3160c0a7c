#![no_std]
#![no_main]
use cortex_m_rt::entry;
use mote::executor::Executor;
use mote::time::Instant;
use mote_mps2::println;
static EXECUTOR: Executor = Executor::new();
#[mote::task]
async fn spin() {
    for n in [0u32, 10000, 20000] {
        let t0 = Instant::now();
        for _ in 0..n {
            mote::futures::yield_now().await;
        }
        let t1 = Instant::now();
        println!("{} yields: {} us", n, (t1 - t0).as_micros());
    }
    mote_mps2::exit(0)
}
#[entry]
fn main() -> ! {
    EXECUTOR.run(|s| s.must_spawn(spin()))
}
