// A task returning `()` has no output to join: it is spawned with `spawn`.
#[mote::task]
async fn unit() {}

fn start(spawner: mote::Spawner) {
    let _ = spawner.spawn_with_handle(unit());
}

fn main() {
    let _ = start;
}
