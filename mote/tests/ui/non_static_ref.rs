#[mote::task]
async fn borrows(name: &str) {
    let _ = name;
}
fn main() {}
