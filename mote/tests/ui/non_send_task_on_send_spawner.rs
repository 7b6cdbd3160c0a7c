use std::rc::Rc;
#[mote::task]
async fn holds_rc(value: Rc<u32>) {
    let _ = value;
}
fn check(spawner: mote::SendSpawner) {
    let _ = spawner.spawn(holds_rc(Rc::new(1)));
}
fn main() {}
