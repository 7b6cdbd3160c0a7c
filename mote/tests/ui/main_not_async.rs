#[mote::main]
fn main(spawner: mote::Spawner) {
    let _ = spawner;
}
