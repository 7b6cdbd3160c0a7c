#[mote::task(pool = 2)]
async fn typo() {}
fn main() {}
