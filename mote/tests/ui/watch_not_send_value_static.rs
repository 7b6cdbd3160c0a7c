// A `static` watch of a `!Send` value does not compile: its receivers would hand clones
// of the `Rc` to other contexts.
use mote::sync::blocking_mutex::raw::CriticalSectionRawMutex;
use mote::sync::watch::Watch;
use std::rc::Rc;
static W: Watch<CriticalSectionRawMutex, Rc<u32>> = Watch::new();
fn main() {
    let _ = &W;
}
