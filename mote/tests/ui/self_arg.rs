pub struct Driver;

impl Driver {
    #[mote::task]
    async fn run(driver: Self) {
        let _ = driver;
    }
}
fn main() {}
