#[mote::task]
async fn generic<T: Send + 'static>(value: T) {
    let _ = value;
}
fn main() {}
