// A handle whose output is not `Send` stays on its executor's thread.
#[mote::task]
async fn local() -> std::rc::Rc<u32> {
    std::rc::Rc::new(1)
}

fn needs_send<T: Send>(_: T) {}

fn start(spawner: mote::Spawner) {
    let handle = spawner.spawn_with_handle(local()).unwrap();
    needs_send(handle);
}

fn main() {
    let _ = start;
}
