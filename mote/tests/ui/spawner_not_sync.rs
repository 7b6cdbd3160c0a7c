// A `Spawner` cannot be borrowed by another thread either (`&Spawner` is not `Send`):
// scoped threads do not get around its `!Send`.
#[mote::task]
async fn local(n: std::rc::Rc<u32>) {
    let _ = n;
}
fn check(spawner: mote::Spawner) {
    std::thread::scope(|s| {
        s.spawn(|| {
            let _ = spawner.spawn(local(std::rc::Rc::new(1)));
        });
    });
}
fn main() {
    let _ = check;
}
