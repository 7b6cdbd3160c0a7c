//! Future combinators: select, join, yield_now, poll_once, block_on.
