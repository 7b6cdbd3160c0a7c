//! The TCP echo server: one task per listening socket, each echoing one connection at a
//! time until the client closes, resets, or stays silent for [`IDLE_TIMEOUT_SECS`].

use embassy_net::tcp::TcpSocket;
use embassy_net::Stack;
use embassy_time::Duration;

use crate::{conn, stats, ECHO_PORT, IDLE_TIMEOUT_SECS};

/// Bytes of each echo socket's receive and transmit buffers.
pub const BUF: usize = 4096;

/// Serves echo connections on [`ECHO_PORT`] forever, one at a time.
pub async fn serve(stack: Stack<'static>) -> ! {
    let mut rx = [0u8; BUF];
    let mut tx = [0u8; BUF];
    let mut buf = [0u8; 1024];
    loop {
        let mut socket = TcpSocket::new(stack, &mut rx, &mut tx);
        socket.set_timeout(Some(Duration::from_secs(IDLE_TIMEOUT_SECS)));
        if socket.accept(ECHO_PORT).await.is_err() {
            continue;
        }
        stats::ECHO.opened();
        let mut bytes = 0u32;
        'conn: loop {
            let n = match socket.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            bytes = bytes.wrapping_add(n as u32);
            let mut sent = 0;
            while sent < n {
                match socket.write(&buf[sent..n]).await {
                    Ok(0) | Err(_) => break 'conn,
                    Ok(k) => sent += k,
                }
            }
        }
        conn::finish(&mut socket).await;
        stats::ECHO.closed(bytes);
    }
}
