#[mote::task]
async fn run_later(callback: Option<impl Fn()>) {
    if let Some(f) = callback {
        f();
    }
}
fn main() {}
