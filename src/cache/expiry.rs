//! An expiry index: which slots are due to expire, earliest first.
//!
//! A binary min-heap with lazy invalidation: re-registering or forgetting a slot
//! bumps its generation instead of searching the heap, and stale heap entries are
//! skipped when they surface. The heap is rebuilt when stale entries outnumber live
//! ones, so it stays O(live entries).
//!
//! Times are whatever clock the caller uses (milliseconds from `performance.now()`
//! in the JS cache); the index only compares them.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

#[derive(Debug, Clone, Copy, PartialEq)]
struct Due {
    at: f64,
    slot: u32,
    gen: u32,
}

impl Eq for Due {}

impl Ord for Due {
    fn cmp(&self, other: &Self) -> Ordering {
        self.at
            .total_cmp(&other.at)
            .then(self.slot.cmp(&other.slot))
            .then(self.gen.cmp(&other.gen))
    }
}

impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[derive(Debug, Default)]
pub struct ExpiryIndex {
    heap: BinaryHeap<Reverse<Due>>,
    /// Per slot: generation of its live registration (even = none, odd = live).
    gen: Vec<u32>,
    live: usize,
}

impl ExpiryIndex {
    pub fn ensure(&mut self, slots: usize) {
        if self.gen.len() < slots {
            self.gen.resize(slots, 0);
        }
    }

    fn is_live(&self, d: &Due) -> bool {
        self.gen[d.slot as usize] == d.gen
    }

    /// Registers (or re-registers) `slot` to expire at `at`.
    pub fn set(&mut self, slot: u32, at: f64) {
        self.forget(slot);
        let g = &mut self.gen[slot as usize];
        *g = g.wrapping_add(1);
        let gen = *g;
        self.live += 1;
        self.heap.push(Reverse(Due { at, slot, gen }));
        if self.heap.len() > 2 * self.live + 64 {
            self.compact();
        }
    }

    /// Drops `slot`'s registration, if any.
    pub fn forget(&mut self, slot: u32) {
        let g = &mut self.gen[slot as usize];
        if *g % 2 == 1 {
            *g = g.wrapping_add(1);
            self.live -= 1;
        }
    }

    /// Removes and appends to `out` every registered slot due strictly before `now`,
    /// earliest first.
    pub fn take_due(&mut self, now: f64, out: &mut Vec<u32>) {
        while let Some(Reverse(d)) = self.heap.peek().copied() {
            if !self.is_live(&d) {
                self.heap.pop();
                continue;
            }
            if d.at >= now {
                break;
            }
            self.heap.pop();
            self.forget(d.slot);
            out.push(d.slot);
        }
    }

    /// The earliest registered expiry time, if any.
    pub fn next_due(&mut self) -> Option<f64> {
        while let Some(Reverse(d)) = self.heap.peek().copied() {
            if self.is_live(&d) {
                return Some(d.at);
            }
            self.heap.pop();
        }
        None
    }

    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    pub fn clear(&mut self) {
        self.heap.clear();
        for g in &mut self.gen {
            if *g % 2 == 1 {
                *g = g.wrapping_add(1);
            }
        }
        self.live = 0;
    }

    fn compact(&mut self) {
        let gen = &self.gen;
        self.heap.retain(|Reverse(d)| gen[d.slot as usize] == d.gen);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_due_slots_in_time_order_and_skips_replaced() {
        let mut ix = ExpiryIndex::default();
        ix.ensure(4);
        ix.set(0, 30.0);
        ix.set(1, 10.0);
        ix.set(2, 20.0);
        ix.set(1, 40.0); // re-registered later: its 10.0 entry is stale
        ix.forget(2);
        assert_eq!(ix.len(), 2);
        assert_eq!(ix.next_due(), Some(30.0));
        let mut out = Vec::new();
        ix.take_due(35.0, &mut out);
        assert_eq!(out, [0]);
        out.clear();
        ix.take_due(100.0, &mut out);
        assert_eq!(out, [1]);
        assert!(ix.is_empty());
        assert_eq!(ix.next_due(), None);
    }

    #[test]
    fn heap_stays_bounded_under_repeated_updates() {
        let mut ix = ExpiryIndex::default();
        ix.ensure(10);
        for i in 0..100_000u32 {
            ix.set(i % 10, f64::from(i));
        }
        assert_eq!(ix.len(), 10);
        assert!(ix.heap.len() <= 2 * 10 + 64 + 1);
        let mut out = Vec::new();
        ix.take_due(f64::MAX, &mut out);
        out.sort_unstable();
        assert_eq!(out, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn clear_forgets_everything() {
        let mut ix = ExpiryIndex::default();
        ix.ensure(3);
        ix.set(0, 1.0);
        ix.set(2, 2.0);
        ix.clear();
        let mut out = Vec::new();
        ix.take_due(10.0, &mut out);
        assert!(out.is_empty());
        ix.set(0, 5.0);
        ix.take_due(10.0, &mut out);
        assert_eq!(out, [0]);
    }
}
