//! `CacheCore`: the JS face of [`crate::cache::Store`].
//!
//! The JS wrapper shares two `Uint32Array`s with the core, handed over once at
//! construction so no call pays for converting them:
//! - `log`: slots hit since the last call; every method takes `pending`, the
//!   number of entries written, and replays them first.
//! - `out`: where slot lists come back. `out[0]` is the count; the slots follow
//!   when they fit, otherwise `takeOverflow()` returns them all.

use super::error::{throw, Kind};
use crate::cache::{Limits, PolicyKind, Store, StoreError};
use napi::bindgen_prelude::Uint32Array;
use napi::{Env, Result};
use napi_derive::napi;

/// Construction options for the cache core (validated again by the JS wrapper,
/// which owns the user-facing messages).
#[napi(object)]
pub struct CoreOptions {
    /// Most entries resident at once; 0 for no bound.
    pub max: u32,
    /// Most total size resident at once; 0 for no bound.
    pub max_size: f64,
    /// Replacement policy name: `"lru"` or `"tinylfu"`.
    pub policy: String,
}

/// The slot-level policy core of one `LRUCache`.
#[napi]
pub struct CacheCore {
    store: Store,
    log: Uint32Array,
    out: Uint32Array,
    scratch: Vec<u32>,
    overflow: Vec<u32>,
}

fn store_error(env: &Env, e: StoreError) -> napi::Error {
    let kind = match e {
        StoreError::NotResident(_) => Kind::Plain,
        StoreError::TooHeavy { .. } | StoreError::MaxTooLarge(_) => Kind::Range,
    };
    throw(env, kind, "ERR_LEAKGUARD_CACHE", &e.to_string())
}

fn weight(w: f64) -> u64 {
    if w.is_finite() && w > 0.0 {
        w as u64
    } else {
        0
    }
}

#[napi]
impl CacheCore {
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env, options: CoreOptions, log: Uint32Array, out: Uint32Array) -> Result<Self> {
        let Some(kind) = PolicyKind::parse(&options.policy) else {
            let msg = format!(
                "policy must be \"lru\" or \"tinylfu\", got {:?}",
                options.policy
            );
            return Err(throw(&env, Kind::Range, "ERR_LEAKGUARD_OPTION", &msg));
        };
        if out.len() < 2 {
            let msg = format!("out buffer needs at least 2 slots, got {}", out.len());
            return Err(throw(&env, Kind::Range, "ERR_LEAKGUARD_CACHE", &msg));
        }
        let limits = Limits {
            max_entries: options.max,
            max_weight: weight(options.max_size),
        };
        let store = Store::new(kind, limits).map_err(|e| store_error(&env, e))?;
        Ok(CacheCore {
            store,
            log,
            out,
            scratch: Vec::new(),
            overflow: Vec::new(),
        })
    }

    fn replay(&mut self, env: &Env, pending: u32) -> Result<()> {
        let log: &[u32] = self.log.as_ref();
        let Some(hits) = log.get(..pending as usize) else {
            let msg = format!(
                "pending {pending} exceeds the access log length {}",
                log.len()
            );
            return Err(throw(env, Kind::Range, "ERR_LEAKGUARD_CACHE", &msg));
        };
        self.store.replay(hits);
        Ok(())
    }

    /// Publishes `scratch` through `out` (or the overflow list) and returns the count.
    fn publish(&mut self) -> u32 {
        let n = self.scratch.len();
        // SAFETY: the buffer is only touched on this JS thread, between calls.
        let out = unsafe { self.out.as_mut() };
        out[0] = n as u32;
        if n < out.len() {
            out[1..=n].copy_from_slice(&self.scratch);
        } else {
            self.overflow.clear();
            self.overflow.extend_from_slice(&self.scratch);
        }
        self.scratch.clear();
        n as u32
    }

    /// Replays `pending` logged hits.
    #[napi(catch_unwind)]
    pub fn drain(&mut self, env: Env, pending: u32) -> Result<()> {
        self.replay(&env, pending)
    }

    /// Makes a new entry resident; returns its slot. Evicted slots go to `out`.
    #[napi(catch_unwind)]
    pub fn insert(&mut self, env: Env, pending: u32, size: f64, hash: u32) -> Result<u32> {
        self.replay(&env, pending)?;
        let slot = self
            .store
            .insert(weight(size), hash, &mut self.scratch)
            .map_err(|e| store_error(&env, e))?;
        self.publish();
        Ok(slot)
    }

    /// Changes an entry's size (counts as a hit); evicted slots go to `out`.
    #[napi(catch_unwind)]
    pub fn resize(&mut self, env: Env, pending: u32, slot: u32, size: f64) -> Result<u32> {
        self.replay(&env, pending)?;
        self.store
            .reweigh(slot, weight(size), &mut self.scratch)
            .map_err(|e| store_error(&env, e))?;
        Ok(self.publish())
    }

    /// Removes an entry; its slot becomes free.
    #[napi(catch_unwind)]
    pub fn remove(&mut self, env: Env, pending: u32, slot: u32) -> Result<()> {
        self.replay(&env, pending)?;
        self.store.remove(slot).map_err(|e| store_error(&env, e))
    }

    /// The slot the policy would evict next, or -1 when empty.
    #[napi(catch_unwind)]
    pub fn victim(&mut self, env: Env, pending: u32) -> Result<i64> {
        self.replay(&env, pending)?;
        Ok(self.store.victim().map_or(-1, i64::from))
    }

    /// Registers when an entry expires (`at` in the wrapper's clock), or forgets
    /// its expiry when `at` is not finite.
    #[napi(catch_unwind)]
    pub fn set_expiry(&mut self, env: Env, pending: u32, slot: u32, at: f64) -> Result<()> {
        self.replay(&env, pending)?;
        let r = if at.is_finite() {
            self.store.set_expiry(slot, at)
        } else {
            self.store.clear_expiry(slot)
        };
        r.map_err(|e| store_error(&env, e))
    }

    /// Entries registered to expire strictly before `now`, earliest first, into
    /// `out`; returns the count. Their registrations are dropped.
    #[napi(catch_unwind)]
    pub fn take_due(&mut self, env: Env, pending: u32, now: f64) -> Result<u32> {
        self.replay(&env, pending)?;
        self.store.take_due(now, &mut self.scratch);
        Ok(self.publish())
    }

    /// The earliest registered expiry, or -1 when none.
    #[napi(catch_unwind)]
    pub fn next_due(&mut self) -> f64 {
        self.store.next_due().unwrap_or(-1.0)
    }

    /// Resident slots from most to least recently used, or the reverse.
    #[napi(catch_unwind)]
    pub fn order(&mut self, env: Env, pending: u32, reverse: bool) -> Result<Uint32Array> {
        self.replay(&env, pending)?;
        let mut v = Vec::with_capacity(self.store.len() as usize);
        self.store.for_each(reverse, |s| v.push(s));
        Ok(Uint32Array::new(v))
    }

    /// The last slot list that did not fit in `out`.
    #[napi(catch_unwind)]
    pub fn take_overflow(&mut self) -> Uint32Array {
        Uint32Array::new(std::mem::take(&mut self.overflow))
    }

    /// Empties the core (the wrapper's log is discarded, not replayed).
    #[napi(catch_unwind)]
    pub fn clear(&mut self) {
        self.store.clear();
    }

    /// Resident entries.
    #[napi(getter)]
    pub fn len(&self) -> u32 {
        self.store.len()
    }

    /// Total size of resident entries.
    #[napi(getter)]
    pub fn total_size(&self) -> f64 {
        self.store.total_weight() as f64
    }
}
