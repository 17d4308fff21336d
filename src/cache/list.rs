//! An intrusive doubly linked list over slot indices.
//!
//! Links live in one vector of `[prev, next]` pairs indexed by slot, so a list
//! costs 8 bytes per slot, no allocation per entry, and one cache line per slot
//! touched. A slot may be on at most one list at a time.

pub const NIL: u32 = u32::MAX;

/// Prev/next links shared by every list that threads through the same slots.
#[derive(Debug, Default, Clone)]
pub struct Links {
    pairs: Vec<[u32; 2]>,
}

const PREV: usize = 0;
const NEXT: usize = 1;

impl Links {
    pub fn ensure(&mut self, slots: usize) {
        if self.pairs.len() < slots {
            self.pairs.resize(slots, [NIL; 2]);
        }
    }

    /// Prefetches `slot`'s links and, if `deep`, its neighbours' (which reads
    /// `slot`'s links: call it once they are likely cached).
    pub fn prefetch(&self, slot: u32, deep: bool) {
        let Some(&[p, n]) = self.pairs.get(slot as usize) else {
            return;
        };
        if !deep {
            super::prefetch::hint(&self.pairs[slot as usize]);
            return;
        }
        for x in [p, n] {
            if let Some(pair) = self.pairs.get(x as usize) {
                super::prefetch::hint(pair);
            }
        }
    }

    pub fn clear(&mut self) {
        self.pairs.fill([NIL; 2]);
    }

    /// The slot before `slot` on its list (towards the head), or [`NIL`].
    pub fn prev(&self, slot: u32) -> u32 {
        self.pairs[slot as usize][PREV]
    }
}

/// One list: its head (most recent) and tail (least recent), plus its length.
#[derive(Debug, Clone, Copy)]
pub struct List {
    head: u32,
    tail: u32,
    len: u32,
}

impl Default for List {
    fn default() -> Self {
        List {
            head: NIL,
            tail: NIL,
            len: 0,
        }
    }
}

impl List {
    pub fn len(&self) -> u32 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn head(&self) -> Option<u32> {
        (self.head != NIL).then_some(self.head)
    }

    pub fn tail(&self) -> Option<u32> {
        (self.tail != NIL).then_some(self.tail)
    }

    pub fn push_front(&mut self, links: &mut Links, slot: u32) {
        links.pairs[slot as usize] = [NIL, self.head];
        if self.head != NIL {
            links.pairs[self.head as usize][PREV] = slot;
        } else {
            self.tail = slot;
        }
        self.head = slot;
        self.len += 1;
    }

    /// Links `slot` in right after `at`, which must be on this list.
    pub fn insert_after(&mut self, links: &mut Links, at: u32, slot: u32) {
        let n = links.pairs[at as usize][NEXT];
        links.pairs[slot as usize] = [at, n];
        links.pairs[at as usize][NEXT] = slot;
        if n != NIL {
            links.pairs[n as usize][PREV] = slot;
        } else {
            self.tail = slot;
        }
        self.len += 1;
    }

    pub fn unlink(&mut self, links: &mut Links, slot: u32) {
        let [p, n] = std::mem::replace(&mut links.pairs[slot as usize], [NIL; 2]);
        if p != NIL {
            links.pairs[p as usize][NEXT] = n;
        } else {
            self.head = n;
        }
        if n != NIL {
            links.pairs[n as usize][PREV] = p;
        } else {
            self.tail = p;
        }
        self.len -= 1;
    }

    pub fn move_to_front(&mut self, links: &mut Links, slot: u32) {
        if self.head != slot {
            self.unlink(links, slot);
            self.push_front(links, slot);
        }
    }

    pub fn pop_back(&mut self, links: &mut Links) -> Option<u32> {
        let t = self.tail()?;
        self.unlink(links, t);
        Some(t)
    }

    /// Visits slots from head to tail (most to least recent) while `f` returns true.
    pub fn for_each(&self, links: &Links, mut f: impl FnMut(u32) -> bool) {
        let mut s = self.head;
        while s != NIL && f(s) {
            s = links.pairs[s as usize][NEXT];
        }
    }

    /// Visits slots from tail to head (least to most recent) while `f` returns true.
    pub fn for_each_rev(&self, links: &Links, mut f: impl FnMut(u32) -> bool) {
        let mut s = self.tail;
        while s != NIL && f(s) {
            s = links.pairs[s as usize][PREV];
        }
    }

    pub fn reset(&mut self) {
        *self = List::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(list: &List, links: &Links) -> Vec<u32> {
        let mut v = Vec::new();
        list.for_each(links, |s| {
            v.push(s);
            true
        });
        v
    }

    #[test]
    fn push_move_unlink_keep_order() {
        let mut links = Links::default();
        links.ensure(8);
        let mut l = List::default();
        for s in 0..4 {
            l.push_front(&mut links, s);
        }
        assert_eq!(collect(&l, &links), [3, 2, 1, 0]);
        l.move_to_front(&mut links, 0);
        assert_eq!(collect(&l, &links), [0, 3, 2, 1]);
        l.unlink(&mut links, 2);
        assert_eq!(collect(&l, &links), [0, 3, 1]);
        l.insert_after(&mut links, 3, 5);
        l.insert_after(&mut links, 1, 6);
        assert_eq!(collect(&l, &links), [0, 3, 5, 1, 6]);
        assert_eq!((links.prev(5), links.prev(0)), (3, NIL));
        assert_eq!(l.pop_back(&mut links), Some(6));
        l.unlink(&mut links, 5);
        assert_eq!(l.pop_back(&mut links), Some(1));
        assert_eq!(l.pop_back(&mut links), Some(3));
        assert_eq!(l.pop_back(&mut links), Some(0));
        assert_eq!(l.pop_back(&mut links), None);
        assert!(l.is_empty());
        assert_eq!((l.head(), l.tail()), (None, None));
    }

    #[test]
    fn reverse_walk_matches_forward() {
        let mut links = Links::default();
        links.ensure(5);
        let mut l = List::default();
        for s in [4, 1, 3] {
            l.push_front(&mut links, s);
        }
        let mut rev = Vec::new();
        l.for_each_rev(&links, |s| {
            rev.push(s);
            true
        });
        assert_eq!(rev, [4, 1, 3]);
    }
}
