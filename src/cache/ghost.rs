//! A bounded memory of recently evicted key hashes (a "ghost" list, as in ARC:
//! Megiddo and Modha, "ARC: A Self-Tuning, Low Overhead Replacement Cache",
//! FAST 2003). Only hashes are kept, never keys or values.
//!
//! Members are the last `len` hashes added, oldest forgotten first. The table
//! is a set-associative array of (hash, insertion number) pairs: an entry is a
//! member while its insertion number is among the last `len` given out, so
//! forgetting needs no work. A bucket that overflows drops its oldest entry
//! early, which only makes the memory a little shorter for that bucket: fine
//! for a signal that steers adaptation.
//!
//! Memory: 16 bytes per remembered hash (twice `len` slots of 8 bytes).

/// Entries per bucket: 8 pairs of `u32`s, one 64-byte line.
const WAYS: usize = 8;

#[derive(Debug, Clone)]
pub struct Ghost {
    /// Per slot: the hash.
    tags: Vec<u32>,
    /// Per slot: the insertion number, 0 when empty.
    seqs: Vec<u32>,
    /// log2 of the bucket count, subtracted from 32 to pick a bucket.
    shift: u32,
    len: u32,
    /// The next insertion number (never 0).
    next: u32,
}

impl Ghost {
    /// Remembers the last `len` hashes; 0 remembers nothing.
    pub fn new(len: u32) -> Self {
        let slots = if len == 0 {
            0
        } else {
            (len as usize * 2).next_power_of_two().max(WAYS)
        };
        let buckets = (slots / WAYS).max(1);
        Ghost {
            tags: vec![0; slots],
            seqs: vec![0; slots],
            shift: 32 - buckets.trailing_zeros(),
            len,
            next: 1,
        }
    }

    /// How many hashes it remembers at most.
    pub fn capacity(&self) -> u32 {
        self.len
    }

    /// Members now (at most `capacity`).
    pub fn len(&self) -> u32 {
        let live = self.seqs.iter().filter(|&&s| self.live(s)).count();
        live as u32
    }

    fn bucket(&self, hash: u32) -> usize {
        // Fibonacci hashing: the top bits of a multiplicative mix.
        let b = (hash.wrapping_mul(0x9e37_79b9) as u64) >> self.shift;
        b as usize * WAYS
    }

    fn live(&self, seq: u32) -> bool {
        seq != 0 && self.next.wrapping_sub(seq) <= self.len
    }

    /// The way of the live member `hash` in bucket `b`, if any.
    #[inline(always)]
    fn find(&self, b: usize, hash: u32) -> Option<usize> {
        let tags: &[u32; WAYS] = self.tags[b..b + WAYS].try_into().expect("a whole bucket");
        // The tags compared without a branch each (the compiler uses vector
        // compares for most); usually none match, and a match may be a
        // forgotten entry.
        let mut same = 0u32;
        for (i, &t) in tags.iter().enumerate() {
            same |= ((t == hash) as u32) << i;
        }
        while same != 0 {
            let way = same.trailing_zeros() as usize;
            if self.live(self.seqs[b + way]) {
                return Some(way);
            }
            same &= same - 1;
        }
        None
    }

    /// Remembers `hash` as the newest member, in its bucket's slot holding
    /// it already, else the first free slot, else the oldest.
    pub fn add(&mut self, hash: u32) {
        if self.len == 0 {
            return;
        }
        let b = self.bucket(hash);
        let way = self.find(b, hash).unwrap_or_else(|| {
            let seqs = &self.seqs[b..b + WAYS];
            seqs.iter().position(|&s| !self.live(s)).unwrap_or_else(|| {
                let age = |w: usize| self.next.wrapping_sub(seqs[w]);
                (1..WAYS).fold(0, |old, w| if age(w) > age(old) { w } else { old })
            })
        });
        self.tags[b + way] = hash;
        self.seqs[b + way] = self.next;
        self.next = self.next.wrapping_add(1).max(1);
    }

    /// Whether `hash` is a member; if so, forgets it.
    pub fn take(&mut self, hash: u32) -> bool {
        if self.len == 0 {
            return false;
        }
        let b = self.bucket(hash);
        let Some(way) = self.find(b, hash) else {
            return false;
        };
        self.seqs[b + way] = 0;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::hash_int;
    use crate::cache::rng::Rng;

    #[test]
    fn remembers_the_last_len_hashes() {
        let mut g = Ghost::new(100);
        for k in 0..1000 {
            g.add(hash_int(k));
        }
        assert_eq!(g.len(), 100);
        // The oldest are forgotten, the newest kept (buckets rarely overflow
        // at this load, so allow a couple of early drops).
        let kept = (900..1000).filter(|&k| g.clone().take(hash_int(k))).count();
        assert!(kept >= 98, "{kept} of the last 100 kept");
        assert!((0..900).all(|k| !g.clone().take(hash_int(k))));
    }

    #[test]
    fn take_forgets_a_member_once() {
        let mut g = Ghost::new(10);
        g.add(hash_int(7));
        assert!(!g.take(hash_int(8)));
        assert!(g.take(hash_int(7)));
        assert!(!g.take(hash_int(7)));
        assert_eq!(g.len(), 0);
    }

    #[test]
    fn re_adding_refreshes_without_duplicating() {
        let mut g = Ghost::new(4);
        for _ in 0..3 {
            g.add(hash_int(1));
        }
        assert_eq!(g.len(), 1);
        for k in 2..5 {
            g.add(hash_int(k));
        }
        // 1 was refreshed last before 2..4, so it is still among the last 4.
        assert!(g.take(hash_int(1)));
    }

    /// The slot choice spelled out one slot at a time, as a reference.
    fn add_slot_by_slot(g: &mut Ghost, hash: u32) {
        let b = g.bucket(hash);
        let (mut pick, mut oldest) = (b, 0u32);
        for i in b..b + WAYS {
            let seq = g.seqs[i];
            if !g.live(seq) {
                if oldest != u32::MAX {
                    (pick, oldest) = (i, u32::MAX);
                }
                continue;
            }
            if g.tags[i] == hash {
                pick = i;
                break;
            }
            let age = g.next.wrapping_sub(seq);
            if age > oldest {
                (pick, oldest) = (i, age);
            }
        }
        g.tags[pick] = hash;
        g.seqs[pick] = g.next;
        g.next = g.next.wrapping_add(1).max(1);
    }

    fn take_slot_by_slot(g: &mut Ghost, hash: u32) -> bool {
        let b = g.bucket(hash);
        for i in b..b + WAYS {
            if g.tags[i] == hash && g.live(g.seqs[i]) {
                g.seqs[i] = 0;
                return true;
            }
        }
        false
    }

    #[test]
    fn picks_the_slots_a_slot_by_slot_search_picks() {
        // Few distinct hashes and short ghosts: buckets fill, overflow, hold
        // the same hash forgotten and remembered, and wrap their numbers.
        for (len, keys, seed) in [(4, 40, 1), (8, 20, 2), (50, 300, 3), (3, 9, 4)] {
            let mut rng = Rng(seed);
            let (mut fast, mut model) = (Ghost::new(len), Ghost::new(len));
            for step in 0..20_000 {
                if step == 10_000 {
                    // Near the wrap of the insertion numbers.
                    fast.next = u32::MAX - 3_000;
                    model.next = fast.next;
                }
                let h = hash_int(rng.below(keys) as u32);
                if rng.below(3) == 0 {
                    assert_eq!(fast.take(h), take_slot_by_slot(&mut model, h));
                } else {
                    fast.add(h);
                    add_slot_by_slot(&mut model, h);
                }
                assert_eq!(
                    (&fast.tags, &fast.seqs, fast.next),
                    (&model.tags, &model.seqs, model.next),
                    "len {len}, step {step}"
                );
            }
        }
    }

    #[test]
    fn stays_bounded_and_empty_when_disabled() {
        let mut g = Ghost::new(0);
        g.add(1);
        assert!(!g.take(1));
        let mut g = Ghost::new(50);
        for k in 0..100_000 {
            g.add(hash_int(k));
            assert!(k % 997 != 0 || g.len() <= 50);
        }
        assert_eq!(g.len(), 50);
    }
}
