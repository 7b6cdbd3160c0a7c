// A plain `RawExecutor` cannot be a `static`: every thread could take a `Spawner` from it.
use mote::executor::raw::{Pender, RawExecutor};
static EXEC: RawExecutor = RawExecutor::new(Pender::none());
fn main() {
    let _ = EXEC.spawner();
}
