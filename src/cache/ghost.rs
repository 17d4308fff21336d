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

    /// Remembers `hash` as the newest member.
    pub fn add(&mut self, hash: u32) {
        if self.len == 0 {
            return;
        }
        let b = self.bucket(hash);
        // The same hash if present, else a free slot, else the oldest.
        let (mut pick, mut oldest) = (b, 0u32);
        for i in b..b + WAYS {
            let seq = self.seqs[i];
            if !self.live(seq) {
                if oldest != u32::MAX {
                    (pick, oldest) = (i, u32::MAX);
                }
                continue;
            }
            if self.tags[i] == hash {
                pick = i;
                break;
            }
            let age = self.next.wrapping_sub(seq);
            if age > oldest {
                (pick, oldest) = (i, age);
            }
        }
        self.tags[pick] = hash;
        self.seqs[pick] = self.next;
        self.next = self.next.wrapping_add(1).max(1);
    }

    /// Whether `hash` is a member; if so, forgets it.
    pub fn take(&mut self, hash: u32) -> bool {
        if self.len == 0 {
            return false;
        }
        let b = self.bucket(hash);
        for i in b..b + WAYS {
            if self.tags[i] == hash && self.live(self.seqs[i]) {
                self.seqs[i] = 0;
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::hash_int;

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
