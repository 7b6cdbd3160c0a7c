// A `&'static RawExecutor` (and so a `Spawner`) cannot reach another thread: a `!Send`
// future spawned there would run on the executor's thread.
use mote::executor::raw::{Pender, RawExecutor};
fn main() {
    let exec: &'static RawExecutor = Box::leak(Box::new(RawExecutor::new(Pender::none())));
    std::thread::spawn(move || {
        let _ = exec.spawner();
    });
}
