// `ThreadModeRawMutex` is `Sync` (its lock refuses other contexts at run time), but the
// value it guards must still be `Send`: a `static` signal of `Rc` does not compile.
use mote::sync::blocking_mutex::raw::ThreadModeRawMutex;
use mote::sync::signal::Signal;
use std::rc::Rc;
static SIGNAL: Signal<ThreadModeRawMutex, Rc<u32>> = Signal::new();
fn main() {
    SIGNAL.signal(Rc::new(1));
}
