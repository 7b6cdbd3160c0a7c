struct Driver;
impl Driver {
    #[mote::task]
    async fn run(&self) {}
}
fn main() {}
