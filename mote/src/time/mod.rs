//! Time (placeholder until the time module lands).
