#[mote::main]
async fn main<T>(spawner: mote::Spawner) {
    let _ = spawner;
}
