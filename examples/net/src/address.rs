//! The guest's IPv4 configuration: with feature `dhcp`, a lease from QEMU's user network
//! (its DHCP server at 10.0.2.2 hands out 10.0.2.15), falling back to the static
//! [`ADDRESS`] when no lease arrives within [`DHCP_TIMEOUT_SECS`]; without it, the static
//! address from the start.
//!
//! ```text
//! dhcp:    config() = DHCP ──lease──────────────────────► up (Source::Dhcp)
//!                        └──no lease in DHCP_TIMEOUT_SECS─► static (Source::Fallback)
//! no dhcp: config() = static ────────────────────────────► up (Source::Static)
//! ```

use embassy_net::{Config, Ipv4Address, Ipv4Cidr, Stack, StaticConfigV4};

use crate::{ADDRESS, GATEWAY};

/// Sockets the DHCP client takes in the stack (1 with feature `dhcp`).
pub const DHCP_SOCKETS: usize = if cfg!(feature = "dhcp") { 1 } else { 0 };

/// Time given to DHCP before the static address is set instead.
pub const DHCP_TIMEOUT_SECS: u64 = 5;

/// Where the address in use came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A DHCP lease.
    Dhcp,
    /// The static address, configured from the start (feature `dhcp` off).
    Static,
    /// The static address, after DHCP gave no lease in time.
    Fallback,
}

impl Source {
    /// The source as one word, as the firmware prints it.
    ///
    /// ```
    /// use mote_examples_net::address::Source;
    /// assert_eq!(Source::Fallback.as_str(), "static (no DHCP lease)");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Source::Dhcp => "dhcp",
            Source::Static => "static",
            Source::Fallback => "static (no DHCP lease)",
        }
    }
}

/// The static configuration: [`ADDRESS`]/24 through [`GATEWAY`].
///
/// ```
/// let c = mote_examples_net::address::static_v4();
/// assert_eq!(c.address.prefix_len(), 24);
/// ```
pub fn static_v4() -> StaticConfigV4 {
    let [a, b, c, d] = ADDRESS;
    let [g0, g1, g2, g3] = GATEWAY;
    StaticConfigV4 {
        address: Ipv4Cidr::new(Ipv4Address::new(a, b, c, d), 24),
        gateway: Some(Ipv4Address::new(g0, g1, g2, g3)),
        dns_servers: Default::default(),
    }
}

/// The configuration the stack starts with: DHCP with feature `dhcp`, else static.
pub fn config() -> Config {
    #[cfg(feature = "dhcp")]
    {
        Config::dhcpv4(Default::default())
    }
    #[cfg(not(feature = "dhcp"))]
    {
        Config::ipv4_static(static_v4())
    }
}

/// Waits until the stack has an address (setting the static one if DHCP gives none in
/// [`DHCP_TIMEOUT_SECS`]); where it came from.
///
/// Cancel-safe: yes (dropped before the fall-back, the stack keeps asking DHCP).
pub async fn configured(stack: Stack<'_>) -> Source {
    #[cfg(feature = "dhcp")]
    {
        use embassy_time::{with_timeout, Duration};
        let wait = with_timeout(
            Duration::from_secs(DHCP_TIMEOUT_SECS),
            stack.wait_config_up(),
        );
        if wait.await.is_ok() {
            return Source::Dhcp;
        }
        stack.set_config_v4(embassy_net::ConfigV4::Static(static_v4()));
        stack.wait_config_up().await;
        Source::Fallback
    }
    #[cfg(not(feature = "dhcp"))]
    {
        stack.wait_config_up().await;
        Source::Static
    }
}
