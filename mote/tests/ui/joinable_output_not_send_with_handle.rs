// The future of a task returning `Rc` is `Send` (it holds no `Rc` across an await), but
// its output is not: a handle from a `SendSpawner` would carry an `Rc` made on the
// executor's thread (which may keep clones, in a thread-local say) to the spawner's.
use std::rc::Rc;
#[mote::task]
async fn local() -> Rc<u32> {
    Rc::new(1)
}
fn check(spawner: mote::SendSpawner) {
    let _ = spawner.spawn_with_handle(local());
}
fn main() {
    let _ = check;
}
