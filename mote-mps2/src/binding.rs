//! Interrupt binding: [`bind_interrupts!`](crate::bind_interrupts) defines the handler of
//! an interrupt line and a zero-sized type that proves it did. Drivers that need an
//! interrupt take that proof in their constructor, so a driver whose interrupt is not
//! bound to its handler does not compile (instead of hanging at run time, waiting for a
//! wake that never comes).
//!
//! Guarantees:
//! - A [`Binding<L, H>`] exists only if the line `L`'s vector calls `H::on_interrupt`:
//!   the trait is `unsafe` to implement and only the macro implements it, right next to
//!   the handler it generates.
//! - A line has at most one handler: the macro defines the vector symbol (for example
//!   `UARTRX0`), so binding a line twice, or binding it and also writing
//!   `#[interrupt] fn UARTRX0`, is a duplicate-symbol link error.
//!
//! The pieces:
//!
//! | item | role |
//! | --- | --- |
//! | [`line`](mod@line)`::NAME` | one type per NVIC line, implementing [`Line`] |
//! | [`Handler<L>`] | what a driver runs in line `L`'s interrupt (`uart::RxHandler<UART0>`) |
//! | [`Binding<L, H>`] | proof that line `L` calls handler `H`; taken by constructors |
//!
//! ```no_run
//! use mote_mps2::{bind_interrupts, serial};
//!
//! bind_interrupts!(struct Irqs {
//!     UARTRX0 => serial::InterruptHandler<serial::UART0>;
//!     UARTTX0 => serial::InterruptHandler<serial::UART0>;
//! });
//!
//! let p = mote_mps2::Peripherals::take().unwrap();
//! let uart = serial::Uart::new(p.UART0, Irqs);
//! # let _ = uart;
//! ```
//!
//! Forgetting a line is a compile error:
//!
//! ```compile_fail
//! use mote_mps2::{bind_interrupts, serial};
//!
//! bind_interrupts!(struct Irqs {
//!     UARTRX0 => serial::InterruptHandler<serial::UART0>;
//!     // UARTTX0 is not bound: `Irqs` does not implement the binding `Uart::new` requires.
//! });
//!
//! let p = mote_mps2::Peripherals::take().unwrap();
//! let uart = serial::Uart::new(p.UART0, Irqs);
//! ```
//!
//! So is binding a line to another driver's handler:
//!
//! ```compile_fail
//! use mote_mps2::{bind_interrupts, serial};
//!
//! bind_interrupts!(struct Irqs {
//!     UARTRX0 => serial::InterruptHandler<serial::UART1>;
//!     UARTTX0 => serial::InterruptHandler<serial::UART1>;
//! });
//!
//! let p = mote_mps2::Peripherals::take().unwrap();
//! let uart = serial::Uart::new(p.UART0, Irqs);
//! ```

use crate::Interrupt;

/// An NVIC interrupt line, as a type. Implemented by the types of [`line`](mod@line).
pub trait Line: 'static {
    /// The line's number.
    const INTERRUPT: Interrupt;
}

/// Code a driver runs in the interrupt of line `L`.
///
/// Implement it for a driver's handler type (usually a zero-sized type generic over the
/// peripheral instance); users bind it with [`bind_interrupts!`](crate::bind_interrupts).
pub trait Handler<L: Line> {
    /// The interrupt work: acknowledge the source, move data, wake waiting tasks.
    ///
    /// # Safety
    /// Called only from line `L`'s interrupt handler (the code `bind_interrupts!`
    /// generates), so it never runs twice at once.
    unsafe fn on_interrupt();
}

/// Proof that line `L`'s interrupt handler calls `H::on_interrupt`. Made by
/// [`bind_interrupts!`](crate::bind_interrupts); driver constructors require it.
///
/// # Safety
/// Implement only where the vector of `L` calls `H::on_interrupt` (what the macro
/// generates); drivers rely on it to be woken.
pub unsafe trait Binding<L: Line, H: Handler<L>>: Copy {}

macro_rules! lines {
    ($($name:ident),* $(,)?) => {
        /// One zero-sized type per interrupt line, named like [`Interrupt`](crate::Interrupt)'s
        /// variants; [`bind_interrupts!`](crate::bind_interrupts) refers to them by name.
        #[allow(non_camel_case_types)]
        pub mod line {
            $(
                #[doc = concat!("The `", stringify!($name), "` line, as a type.")]
                #[derive(Debug, Clone, Copy)]
                pub enum $name {}
                impl super::Line for $name {
                    const INTERRUPT: crate::Interrupt = crate::Interrupt::$name;
                }
            )*
        }
    };
}

lines!(
    UARTRX0, UARTTX0, UARTRX1, UARTTX1, UARTRX2, UARTTX2, PORT0_ALL, PORT1_ALL, TIMER0, TIMER1,
    DUALTIMER, SPI, UARTOVF, ETHERNET, I2S, TSC, PORT2_ALL, PORT3_ALL, UARTRX3, UARTTX3, UARTRX4,
    UARTTX4, ADCSPI, SHIELDSPI, PORT0_0, PORT0_1, PORT0_2, PORT0_3, PORT0_4, PORT0_5, PORT0_6,
    PORT0_7,
);

/// Defines interrupt handlers that call drivers' [`Handler`]s, and a zero-sized type
/// proving each binding ([`Binding`]). Several handlers may share a line; they run in the
/// order written.
///
/// ```no_run
/// use mote_mps2::{bind_interrupts, serial};
///
/// bind_interrupts!(pub struct Irqs {
///     UARTRX0 => serial::InterruptHandler<serial::UART0>;
///     UARTTX0 => serial::InterruptHandler<serial::UART0>;
/// });
/// ```
///
/// A line can be bound once per program: a second binding (or an `#[interrupt]` function
/// for the same line) fails to link with a duplicate symbol.
#[macro_export]
macro_rules! bind_interrupts {
    ($vis:vis struct $name:ident { $($line:ident => $($handler:ty),+ ;)* }) => {
        /// Proof of interrupt bindings, made by `bind_interrupts!`.
        #[derive(Debug, Clone, Copy)]
        $vis struct $name;

        $(
            #[allow(non_snake_case)]
            #[no_mangle]
            unsafe extern "C" fn $line() {
                $(
                    // SAFETY: this function is the vector of the line, the only caller
                    // `Handler::on_interrupt` allows.
                    unsafe {
                        <$handler as $crate::binding::Handler<$crate::binding::line::$line>>::on_interrupt();
                    }
                )+
            }

            $(
                // SAFETY: the function above, the line's vector, calls this handler.
                unsafe impl $crate::binding::Binding<$crate::binding::line::$line, $handler> for $name {}
            )+
        )*
    };
}
