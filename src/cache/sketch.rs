//! A count-min sketch of 4-bit counters that estimates how often each key hash
//! was seen recently, the frequency filter of TinyLFU.
//!
//! Each key touches `DEPTH` counters, all in one 64-byte block of the table
//! (one cache miss per update, not four): a 64-bit mix of its 32-bit hash picks
//! the block, and for each row one of two words and a nibble in it. Its
//! estimate is the smallest of them. Increments are
//! conservative (only the counters at the current minimum grow), which keeps
//! collisions from inflating estimates. Counters saturate at 15, and after
//! `sample` increments every counter is halved, so the sketch forgets old
//! popularity and tracks the recent past (the "reset" of TinyLFU).
//!
//! An optional doorkeeper (a one-bit-per-position Bloom filter cleared on every
//! aging) absorbs each key's first sighting, so one-hit wonders never reach the
//! counters; a key the doorkeeper has seen counts one more.
//!
//! Memory: `width / 2` bytes of counters plus `width / 8` bytes of doorkeeper.

const DEPTH: u32 = 4;
/// Keeps the low 3 bits of every nibble after a shift right: halves 16 counters.
const HALVE_MASK: u64 = 0x7777_7777_7777_7777;

/// Mixes a 32-bit hash into 64 well-spread bits (splitmix64's finaliser).
fn spread(hash: u32) -> u64 {
    let mut z = (hash as u64).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[derive(Debug, Clone)]
pub struct Sketch {
    /// 16 counters per word.
    table: Vec<u64>,
    /// Block count minus one (a power of two); a block is 8 words.
    mask: u32,
    /// Doorkeeper bits, empty when disabled.
    door: Vec<u64>,
    door_mask: u32,
    additions: u32,
    sample: u32,
}

impl Sketch {
    /// A sketch for about `entries` distinct hot keys: `counters_per_entry`
    /// counters each (rounded up to a power of two), aging after
    /// `sample_factor * entries` increments, with a doorkeeper if asked.
    pub fn new(
        entries: u32,
        counters_per_entry: u32,
        sample_factor: u32,
        doorkeeper: bool,
    ) -> Self {
        let entries = entries.max(16);
        let width = (entries as u64 * counters_per_entry.max(1) as u64)
            .next_power_of_two()
            .clamp(64, 1 << 30);
        let door_bits = if doorkeeper {
            (entries as u64 * 8).next_power_of_two().clamp(64, 1 << 30)
        } else {
            0
        };
        Sketch {
            table: vec![0; (width / 16).max(8) as usize],
            mask: ((width / 128).max(1) - 1) as u32,
            door: vec![0; (door_bits / 64) as usize],
            door_mask: door_bits.saturating_sub(1) as u32,
            additions: 0,
            sample: (entries as u64 * sample_factor.max(1) as u64).min(u32::MAX as u64) as u32,
        }
    }

    /// Increments between two agings.
    pub fn sample_size(&self) -> u32 {
        self.sample
    }

    /// Counter positions: word index `<< 4 |` nibble index, one per row.
    fn indices(&self, hash: u32) -> [u32; DEPTH as usize] {
        let z = spread(hash);
        let block = ((z as u32) & self.mask) << 3;
        let bits = (z >> 32) as u32;
        std::array::from_fn(|i| {
            let word = block + 2 * i as u32 + ((bits >> i) & 1);
            let nibble = (bits >> (8 + 4 * i)) & 15;
            (word << 4) | nibble
        })
    }

    /// Asks the CPU to fetch the block `hash` counts in.
    pub fn prefetch(&self, hash: u32) {
        let block = ((spread(hash) as u32) & self.mask) << 3;
        super::prefetch::hint(&self.table[block as usize]);
    }

    fn get(&self, i: u32) -> u32 {
        ((self.table[(i >> 4) as usize] >> ((i & 15) * 4)) & 15) as u32
    }

    fn door_positions(&self, hash: u32) -> [u32; 2] {
        let z = spread(hash ^ 0x5bd1_e995);
        [z as u32 & self.door_mask, (z >> 32) as u32 & self.door_mask]
    }

    fn door_has(&self, hash: u32) -> bool {
        self.door_positions(hash)
            .iter()
            .all(|&p| self.door[(p >> 6) as usize] & (1 << (p & 63)) != 0)
    }

    /// Records one sighting; returns whether the sketch aged.
    pub fn increment(&mut self, hash: u32) -> bool {
        if !self.door.is_empty() && !self.door_has(hash) {
            for p in self.door_positions(hash) {
                self.door[(p >> 6) as usize] |= 1 << (p & 63);
            }
        } else {
            let idx = self.indices(hash);
            let min = idx.iter().map(|&i| self.get(i)).min().unwrap_or(0);
            if min < 15 {
                for i in idx {
                    if self.get(i) == min {
                        self.table[(i >> 4) as usize] += 1 << ((i & 15) * 4);
                    }
                }
            }
        }
        self.additions += 1;
        if self.additions >= self.sample {
            self.age();
            return true;
        }
        false
    }

    /// The estimated recent count of `hash` (0..=16 with a doorkeeper, else 0..=15).
    pub fn frequency(&self, hash: u32) -> u32 {
        let min = self
            .indices(hash)
            .iter()
            .map(|&i| self.get(i))
            .min()
            .unwrap_or(0);
        if !self.door.is_empty() && self.door_has(hash) {
            min + 1
        } else {
            min
        }
    }

    /// Halves every counter and clears the doorkeeper.
    pub fn age(&mut self) {
        for w in &mut self.table {
            *w = (*w >> 1) & HALVE_MASK;
        }
        self.door.fill(0);
        self.additions /= 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_saturates() {
        let mut s = Sketch::new(256, 16, 1000, false);
        for _ in 0..5 {
            s.increment(42);
        }
        s.increment(7);
        assert_eq!(s.frequency(42), 5);
        assert_eq!(s.frequency(7), 1);
        assert_eq!(s.frequency(99), 0);
        for _ in 0..40 {
            s.increment(42);
        }
        assert_eq!(s.frequency(42), 15);
    }

    #[test]
    fn estimates_stay_close_under_load() {
        // 200 keys seen k % 8 times each in a sketch sized for 256: conservative
        // update keeps most estimates exact and none below the truth.
        let mut s = Sketch::new(256, 16, 1_000_000, false);
        for k in 0..200u32 {
            for _ in 0..k % 8 {
                s.increment(k);
            }
        }
        let mut exact = 0;
        for k in 0..200u32 {
            let f = s.frequency(k);
            assert!(f >= k % 8, "key {k}: estimate {f} below truth");
            exact += (f == k % 8) as u32;
        }
        assert!(exact >= 190, "only {exact} of 200 estimates exact");
    }

    #[test]
    fn ages_by_halving_after_the_sample() {
        let mut s = Sketch::new(16, 16, 10, false);
        assert_eq!(s.sample_size(), 160);
        for _ in 0..9 {
            s.increment(1);
        }
        let mut aged = false;
        // 150 distinct keys, then the aging increment lands on the 160th.
        for k in 0..151u32 {
            aged |= s.increment(1000 + k);
        }
        assert!(aged);
        assert_eq!(s.frequency(1), 4, "9 halves to 4");
        assert_eq!(s.additions, 80);
    }

    #[test]
    fn doorkeeper_absorbs_first_sightings_and_clears_on_aging() {
        let mut s = Sketch::new(64, 16, 1000, true);
        s.increment(5);
        assert_eq!(s.frequency(5), 1, "doorkeeper only");
        assert_eq!(s.indices(5).iter().map(|&i| s.get(i)).min(), Some(0));
        s.increment(5);
        s.increment(5);
        assert_eq!(s.frequency(5), 3);
        s.age();
        assert_eq!(s.frequency(5), 1, "2 halves to 1, doorkeeper cleared");
    }
}
