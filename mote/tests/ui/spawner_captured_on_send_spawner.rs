// A task holding a `Spawner` (which is `!Send`) cannot be handed to a `SendSpawner`.
#[mote::task]
async fn child(spawner: mote::Spawner) {
    let _ = spawner;
}
fn check(send: mote::SendSpawner, local: mote::Spawner) {
    let _ = send.spawn(child(local));
}
fn main() {
    let _ = check;
}
