//! The data generation of this process: a counter that every committed
//! write of the service moves on, so that results computed from the
//! database can be kept in memory until the data they were computed from
//! changes.
//!
//! It counts the writes of this process only. Writes by another process
//! (the command line, a second server) are not seen here: a cache keyed by
//! the generation must also bound the age of what it keeps.

use std::sync::atomic::{AtomicU64, Ordering};

static GENERATION: AtomicU64 = AtomicU64::new(0);

/// The current generation.
pub fn current() -> u64 {
    GENERATION.load(Ordering::Acquire)
}

/// Moves the generation on; called after a write has committed (or failed:
/// moving on too often only costs a recomputation).
pub fn bump() {
    GENERATION.fetch_add(1, Ordering::AcqRel);
}
