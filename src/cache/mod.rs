//! The policy core behind `LRUCache`.
//!
//! Keys and values never leave JS: the JS wrapper maps each key to an integer
//! *slot* and keeps values in an array indexed by slot. This core owns everything
//! about slots that is policy: which are free, the replacement order, entry
//! weights against `max`/`maxSize`, and the expiry index for TTLs.
//!
//! Hits are not reported one call at a time. The wrapper appends the slot of each
//! hit to an access log and the store replays the log, in order, at the start of
//! every operation ([`Store::replay`]), so the order it decides on is exact while
//! a hit costs JS one array write.
//!
//! Memory: per slot, 8 bytes of list links, 8 of weight, 4 of expiry generation
//! and 1 of residency, plus 24 bytes per live expiry-heap entry. Not thread-safe:
//! one store belongs to one JS thread.

mod expiry;
mod ghost;
mod guard;
mod hash;
mod list;
mod lru;
mod policy;
mod prefetch;
#[cfg(test)]
mod prop_tests;
mod rng;
mod sketch;
mod store;
mod tinylfu;
pub mod trace;

#[cfg(test)]
mod model_tests;

pub use expiry::ExpiryIndex;
pub use hash::hash_int;
pub use list::{Links, List, NIL};
pub use policy::{Policy, PolicyKind};
pub use sketch::Sketch;
pub use store::{Limits, Store, StoreError, INSERT_FLAG, MAX_ENTRIES};
pub use tinylfu::{TinyLfu, Tuning};
