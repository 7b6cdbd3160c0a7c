//! Interrupt-driven async driver for the CMSDK APB UARTs: [`Uart`], split into
//! [`UartTx`] and [`UartRx`], implementing `embedded_io_async::{Read, Write}` and the
//! blocking `embedded_io::{Read, Write}`.
//!
//! Guarantees:
//! - Received bytes are never lost silently. The RX interrupt moves each byte into a
//!   ring of [`RX_CAPACITY`] bytes, whether or not a task is reading. If the ring is full
//!   the byte is dropped and the reader gets `Err(Error::Overflow)` at that point of the
//!   stream: after every byte received before the loss, before any byte after it. A
//!   hardware overrun (a byte arrived while the previous one was still in the data
//!   register) is reported the same way as `Err(Error::Overrun)`. Further losses before
//!   the reader reached the first are counted in [`UartRx::lost`] and merged into it.
//! - Bytes leave in order; a write returns once at least one byte is in the transmitter.
//! - The driver cannot be built unless the UART's RX and TX lines are bound to its
//!   [`InterruptHandler`] with [`bind_interrupts!`](crate::bind_interrupts) (see
//!   [`binding`](crate::binding)).
//!
//! The CMSDK UART has a one-byte buffer each way, always 8N1, and no framing or parity
//! error detection: the only receive error it reports is the overrun. Sharing UART0 with
//! [`println!`](crate::println) is fine: both wait for the transmit buffer, check it and
//! write in one critical section (so neither replaces the other's byte), and neither
//! clears the other's control bits.
//!
//! ```text
//!  wire ─► DATA ─RX IRQ─► ring [head ......... tail] ─read()─► task
//!                 │ ring full: drop byte, mark gap          ▲
//!                 └ wake(line_waker(RX)) ───────────────────┘ Err(Overflow) at the gap
//! ```
//!
//! Idle-line reads (feature `time`, on with the default `time-driver`):
//! `UartRx::read_until_idle` returns what arrived once the line has been quiet for a
//! chosen time after the last byte, with an `IdleRead` saying how many bytes and why the
//! batch ended (quiet line, full buffer, or a loss that the next read reports as `Err`).
//!
//! Cancel safety: dropping a `read` future loses nothing (bytes stay in the ring until a
//! read copies them out); dropping a `write` future after it returned nothing means no
//! byte of that call was sent.

use core::cell::UnsafeCell;
use core::convert::Infallible;
use core::future::poll_fn;
use core::marker::PhantomData;
use core::ptr;
use core::sync::atomic::{AtomicU32, Ordering};
use core::task::Poll;

use cortex_m::peripheral::NVIC;

use crate::binding::{line, Binding, Handler, Line};
use crate::wakers::line_waker;

#[cfg(feature = "time")]
mod idle;
#[cfg(feature = "time")]
pub use idle::{IdleEnd, IdleRead};

/// Bytes the receive ring holds per UART.
pub const RX_CAPACITY: usize = 128;

const DATA: usize = 0x00;
const STATE: usize = 0x04;
const CTRL: usize = 0x08;
const INTSTATUS: usize = 0x0C;
const BAUDDIV: usize = 0x10;

const STATE_TX_FULL: u32 = 1 << 0;
const STATE_RX_FULL: u32 = 1 << 1;
const STATE_RX_OVERRUN: u32 = 1 << 3;
const CTRL_TX_EN: u32 = 1 << 0;
const CTRL_RX_EN: u32 = 1 << 1;
const CTRL_TX_INTEN: u32 = 1 << 2;
const CTRL_RX_INTEN: u32 = 1 << 3;
const INT_TX: u32 = 1 << 0;
const INT_RX: u32 = 1 << 1;
const BAUD_DIVISOR: u32 = crate::uart::PCLK_HZ / 115_200;

const NO_GAP: u32 = 0;
const GAP_OVERFLOW: u32 = 1;
const GAP_OVERRUN: u32 = 2;

/// A receive error, reported in stream order (see the module guarantees).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The receive ring was full: bytes arrived faster than the reader took them.
    Overflow,
    /// The UART's data register was overwritten before the interrupt read it.
    Overrun,
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Error::Overflow => "UART receive buffer overflow: bytes were lost",
            Error::Overrun => "UART hardware overrun: bytes were lost",
        })
    }
}

impl core::error::Error for Error {}

impl embedded_io::Error for Error {
    fn kind(&self) -> embedded_io::ErrorKind {
        embedded_io::ErrorKind::Other
    }
}

/// Per-UART state shared by the interrupt handler (producer) and the reader (consumer).
///
/// Ring invariant: `head` (bytes ever pushed) is written only by the RX handler, `tail`
/// (bytes ever taken) only by the one reader; `head - tail <= RX_CAPACITY`, and the
/// bytes at positions `tail..head` (mod capacity) are initialised and owned by the reader
/// until it advances `tail` (Release), after which the handler may overwrite them.
#[doc(hidden)]
pub struct State {
    buf: UnsafeCell<[u8; RX_CAPACITY]>,
    head: AtomicU32,
    tail: AtomicU32,
    /// Stream position of the first lost byte; valid while `gap_kind != NO_GAP`.
    gap_at: AtomicU32,
    /// Set (from `NO_GAP`) only by the handler, cleared only by the reader.
    gap_kind: AtomicU32,
    lost: AtomicU32,
}

impl core::fmt::Debug for State {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("State")
            .field("head", &self.head.load(Ordering::Relaxed))
            .field("tail", &self.tail.load(Ordering::Relaxed))
            .field("lost", &self.lost.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

// SAFETY: the only non-atomic field, `buf`, follows the ring invariant above: each byte is
// accessed by one side at a time, with the hand-over ordered by `head`/`tail` Release and
// Acquire.
unsafe impl Sync for State {}

impl State {
    const fn new() -> Self {
        Self {
            buf: UnsafeCell::new([0; RX_CAPACITY]),
            head: AtomicU32::new(0),
            tail: AtomicU32::new(0),
            gap_at: AtomicU32::new(0),
            gap_kind: AtomicU32::new(NO_GAP),
            lost: AtomicU32::new(0),
        }
    }
}

mod sealed {
    pub trait Sealed {}
}

/// A CMSDK UART instance of the board: its registers, interrupt lines and driver state.
pub trait Instance: sealed::Sealed + 'static {
    /// Base address of the register block.
    const BASE: usize;
    /// The receive interrupt line.
    type RxLine: Line;
    /// The transmit interrupt line.
    type TxLine: Line;
    #[doc(hidden)]
    fn state() -> &'static State;
}

/// The interrupt handler of UART `T`; bind it to both of `T`'s lines
/// ([`Instance::RxLine`] and [`Instance::TxLine`]).
#[derive(Debug)]
pub struct InterruptHandler<T: Instance> {
    _uart: PhantomData<T>,
}

macro_rules! instances {
    ($($name:ident: $base:literal, $rx:ident, $tx:ident;)*) => {$(
        #[doc = concat!("Token of CMSDK UART `", stringify!($name), "` (base `", stringify!($base),
            "`, lines `", stringify!($rx), "`/`", stringify!($tx), "`).")]
        #[derive(Debug)]
        pub struct $name {
            pub(crate) _private: (),
        }
        impl sealed::Sealed for $name {}
        impl Instance for $name {
            const BASE: usize = $base;
            type RxLine = line::$rx;
            type TxLine = line::$tx;
            fn state() -> &'static State {
                static STATE: State = State::new();
                &STATE
            }
        }
        impl Handler<line::$rx> for InterruptHandler<$name> {
            unsafe fn on_interrupt() {
                // SAFETY: forwarded contract: only the RX line's vector calls this.
                unsafe { on_rx($base, $name::state(), line::$rx::INTERRUPT) }
            }
        }
        impl Handler<line::$tx> for InterruptHandler<$name> {
            unsafe fn on_interrupt() {
                on_tx($base, line::$tx::INTERRUPT)
            }
        }
    )*};
}

instances! {
    UART0: 0x4000_4000, UARTRX0, UARTTX0;
    UART1: 0x4000_5000, UARTRX1, UARTTX1;
    UART2: 0x4000_6000, UARTRX2, UARTTX2;
    UART3: 0x4000_7000, UARTRX3, UARTTX3;
    UART4: 0x4000_9000, UARTRX4, UARTTX4;
}

fn read_reg(base: usize, offset: usize) -> u32 {
    // SAFETY: `base` is one of the CMSDK UART register blocks listed in `instances!` and
    // `offset` a word-aligned register in it: device memory, no Rust object lives there.
    unsafe { ptr::read_volatile((base + offset) as *const u32) }
}

fn write_reg(base: usize, offset: usize, value: u32) {
    // SAFETY: as in `read_reg`.
    unsafe { ptr::write_volatile((base + offset) as *mut u32, value) }
}

/// The RX interrupt: moves every waiting byte into the ring, records losses, wakes the
/// reader.
///
/// # Safety
/// Called only from the RX line's handler: it is the ring's single producer.
unsafe fn on_rx(base: usize, state: &State, irq: crate::Interrupt) {
    // Acknowledge first: a byte arriving after this raises the line again.
    write_reg(base, INTSTATUS, INT_RX);
    if read_reg(base, STATE) & STATE_RX_OVERRUN != 0 {
        write_reg(base, STATE, STATE_RX_OVERRUN);
        mark_gap(state, GAP_OVERRUN);
    }
    while read_reg(base, STATE) & STATE_RX_FULL != 0 {
        let byte = read_reg(base, DATA) as u8;
        let head = state.head.load(Ordering::Relaxed);
        let tail = state.tail.load(Ordering::Acquire);
        if head.wrapping_sub(tail) as usize >= RX_CAPACITY {
            mark_gap(state, GAP_OVERFLOW);
            continue;
        }
        // SAFETY: ring invariant: position `head` is outside `tail..head`, so the reader
        // does not touch it (its last read of it happened before the Release of `tail`
        // we acquired); we are the single producer.
        unsafe { (*state.buf.get())[head as usize % RX_CAPACITY] = byte };
        state.head.store(head.wrapping_add(1), Ordering::Release);
    }
    line_waker(irq).wake();
}

/// Records a lost byte at the current end of the stream (producer side).
fn mark_gap(state: &State, kind: u32) {
    state.lost.store(
        state.lost.load(Ordering::Relaxed).wrapping_add(1),
        Ordering::Relaxed,
    );
    if state.gap_kind.load(Ordering::Acquire) == NO_GAP {
        state
            .gap_at
            .store(state.head.load(Ordering::Relaxed), Ordering::Relaxed);
        state.gap_kind.store(kind, Ordering::Release);
    }
}

/// The TX interrupt: the transmit buffer became free; wake the writer.
fn on_tx(base: usize, irq: crate::Interrupt) {
    write_reg(base, INTSTATUS, INT_TX);
    line_waker(irq).wake();
}

/// A CMSDK UART, both directions. [`split`](Self::split) it to use the halves from
/// different tasks.
///
/// ```no_run
/// use mote_mps2::{bind_interrupts, serial};
///
/// bind_interrupts!(struct Irqs {
///     UARTRX0 => serial::InterruptHandler<serial::UART0>;
///     UARTTX0 => serial::InterruptHandler<serial::UART0>;
/// });
///
/// async fn echo() -> Result<(), serial::Error> {
///     use embedded_io_async::{Read, Write};
///     let p = mote_mps2::Peripherals::take().unwrap();
///     let mut uart = serial::Uart::new(p.UART0, Irqs);
///     let mut buf = [0; 16];
///     loop {
///         let n = uart.read(&mut buf).await?;
///         uart.write_all(&buf[..n]).await?;
///     }
/// }
/// ```
#[derive(Debug)]
pub struct Uart {
    tx: UartTx,
    rx: UartRx,
}

/// The transmit half of a [`Uart`].
#[derive(Debug)]
pub struct UartTx {
    base: usize,
    irq: crate::Interrupt,
}

/// The receive half of a [`Uart`]: the only reader of its ring.
#[derive(Debug)]
pub struct UartRx {
    base: usize,
    irq: crate::Interrupt,
    state: &'static State,
}

impl Uart {
    /// Takes UART `T`, enables its transmitter, receiver and their interrupts at 115 200
    /// baud, and unmasks its two lines (at their current NVIC priority). Bytes are
    /// buffered from now on, read or not.
    ///
    /// `_irqs` proves that `T`'s RX and TX lines call [`InterruptHandler<T>`].
    pub fn new<T: Instance>(
        _uart: T,
        _irqs: impl Binding<T::RxLine, InterruptHandler<T>> + Binding<T::TxLine, InterruptHandler<T>>,
    ) -> Self
    where
        InterruptHandler<T>: Handler<T::RxLine> + Handler<T::TxLine>,
    {
        critical_section::with(|_| {
            write_reg(T::BASE, BAUDDIV, BAUD_DIVISOR);
            let ctrl = read_reg(T::BASE, CTRL);
            write_reg(
                T::BASE,
                CTRL,
                ctrl | CTRL_TX_EN | CTRL_RX_EN | CTRL_TX_INTEN | CTRL_RX_INTEN,
            );
        });
        let (rx, tx) = (T::RxLine::INTERRUPT, T::TxLine::INTERRUPT);
        // SAFETY: the binding proves both lines run this driver's handler, which only
        // touches this UART and its driver state; no critical section relies on these
        // lines being masked.
        unsafe {
            NVIC::unmask(rx);
            NVIC::unmask(tx);
        }
        // A byte may already wait in the data register (received before the interrupt
        // was enabled, which raises no interrupt): let the handler collect it.
        NVIC::pend(rx);
        Uart {
            tx: UartTx {
                base: T::BASE,
                irq: tx,
            },
            rx: UartRx {
                base: T::BASE,
                irq: rx,
                state: T::state(),
            },
        }
    }

    /// The two halves, to move to different tasks.
    pub fn split(self) -> (UartTx, UartRx) {
        (self.tx, self.rx)
    }

    /// The transmit half, borrowed.
    pub fn tx(&mut self) -> &mut UartTx {
        &mut self.tx
    }

    /// The receive half, borrowed.
    pub fn rx(&mut self) -> &mut UartRx {
        &mut self.rx
    }
}

impl UartRx {
    /// Bytes lost so far (ring overflows and hardware overruns), counted even when merged
    /// into one reported error.
    pub fn lost(&self) -> u32 {
        self.state.lost.load(Ordering::Relaxed)
    }

    /// Bytes waiting in the ring.
    pub fn available(&self) -> usize {
        let head = self.state.head.load(Ordering::Acquire);
        head.wrapping_sub(self.state.tail.load(Ordering::Relaxed)) as usize
    }

    /// Copies waiting bytes into `buf`: `Some(Ok(n))` with `n >= 1`, `Some(Err(_))` at a
    /// loss, `None` if nothing is waiting. Never blocks.
    pub fn try_read(&mut self, buf: &mut [u8]) -> Option<Result<usize, Error>> {
        let state = self.state;
        let tail = state.tail.load(Ordering::Relaxed);
        let mut head = state.head.load(Ordering::Acquire);
        let gap = state.gap_kind.load(Ordering::Acquire);
        if gap != NO_GAP {
            let at = state.gap_at.load(Ordering::Relaxed);
            if at == tail {
                state.gap_kind.store(NO_GAP, Ordering::Release);
                return Some(Err(if gap == GAP_OVERRUN {
                    Error::Overrun
                } else {
                    Error::Overflow
                }));
            }
            // Deliver only the bytes before the gap now.
            head = at;
        }
        let ready = head.wrapping_sub(tail) as usize;
        if ready == 0 {
            return None;
        }
        let n = ready.min(buf.len());
        for (i, out) in buf[..n].iter_mut().enumerate() {
            let pos = tail.wrapping_add(i as u32) as usize % RX_CAPACITY;
            // SAFETY: ring invariant: `pos` lies in `tail..head`, owned by the reader,
            // initialised by the producer before its Release of `head` (acquired above).
            *out = unsafe { (*state.buf.get())[pos] };
        }
        state
            .tail
            .store(tail.wrapping_add(n as u32), Ordering::Release);
        Some(Ok(n))
    }

    /// Waits until bytes (or a loss) are waiting, then behaves like
    /// [`try_read`](Self::try_read). An empty `buf` returns `Ok(0)` at once.
    ///
    /// Cancel safety: cancel-safe; nothing is taken from the ring until the future
    /// completes.
    pub async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        if buf.is_empty() {
            return Ok(0);
        }
        poll_fn(|cx| {
            if let Some(r) = self.try_read(buf) {
                return Poll::Ready(r);
            }
            line_waker(self.irq).register(cx.waker());
            match self.try_read(buf) {
                Some(r) => Poll::Ready(r),
                None => Poll::Pending,
            }
        })
        .await
    }

    /// Base address of the UART (for diagnostics).
    pub fn base(&self) -> usize {
        self.base
    }
}

impl UartTx {
    /// Puts as many bytes of `buf` into the transmitter as it takes without waiting
    /// (`0` if it is busy).
    pub fn try_write(&mut self, buf: &[u8]) -> usize {
        let mut n = 0;
        for &b in buf {
            // Check and write in one critical section: a `println!` preempting between
            // them would fill the buffer, and this write would replace its byte.
            let put = critical_section::with(|_| {
                if read_reg(self.base, STATE) & STATE_TX_FULL != 0 {
                    return false;
                }
                write_reg(self.base, DATA, u32::from(b));
                true
            });
            if !put {
                break;
            }
            n += 1;
        }
        n
    }

    /// Writes at least one byte of `buf` (waiting for the transmitter if it is busy) and
    /// returns how many. An empty `buf` returns `0` at once.
    ///
    /// Cancel safety: cancel-safe; a dropped future sent nothing.
    pub async fn write(&mut self, buf: &[u8]) -> usize {
        if buf.is_empty() {
            return 0;
        }
        poll_fn(|cx| {
            let n = self.try_write(buf);
            if n > 0 {
                return Poll::Ready(n);
            }
            line_waker(self.irq).register(cx.waker());
            match self.try_write(buf) {
                0 => Poll::Pending,
                n => Poll::Ready(n),
            }
        })
        .await
    }

    /// Waits until the transmit buffer is empty.
    ///
    /// Cancel safety: cancel-safe (it only waits).
    pub async fn flush(&mut self) {
        poll_fn(|cx| {
            if read_reg(self.base, STATE) & STATE_TX_FULL == 0 {
                return Poll::Ready(());
            }
            line_waker(self.irq).register(cx.waker());
            if read_reg(self.base, STATE) & STATE_TX_FULL == 0 {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await
    }
}

impl embedded_io::ErrorType for UartTx {
    type Error = Infallible;
}

impl embedded_io::ErrorType for UartRx {
    type Error = Error;
}

impl embedded_io::ErrorType for Uart {
    type Error = Error;
}

impl embedded_io_async::Write for UartTx {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Infallible> {
        Ok(UartTx::write(self, buf).await)
    }

    async fn flush(&mut self) -> Result<(), Infallible> {
        UartTx::flush(self).await;
        Ok(())
    }
}

impl embedded_io_async::Read for UartRx {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        UartRx::read(self, buf).await
    }
}

impl embedded_io_async::Write for Uart {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Error> {
        Ok(self.tx.write(buf).await)
    }

    async fn flush(&mut self) -> Result<(), Error> {
        self.tx.flush().await;
        Ok(())
    }
}

impl embedded_io_async::Read for Uart {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        self.rx.read(buf).await
    }
}

/// Blocking writes spin on the transmit buffer.
impl embedded_io::Write for UartTx {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Infallible> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            match self.try_write(buf) {
                0 => core::hint::spin_loop(),
                n => return Ok(n),
            }
        }
    }

    fn flush(&mut self) -> Result<(), Infallible> {
        while read_reg(self.base, STATE) & STATE_TX_FULL != 0 {
            core::hint::spin_loop();
        }
        Ok(())
    }
}

/// Blocking reads spin until the RX interrupt delivered a byte: call them only where that
/// interrupt can preempt (thread mode, or a lower priority than the RX line).
impl embedded_io::Read for UartRx {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if let Some(r) = self.try_read(buf) {
                return r;
            }
            core::hint::spin_loop();
        }
    }
}

impl embedded_io::Write for Uart {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Error> {
        Ok(embedded_io::Write::write(&mut self.tx, buf).unwrap_or(0))
    }

    fn flush(&mut self) -> Result<(), Error> {
        let _ = embedded_io::Write::flush(&mut self.tx);
        Ok(())
    }
}

impl embedded_io::Read for Uart {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        embedded_io::Read::read(&mut self.rx, buf)
    }
}
