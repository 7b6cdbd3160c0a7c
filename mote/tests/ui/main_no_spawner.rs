#[mote::main]
async fn main() {}
