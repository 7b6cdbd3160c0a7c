fn assert_send<T: Send>(_: T) {}
fn check(spawner: mote::Spawner) {
    assert_send(spawner);
}
fn main() {}
