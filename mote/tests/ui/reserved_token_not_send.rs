// `task().unwrap()` (a `ReservedToken`, Embassy 0.10's idiom) keeps the token's `Send`
// bound: a `!Send` task cannot cross through a `SendSpawner` that way either.
use std::rc::Rc;
#[mote::task]
async fn holds_rc(value: Rc<u32>) {
    let _ = value;
}
fn check(spawner: mote::SendSpawner) {
    spawner.spawn(holds_rc(Rc::new(1)).unwrap());
}
fn main() {
    let _ = check;
}
