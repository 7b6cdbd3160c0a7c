//! Ending a connection: the one path by which both servers give their socket back.

use embassy_net::tcp::{State, TcpSocket};
use embassy_time::{with_timeout, Duration};

/// Time a closed connection waits for the client's FIN before it is reset.
pub const LINGER: Duration = Duration::from_secs(2);

/// Closes `socket`: sends FIN after the queued data and waits until both are acked
/// (bounded by the socket's time-out), then waits up to [`LINGER`] for the client's own
/// FIN, draining what it still sends; a client that does not close by then is reset.
/// Afterwards the socket is free to listen again.
pub async fn finish(socket: &mut TcpSocket<'_>) {
    socket.close();
    let _ = socket.flush().await;
    let mut sink = [0u8; 64];
    let drained = with_timeout(LINGER, async {
        loop {
            match socket.read(&mut sink).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    })
    .await;
    if drained.is_err() || !matches!(socket.state(), State::Closed | State::TimeWait) {
        socket.abort();
        let _ = socket.flush().await;
    }
}
