pub struct View<'a>(&'a [u8]);

#[mote::task]
async fn show(view: View<'_>) {
    let _ = view.0;
}
fn main() {}
