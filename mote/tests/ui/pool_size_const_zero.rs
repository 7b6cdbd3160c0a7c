// A `pool_size` given as a constant is checked at compile time too.
const N: usize = 0;
#[mote::task(pool_size = N)]
async fn never() {}
fn main() {
    let _ = never();
}
