//! The JS face of [`crate::cache::Store`], as free functions over integer ids.
//!
//! Why not a `#[napi]` class: napi-rs creates and deletes a napi reference to
//! `this` on every method call, about 450 ns on Node 20, while a function whose
//! arguments are numbers costs about 40 ns. So each thread keeps a table of
//! cores and JS passes the id; a `FinalizationRegistry` in the wrapper frees it.
//!
//! Each core owns two `u32` buffers that JS sees as external `Uint32Array`s
//! (`coreLog`, `coreOut`), so no call converts them:
//! - the access log: slots hit since the last call; every call takes `pending`,
//!   the number of entries written, and replays them first;
//! - the output: `out[0]` is a count, the slots follow when they fit, otherwise
//!   `coreTakeOverflow` returns them all.

use super::error::{throw, Kind};
use super::raw::{define, run, whole_u32, Ret, Thrown};
use crate::cache::{Limits, PolicyKind, Store, StoreError};

/// Marks a logged insert; see `coreSync`.
#[napi]
pub const INSERT_FLAG: u32 = crate::cache::INSERT_FLAG;
use napi::bindgen_prelude::{Float64Array, Object, Uint32Array};
use napi::{sys, JsValue};
use napi::{Env, Result};
use napi_derive::napi;
use std::cell::RefCell;
use std::sync::Arc;

/// A buffer shared between a core and the JS view of it. The memory is freed
/// when both the core and the JS `ArrayBuffer` have let go of it.
struct Buf<T> {
    ptr: *mut T,
    len: usize,
}

impl<T: Copy + Default> Buf<T> {
    fn new(len: usize) -> Arc<Buf<T>> {
        let b: Box<[T]> = vec![T::default(); len].into_boxed_slice();
        let len = b.len();
        Arc::new(Buf {
            ptr: Box::into_raw(b).cast(),
            len,
        })
    }

    fn set(&self, i: usize, v: T) {
        assert!(i < self.len);
        // SAFETY: in bounds; JS touches the memory only between calls, on this thread.
        unsafe { self.ptr.add(i).write(v) }
    }

    /// The first `N` elements (the buffer must hold that many).
    fn array<const N: usize>(&self) -> [T; N] {
        self.prefix(N)
            .try_into()
            .expect("a buffer of at least N elements")
    }

    /// The first `n` elements (checked against the length).
    fn prefix(&self, n: usize) -> &[T] {
        // SAFETY: as in `set`; `n` is clamped to the length.
        unsafe { std::slice::from_raw_parts(self.ptr, n.min(self.len)) }
    }
}

impl Buf<u32> {
    fn view(self: &Arc<Self>) -> Uint32Array {
        let keep = Arc::clone(self);
        // SAFETY: the closure keeps the memory alive until V8 finalizes the buffer.
        unsafe { Uint32Array::with_external_data(self.ptr, self.len, move |_, _| drop(keep)) }
    }
}

impl Buf<f64> {
    fn view(self: &Arc<Self>) -> Float64Array {
        let keep = Arc::clone(self);
        // SAFETY: as for `Buf<u32>::view`.
        unsafe { Float64Array::with_external_data(self.ptr, self.len, move |_, _| drop(keep)) }
    }
}

impl<T> Drop for Buf<T> {
    fn drop(&mut self) {
        // SAFETY: `ptr`/`len` came from `Box::into_raw` of a boxed slice in `new`.
        unsafe {
            drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(
                self.ptr, self.len,
            )))
        }
    }
}

/// Numbers in `coreInsert`'s argument buffer.
const INSERT_ARGS: usize = 4;

struct Core {
    store: Store,
    log: Arc<Buf<u32>>,
    /// Expiry times of logged inserts, at the same index as in `log`.
    log_at: Arc<Buf<f64>>,
    out: Arc<Buf<u32>>,
    /// `coreInsert`'s arguments, written by JS before the call ([`core_args`]).
    args: Arc<Buf<f64>>,
    scratch: Vec<u32>,
    overflow: Vec<u32>,
}

impl Core {
    /// Replays `pending` log entries. Unless `keep_reserved`, slots reserved for
    /// caller-chosen inserts and not used go back to the free list: every call
    /// but a plain drain ends the caller's ahead queue.
    fn replay(&mut self, pending: u32, keep_reserved: bool) -> std::result::Result<(), Thrown> {
        let n = pending as usize;
        if n > self.log.len {
            return Err(thrown(
                Kind::Range,
                format!(
                    "pending {pending} exceeds the access log length {}",
                    self.log.len
                ),
            ));
        }
        self.store
            .replay_log(self.log.prefix(n), self.log_at.prefix(n));
        if !keep_reserved {
            self.store.unreserve();
        }
        Ok(())
    }

    /// Publishes `scratch` through `out` (or the overflow list); returns the count.
    fn publish(&mut self) -> u32 {
        let n = self.scratch.len();
        self.out.set(0, n as u32);
        if n < self.out.len {
            for (i, &s) in self.scratch.iter().enumerate() {
                self.out.set(i + 1, s);
            }
        } else {
            self.overflow.clear();
            self.overflow.extend_from_slice(&self.scratch);
        }
        self.scratch.clear();
        n as u32
    }
}

#[derive(Default)]
struct Table {
    cores: Vec<Option<Core>>,
    gens: Vec<u32>,
    free: Vec<usize>,
}

thread_local! {
    static TABLE: RefCell<Table> = RefCell::new(Table::default());
}

const GEN_UNIT: f64 = 4_294_967_296.0; // ids are gen * 2^32 + index

fn thrown(kind: Kind, message: String) -> Thrown {
    Thrown::new(kind, "ERR_LEAKGUARD_CACHE", message)
}

fn store_error(e: StoreError) -> Thrown {
    let kind = match e {
        StoreError::NotResident(_) => Kind::Plain,
        StoreError::TooHeavy { .. } | StoreError::MaxTooLarge(_) => Kind::Range,
    };
    thrown(kind, e.to_string())
}

fn to_js(env: &Env, t: Thrown) -> napi::Error {
    throw(env, t.kind, t.code, &t.message)
}

/// Runs `f` on the live core `id`, replaying `pending` log entries first.
fn with_core<T>(
    id: f64,
    pending: u32,
    f: impl FnOnce(&mut Core) -> std::result::Result<T, StoreError>,
) -> std::result::Result<T, Thrown> {
    with_core_as(id, pending, false, f)
}

fn with_core_as<T>(
    id: f64,
    pending: u32,
    keep_reserved: bool,
    f: impl FnOnce(&mut Core) -> std::result::Result<T, StoreError>,
) -> std::result::Result<T, Thrown> {
    with_live_core(id, |core| {
        core.replay(pending, keep_reserved)?;
        f(core).map_err(store_error)
    })
}

/// Runs `f` on the live core `id`, or says it does not exist.
fn with_live_core<T>(
    id: f64,
    f: impl FnOnce(&mut Core) -> std::result::Result<T, Thrown>,
) -> std::result::Result<T, Thrown> {
    TABLE.with(|t| {
        let mut t = t.borrow_mut();
        let index = (id % GEN_UNIT) as usize;
        let gen = (id / GEN_UNIT) as u32;
        let live = id >= 0.0 && t.gens.get(index) == Some(&gen);
        let Some(core) = t
            .cores
            .get_mut(index)
            .and_then(Option::as_mut)
            .filter(|_| live)
        else {
            return Err(thrown(
                Kind::Plain,
                format!("cache core {id} does not exist (freed?)"),
            ));
        };
        f(core)
    })
}

fn weight(w: f64) -> u64 {
    if w.is_finite() && w > 0.0 {
        w as u64
    } else {
        0
    }
}

/// Construction options for a cache core (the JS wrapper validates them first
/// and owns the user-facing messages).
#[napi(object)]
pub struct CoreOptions {
    /// Most entries resident at once; 0 for no bound.
    pub max: u32,
    /// Most total size resident at once; 0 for no bound.
    pub max_size: f64,
    /// Replacement policy name: `"lru"` or `"tinylfu"`.
    pub policy: String,
    /// Length of the access log, in entries.
    pub log_len: u32,
    /// Length of the output buffer, in entries (at least 2).
    pub out_len: u32,
}

/// Creates a cache core; returns its id.
#[napi(catch_unwind)]
pub fn core_create(env: Env, options: CoreOptions) -> Result<f64> {
    let Some(kind) = PolicyKind::parse(&options.policy) else {
        let msg = format!(
            "policy must be \"lru\" or \"tinylfu\", got {:?}",
            options.policy
        );
        return Err(throw(&env, Kind::Range, "ERR_LEAKGUARD_OPTION", &msg));
    };
    if options.out_len < 2 || options.log_len < 1 {
        let msg = format!(
            "buffers too small: logLen {}, outLen {}",
            options.log_len, options.out_len
        );
        return Err(to_js(&env, thrown(Kind::Range, msg)));
    }
    let limits = Limits {
        max_entries: options.max,
        max_weight: weight(options.max_size),
    };
    // A fixed seed makes admission tie-breaks reproducible (the hit-ratio
    // bench sets it to match the Rust replay); by default they are unpredictable.
    // Set but unreadable, it is refused rather than silently not honoured.
    let seed = match std::env::var_os("LEAKGUARD_CACHE_SEED") {
        None => None,
        Some(v) => match v.to_str().and_then(|s| s.trim().parse::<u64>().ok()) {
            Some(seed) => Some(seed),
            None => {
                let msg = format!(
                    "LEAKGUARD_CACHE_SEED must be an integer from 0 to 2^64 - 1, got {v:?}"
                );
                return Err(throw(&env, Kind::Range, "ERR_LEAKGUARD_OPTION", &msg));
            }
        },
    };
    let store = match seed {
        Some(seed) => Store::with_seed(kind, limits, seed),
        None => Store::new(kind, limits),
    }
    .map_err(|e| to_js(&env, store_error(e)))?;
    let core = Core {
        store,
        log: Buf::new(options.log_len as usize),
        log_at: Buf::new(options.log_len as usize),
        out: Buf::new(options.out_len as usize),
        args: Buf::new(INSERT_ARGS),
        scratch: Vec::new(),
        overflow: Vec::new(),
    };
    Ok(TABLE.with(|t| {
        let mut t = t.borrow_mut();
        let index = t.free.pop().unwrap_or_else(|| {
            t.cores.push(None);
            t.gens.push(0);
            t.cores.len() - 1
        });
        t.cores[index] = Some(core);
        f64::from(t.gens[index]) * GEN_UNIT + index as f64
    }))
}

/// Frees a core. Its buffers live on while JS still holds their views.
#[napi(catch_unwind)]
pub fn core_free(id: f64) -> bool {
    TABLE.with(|t| {
        let mut t = t.borrow_mut();
        let index = (id % GEN_UNIT) as usize;
        let gen = (id / GEN_UNIT) as u32;
        if id < 0.0 || t.gens.get(index) != Some(&gen) || t.cores[index].is_none() {
            return false;
        }
        t.cores[index] = None;
        // the generation moves on, so a stale id can never reach the next core here
        t.gens[index] = gen.wrapping_add(1) % (1 << 20);
        t.free.push(index);
        true
    })
}

/// How many cores are alive on this thread (for leak tests).
#[napi(catch_unwind)]
pub fn core_live_count() -> u32 {
    TABLE.with(|t| t.borrow().cores.iter().filter(|c| c.is_some()).count() as u32)
}

/// The core's access log, as a `Uint32Array` over the core's own memory. Writes
/// a canary and reads it back, so a runtime that copies external buffers
/// instead of sharing them fails here, loudly, and not later, silently.
#[napi(catch_unwind)]
pub fn core_log(env: Env, id: f64) -> Result<Uint32Array> {
    let buf = with_core(id, 0, |c| Ok(Arc::clone(&c.log))).map_err(|t| to_js(&env, t))?;
    buf.set(0, 0x5eed);
    let view = buf.view();
    if view.first() == Some(&0x5eed) {
        Ok(view)
    } else {
        let msg = "this runtime copies external buffers; leakguard needs them shared".to_string();
        Err(to_js(&env, thrown(Kind::Plain, msg)))
    }
}

/// Expiry times of logged inserts, as a `Float64Array` over the core's memory.
#[napi(catch_unwind)]
pub fn core_log_at(env: Env, id: f64) -> Result<Float64Array> {
    with_core(id, 0, |c| Ok(c.log_at.view())).map_err(|t| to_js(&env, t))
}

/// The core's output buffer, as a `Uint32Array` over the core's own memory.
#[napi(catch_unwind)]
pub fn core_out(env: Env, id: f64) -> Result<Uint32Array> {
    with_core(id, 0, |c| Ok(c.out.view())).map_err(|t| to_js(&env, t))
}

/// `coreInsert`'s argument buffer, as a `Float64Array` over the core's memory:
/// pending log entries, size, key hash, expiry (not finite for none).
#[napi(catch_unwind)]
pub fn core_args(env: Env, id: f64) -> Result<Float64Array> {
    with_core(id, 0, |c| Ok(c.args.view())).map_err(|t| to_js(&env, t))
}

/// The earliest registered expiry, or -1 when none.
#[napi(catch_unwind)]
pub fn core_next_due(env: Env, id: f64) -> Result<f64> {
    with_core(id, 0, |c| Ok(c.store.next_due().unwrap_or(-1.0))).map_err(|t| to_js(&env, t))
}

/// Resident slots from most to least recently used, or the reverse.
#[napi(catch_unwind)]
pub fn core_order(env: Env, id: f64, pending: u32, reverse: bool) -> Result<Uint32Array> {
    with_core(id, pending, |c| {
        let mut v = Vec::with_capacity(c.store.len() as usize);
        c.store.for_each(reverse, |s| v.push(s));
        Ok(Uint32Array::new(v))
    })
    .map_err(|t| to_js(&env, t))
}

/// The last slot list that did not fit in `out`.
#[napi(catch_unwind)]
pub fn core_take_overflow(env: Env, id: f64) -> Result<Uint32Array> {
    with_core(id, 0, |c| {
        Ok(Uint32Array::new(std::mem::take(&mut c.overflow)))
    })
    .map_err(|t| to_js(&env, t))
}

/// Empties the core; the wrapper discards its log rather than replaying it.
#[napi(catch_unwind)]
pub fn core_clear(env: Env, id: f64) -> Result<()> {
    with_core(id, 0, |c| {
        c.store.clear();
        Ok(())
    })
    .map_err(|t| to_js(&env, t))
}

/// Resident entries and their total size, as `[len, totalSize]`.
#[napi(catch_unwind)]
pub fn core_counts(env: Env, id: f64) -> Result<Vec<f64>> {
    with_core(id, 0, |c| {
        Ok(vec![
            f64::from(c.store.len()),
            c.store.total_weight() as f64,
        ])
    })
    .map_err(|t| to_js(&env, t))
}

// ---- the hot path: raw callbacks (see `raw.rs` for why) ----
// Each takes (id, pending, ...) and replays `pending` logged hits first.

/// `coreDrain(id, pending)`: replays the log. The only call that keeps the
/// caller's ahead queue valid.
unsafe extern "C" fn core_drain(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe {
        run(env, info, |a| {
            with_core_as(a.f64(0)?, a.u32(1)?, true, |_| Ok(Ret::Undefined))
        })
    }
}

/// `coreSync(id, pending, free, victims) -> count`: the ahead queue for
/// caller-chosen inserts, in `out`: `out[0]` is the count of free slots
/// reserved (up to `free`), `out[1]` the total, then the free slots, then up to
/// `victims` resident slots in eviction order. The caller inserts by logging
/// `slot | INSERT_FLAG`; it must skip victims it has hit since this call.
unsafe extern "C" fn core_sync(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe {
        run(env, info, |a| {
            let (free, victims) = (a.u32(2)?, a.u32(3)?);
            with_core(a.f64(0)?, a.u32(1)?, |c| {
                let room = (c.out.len - 2) as u32;
                let free = free.min(room);
                let victims = victims.min(room - free);
                let n_free = c.store.reserve_ahead(free, victims, &mut c.scratch);
                let total = c.scratch.len();
                c.out.set(0, n_free);
                c.out.set(1, total as u32);
                for (i, &s) in c.scratch.iter().enumerate() {
                    c.out.set(i + 2, s);
                }
                c.scratch.clear();
                Ok(Ret::U32(total as u32))
            })
        })
    }
}

/// `coreInsert(id) -> slot`: makes a new entry resident and registers its
/// expiry. The arguments are in the core's [`core_args`] buffer: written there
/// by JS, four numbers cost N-API no conversions on the miss path. Evicted
/// slots go to `out`, and may include the new slot under an admission policy.
unsafe extern "C" fn core_insert(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe {
        run(env, info, |a| {
            with_live_core(a.f64(0)?, |c| {
                let [pending, size, hash, expires_at] = c.args.array::<INSERT_ARGS>();
                let (pending, hash) = (whole_u32(pending, "pending")?, whole_u32(hash, "hash")?);
                c.replay(pending, false)?;
                let slot = c
                    .store
                    .insert(weight(size), hash, &mut c.scratch)
                    .map_err(store_error)?;
                if expires_at.is_finite() && c.store.is_resident(slot) {
                    c.store.set_expiry(slot, expires_at).map_err(store_error)?;
                }
                c.publish();
                Ok(Ret::U32(slot))
            })
        })
    }
}

/// `coreResize(id, pending, slot, size) -> evicted count`: changes an entry's
/// size (counts as a hit); evicted slots go to `out`.
unsafe extern "C" fn core_resize(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe {
        run(env, info, |a| {
            let (slot, size) = (a.u32(2)?, a.f64(3)?);
            with_core(a.f64(0)?, a.u32(1)?, |c| {
                c.store.reweigh(slot, weight(size), &mut c.scratch)?;
                Ok(Ret::U32(c.publish()))
            })
        })
    }
}

/// `coreRemove(id, pending, slot)`: removes an entry; its slot becomes free.
unsafe extern "C" fn core_remove(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe {
        run(env, info, |a| {
            let slot = a.u32(2)?;
            with_core(a.f64(0)?, a.u32(1)?, |c| {
                c.store.remove(slot).map(|_| Ret::Undefined)
            })
        })
    }
}

/// `coreVictim(id, pending) -> slot | -1`: the slot the policy would evict next.
unsafe extern "C" fn core_victim(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe {
        run(env, info, |a| {
            with_core(a.f64(0)?, a.u32(1)?, |c| {
                Ok(Ret::F64(c.store.victim().map_or(-1.0, f64::from)))
            })
        })
    }
}

/// `coreSetExpiry(id, pending, slot, at)`: registers when an entry expires, or
/// forgets its expiry when `at` is not finite.
unsafe extern "C" fn core_set_expiry(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe {
        run(env, info, |a| {
            let (slot, at) = (a.u32(2)?, a.f64(3)?);
            with_core(a.f64(0)?, a.u32(1)?, |c| {
                if at.is_finite() {
                    c.store.set_expiry(slot, at)?;
                } else {
                    c.store.clear_expiry(slot)?;
                }
                Ok(Ret::Undefined)
            })
        })
    }
}

/// `coreTakeDue(id, pending, now) -> count`: entries registered to expire
/// strictly before `now`, earliest first, into `out`; their registrations drop.
unsafe extern "C" fn core_take_due(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe {
        run(env, info, |a| {
            let now = a.f64(2)?;
            with_core(a.f64(0)?, a.u32(1)?, |c| {
                c.store.take_due(now, &mut c.scratch);
                Ok(Ret::U32(c.publish()))
            })
        })
    }
}

/// Registers the raw hot-path functions on the module's exports.
#[napi(module_exports)]
pub fn define_hot_path(exports: Object, env: Env) -> Result<()> {
    let exports = exports.raw();
    define(&env, exports, c"coreDrain", core_drain)?;
    define(&env, exports, c"coreSync", core_sync)?;
    define(&env, exports, c"coreInsert", core_insert)?;
    define(&env, exports, c"coreResize", core_resize)?;
    define(&env, exports, c"coreRemove", core_remove)?;
    define(&env, exports, c"coreVictim", core_victim)?;
    define(&env, exports, c"coreSetExpiry", core_set_expiry)?;
    define(&env, exports, c"coreTakeDue", core_take_due)
}
