//! The replacement-policy interface the slot store drives.

use super::lru::Lru;
use super::store::Limits;
use super::tinylfu::TinyLfu;

/// Which policy a cache uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// Exact least-recently-used order (the default; lru-cache's semantics).
    Lru,
    /// Adaptive W-TinyLFU: frequency-guarded admission, window sized online.
    TinyLfu,
}

impl PolicyKind {
    pub fn parse(name: &str) -> Option<PolicyKind> {
        match name {
            "lru" => Some(PolicyKind::Lru),
            "tinylfu" => Some(PolicyKind::TinyLfu),
            _ => None,
        }
    }

    /// A policy for a store with these limits; `seed` drives any randomness
    /// (TinyLFU's admission jitter), so equal seeds replay equally.
    pub fn build(self, limits: Limits, seed: u64) -> Box<dyn Policy> {
        match self {
            PolicyKind::Lru => Box::new(Lru::default()),
            PolicyKind::TinyLfu => Box::new(TinyLfu::new(limits, seed)),
        }
    }
}

/// A replacement policy over resident slots.
///
/// The store owns slot allocation, weights and limits; a policy only orders
/// resident slots and names the next victim. `hash` identifies the key across
/// evictions (frequency-based policies need it; LRU ignores it).
pub trait Policy {
    /// Makes room for slot indices below `slots`.
    fn ensure(&mut self, slots: usize);
    /// Records a hit on a resident slot.
    fn access(&mut self, slot: u32);
    /// Records a run of logged hits in order, skipping slots that are no
    /// longer resident (`resident` is indexed by slot). Policies override it to
    /// keep the loop free of dynamic calls and to prefetch the slots ahead.
    fn access_run(&mut self, hits: &[u32], resident: &[bool]) {
        for &slot in hits {
            if resident.get(slot as usize).copied().unwrap_or(false) {
                self.access(slot);
            }
        }
    }
    /// Adds a newly resident slot.
    fn insert(&mut self, slot: u32, weight: u64, hash: u32);
    /// Forgets a resident slot (deleted, expired or evicted).
    fn remove(&mut self, slot: u32);
    /// A resident slot's weight changed.
    fn reweigh(&mut self, _slot: u32, _old: u64, _new: u64) {}
    /// The slot to evict next, still resident; `None` when empty.
    fn victim(&mut self) -> Option<u32>;
    /// Forgets every slot (frequency history may be kept).
    fn clear(&mut self);
    /// Visits resident slots from most to least recently used (or the policy's
    /// nearest equivalent), or the reverse, while `f` returns true. In reverse,
    /// the first slots visited are the next victims, in eviction order.
    fn for_each(&self, reverse: bool, f: &mut dyn FnMut(u32) -> bool);
    /// Checks the policy's own bookkeeping (for tests); `Err` says what broke.
    fn check(&self) -> Result<(), String> {
        Ok(())
    }
    /// A short summary of adaptive state, for reports (e.g. the window size).
    fn describe(&self) -> String {
        String::new()
    }
}
