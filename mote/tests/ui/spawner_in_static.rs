// A `Spawner` cannot be parked in a `static` for another context (an interrupt handler,
// another thread) to take: it is `!Send`, so no lock makes it `Sync`.
use core::cell::Cell;
use mote::sync::blocking_mutex::{raw::CriticalSectionRawMutex, Mutex};
static SPAWNER: Mutex<CriticalSectionRawMutex, Cell<Option<mote::Spawner>>> =
    Mutex::new(Cell::new(None));
fn main() {
    SPAWNER.lock(|s| s.set(None));
}
