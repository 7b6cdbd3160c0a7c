// A task sharing a `&Cell` with the spawner's context cannot run on another one.
use core::cell::Cell;
#[mote::task]
async fn shares(counter: &'static Cell<u32>) {
    counter.set(1);
}
fn check(send: mote::SendSpawner, c: &'static Cell<u32>) {
    let _ = send.spawn(shares(c));
}
fn main() {
    let _ = check;
}
