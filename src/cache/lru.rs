//! Exact LRU: one recency list; the victim is its tail.

use super::list::{Links, List};
use super::policy::Policy;

#[derive(Debug, Default)]
pub struct Lru {
    links: Links,
    list: List,
}

impl Policy for Lru {
    fn ensure(&mut self, slots: usize) {
        self.links.ensure(slots);
    }

    fn access(&mut self, slot: u32) {
        self.list.move_to_front(&mut self.links, slot);
    }

    fn insert(&mut self, slot: u32, _weight: u64, _hash: u32) {
        self.list.push_front(&mut self.links, slot);
    }

    fn remove(&mut self, slot: u32) {
        self.list.unlink(&mut self.links, slot);
    }

    fn victim(&mut self) -> Option<u32> {
        self.list.tail()
    }

    fn clear(&mut self) {
        self.links.clear();
        self.list.reset();
    }

    fn for_each(&self, reverse: bool, f: &mut dyn FnMut(u32) -> bool) {
        if reverse {
            self.list.for_each_rev(&self.links, f)
        } else {
            self.list.for_each(&self.links, f)
        }
    }
}
