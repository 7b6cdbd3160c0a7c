#[mote::task]
async fn takes_impl(value: impl core::fmt::Debug + 'static) {
    let _ = value;
}
fn main() {}
