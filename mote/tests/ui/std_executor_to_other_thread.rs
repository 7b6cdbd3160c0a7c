// The std `Executor` stays on its thread too.
use mote::executor::Executor;
fn main() {
    let exec: &'static Executor = Box::leak(Box::new(Executor::new()));
    std::thread::spawn(move || {
        let _ = exec.spawner();
    });
}
