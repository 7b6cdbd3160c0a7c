// A time driver that counts at a fixed 32 768 Hz, registered in a build whose tick rate
// is mote's default 1 MHz: `time_driver!` refuses it, naming the features.
use mote::time::driver::{AlarmCallback, AlarmHandle, Driver};

struct Rtc;

impl Driver for Rtc {
    const FIXED_TICK_HZ: Option<u64> = Some(32_768);
    fn now(&self) -> u64 {
        0
    }
    fn allocate_alarm(&self) -> Option<AlarmHandle> {
        None
    }
    fn set_alarm(&self, _: AlarmHandle, _: u64, _: AlarmCallback) -> bool {
        false
    }
}

mote::time_driver!(static DRIVER: Rtc = Rtc;);

fn main() {}
