//! leakguard: keeps Node services from dying of memory leaks.
//!
//! Each capability is a plain Rust module that knows nothing of N-API; `binding`
//! is the only place napi types appear.
//!
//! - [`cache`]: the policy core behind `LRUCache` (recency order, expiry index,
//!   sizes and free slots over integer slots; keys and values stay in JS).
//! - [`heap`]: reads V8 heap snapshots and compares them (`leakguard diff`).
//! - [`snapshot`]: writes heap snapshots atomically (0600, gzip on a background
//!   thread), rotates them and checks free disk space.
//! - [`audit`]: per call site listener counts, windowed growth and the leak
//!   suspect rule behind `auditListeners` (fed in batches from JS hooks).
//! - [`monitor`]: the memory trend monitor (post-GC floors, Theil–Sen slope,
//!   Mann–Kendall test) behind `monitorMemory`.

pub mod audit;
pub mod cache;
pub mod heap;
pub mod monitor;
pub mod snapshot;

// The N-API layer; exercised by the JS tests (napi-derive registers nothing
// under cfg(test), so cargo test leaves it out).
#[cfg(not(test))]
mod binding;
