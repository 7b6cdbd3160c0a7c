#[mote::task]
fn not_async() {}
fn main() {}
