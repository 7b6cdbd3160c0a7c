#[mote::main(pool_size = 2)]
async fn main(spawner: mote::Spawner) {
    let _ = spawner;
}
