// `NoopRawMutex` excludes nothing, so a primitive built on it cannot be a `static`
// (shared with an interrupt handler or another thread).
use mote::sync::blocking_mutex::raw::NoopRawMutex;
use mote::sync::channel::Channel;
static CHANNEL: Channel<NoopRawMutex, u32, 4> = Channel::new();
fn main() {
    let _ = CHANNEL.try_send(1);
}
