//! Behaviour of `sync::pipe::Pipe`.

mod sync_common;

use embedded_io_async::{Read, Write};
use mote::sync::blocking_mutex::raw::{CriticalSectionRawMutex, NoopRawMutex};
use mote::sync::pipe::{Pipe, TryReadError, TryWriteError};
use sync_common::{block_on, Probe};

#[test]
fn bytes_flow_in_order_across_wraparound() {
    let p: Pipe<NoopRawMutex, 5> = Pipe::new();
    let mut out = Vec::new();
    let mut buf = [0u8; 3];
    for chunk in (0u8..50).collect::<Vec<_>>().chunks(4) {
        let mut rest = chunk;
        while !rest.is_empty() {
            match p.try_write(rest) {
                Ok(n) => rest = &rest[n..],
                Err(TryWriteError) => {
                    let n = p.try_read(&mut buf).unwrap();
                    out.extend_from_slice(&buf[..n]);
                }
            }
        }
    }
    while let Ok(n) = p.try_read(&mut buf) {
        out.extend_from_slice(&buf[..n]);
    }
    assert_eq!(out, (0u8..50).collect::<Vec<_>>());
    assert_eq!(p.try_read(&mut buf), Err(TryReadError));
    assert_eq!(p.try_read(&mut []), Ok(0));
}

#[test]
fn reader_waits_then_gets_bytes_and_writer_waits_for_space() {
    let p: Pipe<NoopRawMutex, 2> = Pipe::new();
    let mut buf = [0u8; 4];
    {
        let mut r = Probe::new(p.read(&mut buf));
        r.pending();
        assert_eq!(p.try_write(b"ab"), Ok(2));
        assert!(r.woken());
        assert_eq!(r.ready(), 2);
    }
    assert_eq!(&buf[..2], b"ab");
    p.try_write(b"cd").unwrap();
    assert!(p.is_full() && p.free_capacity() == 0);
    let mut w = Probe::new(p.write(b"ef"));
    w.pending();
    let mut one = [0u8; 1];
    assert_eq!(p.try_read(&mut one), Ok(1));
    assert!(w.woken());
    assert_eq!(w.ready(), 1, "writes what fits");
    let mut rest = [0u8; 4];
    assert_eq!(p.try_read(&mut rest), Ok(2));
    assert_eq!(&rest[..2], b"de");
}

#[test]
fn readers_fifo_and_woken_reader_cancellation_passes_turn() {
    let p: Pipe<NoopRawMutex, 4> = Pipe::new();
    let (mut b1, mut b2, mut b3) = ([0u8; 1], [0u8; 1], [0u8; 1]);
    let mut r1 = Probe::new(p.read(&mut b1));
    let mut r2 = Probe::new(p.read(&mut b2));
    let mut r3 = Probe::new(p.read(&mut b3));
    r1.pending();
    r2.pending();
    r3.pending();
    p.try_write(b"x").unwrap();
    assert!(r1.woken() && !r2.woken() && !r3.woken());
    let mut other = [0u8; 1];
    assert_eq!(p.try_read(&mut other), Err(TryReadError), "no overtaking");
    drop(r1);
    assert!(r2.woken(), "the turn passes on");
    assert_eq!(r2.ready(), 1);
    r3.pending();
    drop(r3);
    drop(r2);
    assert_eq!(b2, *b"x");
}

#[test]
fn embedded_io_async_roundtrip_between_threads() {
    static P: Pipe<CriticalSectionRawMutex, 7> = Pipe::new();
    let total = if cfg!(miri) { 200 } else { 20_000 };
    let data: Vec<u8> = (0..total).map(|i| (i * 7 % 251) as u8).collect();
    let expected = data.clone();
    let writer = std::thread::spawn(move || {
        block_on(async {
            let mut w = P.writer();
            w.write_all(&data).await.unwrap();
            w.flush().await.unwrap();
        })
    });
    let mut got = vec![0u8; total];
    block_on(async {
        let mut r = P.reader();
        r.read_exact(&mut got).await.unwrap();
    });
    writer.join().unwrap();
    assert_eq!(got, expected);
    assert!(P.is_empty());
}
