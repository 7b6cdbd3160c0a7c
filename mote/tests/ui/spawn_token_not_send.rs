// A spawn token is `Send` only when the task's future is.
use std::rc::Rc;
#[mote::task]
async fn holds_rc(value: Rc<u32>) {
    let _ = value;
}
fn main() {
    let token = holds_rc(Rc::new(1));
    std::thread::spawn(move || drop(token));
}
