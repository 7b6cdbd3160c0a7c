#[mote::main]
async fn main(spawner: mote::Spawner) -> Result<(), mote::SpawnError> {
    let _ = spawner;
    Ok(())
}
