// The main task's one argument is the executor's `Spawner`, not a `SendSpawner`.
#[mote::main]
async fn main(spawner: mote::SendSpawner) {
    let _ = spawner;
}
