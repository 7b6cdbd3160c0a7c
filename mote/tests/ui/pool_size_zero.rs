#[mote::task(pool_size = 0)]
async fn never() {}
fn main() {}
