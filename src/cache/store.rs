//! Slot allocation, weights and limits around a replacement [`Policy`].

use super::expiry::ExpiryIndex;
use super::policy::{Policy, PolicyKind};
use std::fmt;

/// Marks an access-log entry as an insert: the slot (first evicted, if resident)
/// becomes a new entry. The caller chose the slot from [`Store::reserve_ahead`].
pub const INSERT_FLAG: u32 = 1 << 31;

/// Most entries a store may hold: slot indices must stay below [`INSERT_FLAG`].
pub const MAX_ENTRIES: u32 = INSERT_FLAG - 1;

/// Bounds on what a store holds; `0` means "no bound" for either field.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// Most entries resident at once.
    pub max_entries: u32,
    /// Most total weight resident at once.
    pub max_weight: u64,
}

/// What a store refuses. Each names the value at fault.
#[derive(Debug, Clone, PartialEq)]
pub enum StoreError {
    /// A slot that is not resident (a bug in the caller, reported, not panicked on).
    NotResident(u32),
    /// A weight larger than `max_weight`: it could never fit.
    TooHeavy { weight: u64, max_weight: u64 },
    /// More entries than slot indices can address ([`MAX_ENTRIES`]).
    MaxTooLarge(u32),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::NotResident(s) => write!(f, "slot {s} is not resident"),
            StoreError::TooHeavy { weight, max_weight } => {
                write!(
                    f,
                    "weight {weight} exceeds the maximum total weight {max_weight}"
                )
            }
            StoreError::MaxTooLarge(m) => {
                write!(f, "max {m} is too large (at most {MAX_ENTRIES})")
            }
        }
    }
}

impl std::error::Error for StoreError {}

pub struct Store {
    policy: Box<dyn Policy>,
    limits: Limits,
    resident: Vec<bool>,
    /// Per slot: handed out by `reserve_ahead` and not yet inserted into.
    is_reserved: Vec<bool>,
    weights: Vec<u64>,
    free: Vec<u32>,
    /// Free slots handed out by `reserve_ahead` and not yet inserted into.
    reserved: Vec<u32>,
    len: u32,
    total_weight: u64,
    expiry: ExpiryIndex,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("limits", &self.limits)
            .field("len", &self.len)
            .field("total_weight", &self.total_weight)
            .field("slots", &self.resident.len())
            .finish()
    }
}

impl Store {
    /// A store whose policy randomness is seeded from the OS, so an attacker
    /// cannot predict admission tie-breaks.
    pub fn new(kind: PolicyKind, limits: Limits) -> Result<Store, StoreError> {
        use std::hash::{BuildHasher, Hasher};
        let seed = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        Store::with_seed(kind, limits, seed)
    }

    /// A store whose policy decisions are reproducible for equal seeds.
    pub fn with_seed(kind: PolicyKind, limits: Limits, seed: u64) -> Result<Store, StoreError> {
        if limits.max_entries > MAX_ENTRIES {
            return Err(StoreError::MaxTooLarge(limits.max_entries));
        }
        Ok(Store::with_policy(kind.build(limits, seed), limits))
    }

    /// A store around a policy built by the caller (tests and tuning).
    pub fn with_policy(policy: Box<dyn Policy>, limits: Limits) -> Store {
        Store {
            policy,
            limits,
            resident: Vec::new(),
            is_reserved: Vec::new(),
            weights: Vec::new(),
            free: Vec::new(),
            reserved: Vec::new(),
            len: 0,
            total_weight: 0,
            expiry: ExpiryIndex::default(),
        }
    }

    pub fn len(&self) -> u32 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn total_weight(&self) -> u64 {
        self.total_weight
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Slot indices handed out so far (the size the caller's slot arrays need).
    pub fn slot_capacity(&self) -> usize {
        self.resident.len()
    }

    pub fn is_resident(&self, slot: u32) -> bool {
        self.resident.get(slot as usize).copied().unwrap_or(false)
    }

    pub fn weight(&self, slot: u32) -> Option<u64> {
        self.is_resident(slot).then(|| self.weights[slot as usize])
    }

    fn check(&self, slot: u32) -> Result<(), StoreError> {
        if self.is_resident(slot) {
            Ok(())
        } else {
            Err(StoreError::NotResident(slot))
        }
    }

    /// Replays logged hits in order. Slots no longer resident are skipped: a hit
    /// on an entry that was removed since cannot change the order of the others.
    pub fn replay(&mut self, hits: &[u32]) {
        self.policy.access_run(hits, &self.resident);
    }

    /// Replays an access log whose entries may also be inserts
    /// (`slot | INSERT_FLAG`, with the expiry time at the same index of
    /// `expires`; not finite for none). An insert into a resident slot evicts its
    /// entry first. Inserts into slots that were not reserved are ignored.
    pub fn replay_log(&mut self, log: &[u32], expires: &[f64]) {
        let mut i = 0;
        while i < log.len() {
            // Hits between inserts go to the policy as one run.
            let end = log[i..]
                .iter()
                .position(|&e| e & INSERT_FLAG != 0)
                .map_or(log.len(), |n| i + n);
            if end > i {
                self.policy.access_run(&log[i..end], &self.resident);
            }
            if end == log.len() {
                break;
            }
            i = end + 1;
            let entry = log[end];
            let slot = entry & !INSERT_FLAG;
            let s = slot as usize;
            if s >= self.resident.len() {
                continue;
            }
            if self.resident[s] {
                self.policy.remove(slot);
                self.expiry.forget(slot);
                self.len -= 1;
                self.total_weight -= std::mem::take(&mut self.weights[s]);
            } else if !self.is_reserved[s] {
                continue;
            }
            self.is_reserved[s] = false;
            self.resident[s] = true;
            self.len += 1;
            self.policy.insert(slot, 0, 0);
            if let Some(&at) = expires.get(end).filter(|at| at.is_finite()) {
                self.expiry.set(slot, at);
            }
        }
    }

    /// Hands the caller up to `free` free slots (allocating new ones as needed,
    /// never past `max_entries`) and then up to `victims` resident slots in
    /// eviction order, appended to `out`. Returns how many are free slots. The
    /// free ones stay reserved until [`Store::unreserve`].
    pub fn reserve_ahead(&mut self, free: u32, victims: u32, out: &mut Vec<u32>) -> u32 {
        self.unreserve();
        let room = match self.limits.max_entries {
            0 => free,
            max => free.min(max.saturating_sub(self.len)),
        };
        for _ in 0..room {
            let s = self.alloc();
            self.is_reserved[s as usize] = true;
            self.reserved.push(s);
            out.push(s);
        }
        let mut left = victims;
        if left > 0 {
            self.policy.for_each(true, &mut |s| {
                out.push(s);
                left -= 1;
                left > 0
            });
        }
        room
    }

    /// Returns reserved slots that were not inserted into to the free list.
    pub fn unreserve(&mut self) {
        for s in std::mem::take(&mut self.reserved) {
            if std::mem::take(&mut self.is_reserved[s as usize]) {
                self.free.push(s);
            }
        }
    }

    /// Records one hit.
    pub fn access(&mut self, slot: u32) -> Result<(), StoreError> {
        self.check(slot)?;
        self.policy.access(slot);
        Ok(())
    }

    fn alloc(&mut self) -> u32 {
        if let Some(s) = self.free.pop() {
            return s;
        }
        let s = self.resident.len();
        let cap = (s + 1).next_power_of_two().max(16);
        self.resident.resize(cap, false);
        self.is_reserved.resize(cap, false);
        self.weights.resize(cap, 0);
        self.policy.ensure(cap);
        self.expiry.ensure(cap);
        // Hand out the new slots lowest first.
        self.free.extend((s as u32 + 1..cap as u32).rev());
        s as u32
    }

    /// Makes a new entry resident and evicts until the limits hold again.
    ///
    /// Returns the new entry's slot; appends evicted slots to `evicted`, in
    /// eviction order. A policy with admission control may evict the new entry
    /// itself, in which case its slot appears in `evicted` too.
    pub fn insert(
        &mut self,
        weight: u64,
        hash: u32,
        evicted: &mut Vec<u32>,
    ) -> Result<u32, StoreError> {
        let max_weight = self.limits.max_weight;
        if max_weight != 0 && weight > max_weight {
            return Err(StoreError::TooHeavy { weight, max_weight });
        }
        let slot = self.alloc();
        self.resident[slot as usize] = true;
        self.weights[slot as usize] = weight;
        self.len += 1;
        self.total_weight += weight;
        self.policy.insert(slot, weight, hash);
        self.evict_over_limits(evicted);
        Ok(slot)
    }

    /// Changes a resident entry's weight, counts it as a hit, and evicts until
    /// the limits hold again.
    pub fn reweigh(
        &mut self,
        slot: u32,
        weight: u64,
        evicted: &mut Vec<u32>,
    ) -> Result<(), StoreError> {
        self.check(slot)?;
        let max_weight = self.limits.max_weight;
        if max_weight != 0 && weight > max_weight {
            return Err(StoreError::TooHeavy { weight, max_weight });
        }
        let old = std::mem::replace(&mut self.weights[slot as usize], weight);
        self.total_weight = self.total_weight - old + weight;
        self.policy.reweigh(slot, old, weight);
        self.policy.access(slot);
        self.evict_over_limits(evicted);
        Ok(())
    }

    fn over_limits(&self) -> bool {
        let Limits {
            max_entries,
            max_weight,
        } = self.limits;
        (max_entries != 0 && self.len > max_entries)
            || (max_weight != 0 && self.total_weight > max_weight)
    }

    fn evict_over_limits(&mut self, evicted: &mut Vec<u32>) {
        while self.over_limits() {
            let Some(victim) = self.policy.victim() else {
                break;
            };
            self.release(victim);
            evicted.push(victim);
        }
    }

    fn release(&mut self, slot: u32) {
        let s = slot as usize;
        self.policy.remove(slot);
        self.expiry.forget(slot);
        self.resident[s] = false;
        self.len -= 1;
        self.total_weight -= self.weights[s];
        self.weights[s] = 0;
        self.free.push(slot);
    }

    /// Removes a resident entry; its slot becomes free.
    pub fn remove(&mut self, slot: u32) -> Result<(), StoreError> {
        self.check(slot)?;
        self.release(slot);
        Ok(())
    }

    /// The entry the policy would evict next, without evicting it.
    pub fn victim(&mut self) -> Option<u32> {
        self.policy.victim()
    }

    /// Registers when a resident entry expires (any clock; compared only).
    pub fn set_expiry(&mut self, slot: u32, at: f64) -> Result<(), StoreError> {
        self.check(slot)?;
        self.expiry.set(slot, at);
        Ok(())
    }

    /// Drops a resident entry's expiry.
    pub fn clear_expiry(&mut self, slot: u32) -> Result<(), StoreError> {
        self.check(slot)?;
        self.expiry.forget(slot);
        Ok(())
    }

    /// Appends entries registered to expire strictly before `now`, earliest first,
    /// and drops their registrations. They stay resident: the caller checks each
    /// (its age may have been refreshed since) and removes or re-registers it.
    pub fn take_due(&mut self, now: f64, out: &mut Vec<u32>) {
        self.expiry.take_due(now, out);
    }

    /// The earliest registered expiry, if any.
    pub fn next_due(&mut self) -> Option<f64> {
        self.expiry.next_due()
    }

    /// Visits resident slots from most to least recently used, or the reverse.
    pub fn for_each(&self, reverse: bool, mut f: impl FnMut(u32)) {
        self.policy.for_each(reverse, &mut |s| {
            f(s);
            true
        });
    }

    /// Checks the bookkeeping of the store and its policy: the policy orders
    /// exactly the resident slots, counts and weights add up, and the limits
    /// hold. `Err` names the first broken rule (for tests and fuzzing).
    pub fn check_invariants(&self) -> Result<(), String> {
        let mut seen = vec![false; self.resident.len()];
        let (mut n, mut w, mut bad) = (0u32, 0u64, None);
        self.for_each(false, |s| {
            match seen.get_mut(s as usize) {
                Some(x) if !*x && self.resident[s as usize] => *x = true,
                _ => bad = bad.or(Some(s)),
            }
            n += 1;
            w += self.weights.get(s as usize).copied().unwrap_or(0);
        });
        if let Some(s) = bad {
            return Err(format!("slot {s} ordered twice or not resident"));
        }
        let resident = self.resident.iter().filter(|&&r| r).count() as u32;
        if n != self.len || resident != self.len || w != self.total_weight {
            return Err(format!(
                "{n} ordered, {resident} resident, len {}; weight {w} vs {}",
                self.len, self.total_weight
            ));
        }
        let mut rev = Vec::with_capacity(n as usize);
        self.for_each(true, |s| rev.push(s));
        let mut fwd = Vec::with_capacity(n as usize);
        self.for_each(false, |s| fwd.push(s));
        rev.reverse();
        if rev != fwd {
            return Err("reverse order is not the forward order reversed".into());
        }
        if self.over_limits() {
            return Err(format!(
                "over limits: len {}, weight {}",
                self.len, self.total_weight
            ));
        }
        self.policy.check()
    }

    /// The policy's adaptive state in a few words (empty for LRU).
    pub fn policy_state(&self) -> String {
        self.policy.describe()
    }

    /// Empties the store. Slot arrays keep their size.
    pub fn clear(&mut self) {
        self.policy.clear();
        self.expiry.clear();
        self.resident.fill(false);
        self.weights.fill(0);
        self.len = 0;
        self.total_weight = 0;
        self.free.clear();
        self.reserved.clear();
        self.is_reserved.fill(false);
        self.free.extend((0..self.resident.len() as u32).rev());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(max_entries: u32, max_weight: u64) -> Store {
        Store::new(
            PolicyKind::Lru,
            Limits {
                max_entries,
                max_weight,
            },
        )
        .unwrap()
    }

    fn order(s: &Store) -> Vec<u32> {
        let mut v = Vec::new();
        s.for_each(false, |x| v.push(x));
        v
    }

    #[test]
    fn evicts_least_recently_used_first() {
        let mut s = store(3, 0);
        let mut ev = Vec::new();
        let a = s.insert(0, 0, &mut ev).unwrap();
        let b = s.insert(0, 0, &mut ev).unwrap();
        let c = s.insert(0, 0, &mut ev).unwrap();
        s.replay(&[a]);
        let d = s.insert(0, 0, &mut ev).unwrap();
        assert_eq!(ev, [b]);
        assert_eq!(order(&s), [d, a, c]);
        assert_eq!(s.len(), 3);
    }

    #[test]
    fn weight_limit_evicts_until_it_fits() {
        let mut s = store(0, 10);
        let mut ev = Vec::new();
        let a = s.insert(4, 0, &mut ev).unwrap();
        let b = s.insert(4, 0, &mut ev).unwrap();
        let c = s.insert(9, 0, &mut ev).unwrap();
        assert_eq!(ev, [a, b]);
        assert_eq!(s.total_weight(), 9);
        assert_eq!(order(&s), [c]);
        assert_eq!(
            s.insert(11, 0, &mut ev),
            Err(StoreError::TooHeavy {
                weight: 11,
                max_weight: 10
            })
        );
    }

    #[test]
    fn reweigh_counts_as_a_hit_and_evicts_others() {
        let mut s = store(0, 10);
        let mut ev = Vec::new();
        let a = s.insert(3, 0, &mut ev).unwrap();
        let b = s.insert(3, 0, &mut ev).unwrap();
        let c = s.insert(3, 0, &mut ev).unwrap();
        s.reweigh(a, 6, &mut ev).unwrap();
        assert_eq!(ev, [b]);
        assert_eq!(order(&s), [a, c]);
        assert_eq!(s.total_weight(), 9);
    }

    #[test]
    fn freed_slots_are_reused_and_bad_slots_are_errors() {
        let mut s = store(0, 0);
        let mut ev = Vec::new();
        let a = s.insert(0, 0, &mut ev).unwrap();
        s.remove(a).unwrap();
        assert_eq!(s.remove(a), Err(StoreError::NotResident(a)));
        assert_eq!(s.access(999), Err(StoreError::NotResident(999)));
        let b = s.insert(0, 0, &mut ev).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn replay_skips_removed_slots() {
        let mut s = store(0, 0);
        let mut ev = Vec::new();
        let a = s.insert(0, 0, &mut ev).unwrap();
        let b = s.insert(0, 0, &mut ev).unwrap();
        s.remove(a).unwrap();
        s.replay(&[a, b, 12345]);
        assert_eq!(order(&s), [b]);
    }

    #[test]
    fn expiry_is_forgotten_on_removal_and_eviction() {
        let mut s = store(1, 0);
        let mut ev = Vec::new();
        let a = s.insert(0, 0, &mut ev).unwrap();
        s.set_expiry(a, 5.0).unwrap();
        let b = s.insert(0, 0, &mut ev).unwrap();
        assert_eq!(ev, [a]);
        assert_eq!(s.next_due(), None);
        s.set_expiry(b, 7.0).unwrap();
        let mut due = Vec::new();
        s.take_due(7.0, &mut due);
        assert!(due.is_empty(), "due means strictly before now");
        s.take_due(7.5, &mut due);
        assert_eq!(due, [b]);
        assert!(s.is_resident(b));
    }

    #[test]
    fn clear_empties_and_reuses_slots() {
        let mut s = store(0, 100);
        let mut ev = Vec::new();
        for _ in 0..20 {
            s.insert(2, 0, &mut ev).unwrap();
        }
        let cap = s.slot_capacity();
        s.clear();
        assert_eq!((s.len(), s.total_weight()), (0, 0));
        assert!(order(&s).is_empty());
        for _ in 0..20 {
            s.insert(2, 0, &mut ev).unwrap();
        }
        assert_eq!(s.slot_capacity(), cap);
    }

    #[test]
    fn max_past_the_slot_range_is_refused() {
        let limits = Limits {
            max_entries: MAX_ENTRIES + 1,
            max_weight: 0,
        };
        assert_eq!(
            Store::new(PolicyKind::Lru, limits).err(),
            Some(StoreError::MaxTooLarge(MAX_ENTRIES + 1))
        );
    }

    #[test]
    fn caller_chosen_inserts_replay_as_exact_lru() {
        let mut s = store(3, 0);
        let mut ahead = Vec::new();
        // room for three: three free slots reserved, no victims needed
        assert_eq!(s.reserve_ahead(8, 0, &mut ahead), 3);
        let (a, b, c) = (ahead[0], ahead[1], ahead[2]);
        let log = [a | INSERT_FLAG, b | INSERT_FLAG, c | INSERT_FLAG, a];
        s.replay_log(&log, &[f64::NAN, 9.0, f64::NAN, 0.0]);
        assert_eq!(order(&s), [a, c, b]);
        assert_eq!(s.len(), 3);
        assert_eq!(
            s.next_due(),
            Some(9.0),
            "each insert's expiry is read at its own index"
        );
        // full: the victims come least recent first
        ahead.clear();
        assert_eq!(s.reserve_ahead(8, 2, &mut ahead), 0);
        assert_eq!(ahead, [b, c]);
        // the caller evicts b by inserting into its slot; b's expiry goes with it
        s.replay_log(&[b | INSERT_FLAG], &[f64::INFINITY]);
        assert_eq!(order(&s), [b, a, c]);
        assert_eq!(s.len(), 3);
        assert_eq!(s.next_due(), None);
    }

    #[test]
    fn unused_reservations_return_to_the_free_list() {
        let mut s = store(0, 0);
        let mut ahead = Vec::new();
        s.reserve_ahead(4, 0, &mut ahead);
        s.replay_log(&[ahead[0] | INSERT_FLAG], &[f64::NAN]);
        s.unreserve();
        let mut ev = Vec::new();
        let mut got: Vec<u32> = (0..3).map(|_| s.insert(0, 0, &mut ev).unwrap()).collect();
        got.sort_unstable();
        let mut expected = ahead[1..].to_vec();
        expected.sort_unstable();
        assert_eq!(got, expected);
        // an insert into a slot nobody reserved is ignored
        s.replay_log(&[1000 | INSERT_FLAG, 5 | INSERT_FLAG], &[]);
        assert_eq!(s.len(), 4);
    }
}
