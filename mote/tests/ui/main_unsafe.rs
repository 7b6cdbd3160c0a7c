// `unsafe` on the main task is refused (the macro used to drop it silently).
#[mote::main]
async unsafe fn main(spawner: mote::Spawner) {
    let _ = spawner;
}
