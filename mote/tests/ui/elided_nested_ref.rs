#[mote::task]
async fn greet(name: Option<&str>) {
    let _ = name;
}
fn main() {}
