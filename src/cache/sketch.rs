//! A count-min sketch of 4-bit counters that estimates how often each key was
//! seen recently, the frequency memory of TinyLFU.
//!
//! Each key touches `DEPTH` counters, all in one 64-byte block of the table
//! (one cache miss per update, not four): a 64-bit mix of its 32-bit hash (its
//! sketch *key*, [`Sketch::key`]) picks the block, and for each row one of two
//! words and a nibble in it. Its estimate is the smallest of them.
//!
//! The sketch is told counts rather than sightings: TinyLFU counts a resident
//! entry's hits itself and, when the entry leaves, raises the key's counters to
//! that count ([`Sketch::raise`]). Only counters below it move, which is what
//! conservative increments would have left there, so collisions do not inflate
//! estimates. Counters saturate at 15. Every request is still counted
//! ([`Sketch::tick`]), and after `sample` of them every counter is halved, so the
//! sketch forgets old popularity and tracks the recent past (TinyLFU's "reset").
//!
//! An optional doorkeeper (a one-bit-per-position Bloom filter cleared on every
//! aging) stands for each key's first sighting, so one-hit wonders never reach
//! the counters; a key the doorkeeper has seen counts one more.
//!
//! Memory: `width / 2` bytes of counters plus `width / 8` bytes of doorkeeper.

const DEPTH: usize = 4;
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

    /// A key's sketch position, from its 32-bit hash; callers keep it per entry.
    pub fn key(hash: u32) -> u64 {
        spread(hash)
    }

    /// The block's first word, and per row the word (within the block) and the
    /// nibble's bit shift. Rows use disjoint word pairs, so no two rows share a word.
    fn positions(&self, key: u64) -> (usize, [usize; DEPTH], [u32; DEPTH]) {
        let block = (((key as u32) & self.mask) << 3) as usize;
        let bits = (key >> 32) as u32;
        let words = std::array::from_fn(|i| 2 * i + ((bits >> i) & 1) as usize);
        let shifts = std::array::from_fn(|i| ((bits >> (8 + 4 * i)) & 15) * 4);
        (block, words, shifts)
    }

    fn door_positions(&self, key: u64) -> [u32; 2] {
        let z = spread((key >> 32) as u32 ^ key as u32 ^ 0x5bd1_e995);
        [z as u32 & self.door_mask, (z >> 32) as u32 & self.door_mask]
    }

    fn door_has(&self, key: u64) -> bool {
        self.door_positions(key)
            .iter()
            .all(|&p| self.door[(p >> 6) as usize] & (1 << (p & 63)) != 0)
    }

    /// Counts one request towards the next aging (whose it was, the caller
    /// counts itself, see [`Sketch::raise`]); returns whether the sketch aged.
    #[inline]
    pub fn tick(&mut self) -> bool {
        self.tick_many(1)
    }

    /// Requests still to count before the next aging; at least 1.
    pub fn ticks_left(&self) -> u32 {
        self.sample.saturating_sub(self.additions).max(1)
    }

    /// Counts `n` requests at once, `n` at most [`Sketch::ticks_left`], so an
    /// aging falls exactly where `n` single ticks would have put it.
    #[inline]
    pub fn tick_many(&mut self, n: u32) -> bool {
        debug_assert!(n <= self.ticks_left());
        self.additions += n;
        if self.additions >= self.sample {
            self.age();
            return true;
        }
        false
    }

    /// Raises `key`'s estimate to at least `count` (saturating at 15), touching
    /// only counters below it. With a doorkeeper, the first count is its bit.
    pub fn raise(&mut self, key: u64, count: u32) {
        let mut target = count.min(15) as u64;
        if !self.door.is_empty() && target > 0 {
            if !self.door_has(key) {
                for p in self.door_positions(key) {
                    self.door[(p >> 6) as usize] |= 1 << (p & 63);
                }
            }
            target -= 1;
        }
        let (block, words, shifts) = self.positions(key);
        let block: &mut [u64; 8] = (&mut self.table[block..block + 8]).try_into().unwrap();
        for i in 0..DEPTH {
            let w = &mut block[words[i] & 7];
            let c = (*w >> shifts[i]) & 15;
            if c < target {
                *w += (target - c) << shifts[i];
            }
        }
    }

    /// The estimated recent count of `key` (0..=16 with a doorkeeper, else 0..=15).
    pub fn estimate(&self, key: u64) -> u32 {
        let (block, words, shifts) = self.positions(key);
        let block = &self.table[block..block + 8];
        let min = (0..DEPTH)
            .map(|i| (block[words[i]] >> shifts[i]) & 15)
            .min()
            .unwrap_or(0) as u32;
        if !self.door.is_empty() && self.door_has(key) {
            min + 1
        } else {
            min
        }
    }

    /// Halves every counter and clears the doorkeeper.
    #[cold]
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

    fn k(hash: u32) -> u64 {
        Sketch::key(hash)
    }

    #[test]
    fn counts_and_saturates() {
        let mut s = Sketch::new(256, 16, 1000, false);
        s.raise(k(42), 5);
        s.raise(k(7), 1);
        assert_eq!(s.estimate(k(42)), 5);
        assert_eq!(s.estimate(k(7)), 1);
        assert_eq!(s.estimate(k(99)), 0);
        s.raise(k(42), 3);
        assert_eq!(
            s.estimate(k(42)),
            5,
            "a lower count never lowers the estimate"
        );
        s.raise(k(42), 40);
        assert_eq!(s.estimate(k(42)), 15, "saturates");
    }

    #[test]
    fn estimates_stay_close_under_load() {
        // 200 keys with counts k % 8 in a sketch sized for 256: raising only the
        // counters below a count keeps most estimates exact and none below the truth.
        let mut s = Sketch::new(256, 16, 1_000_000, false);
        for key in 0..200u32 {
            s.raise(k(key), key % 8);
        }
        let mut exact = 0;
        for key in 0..200u32 {
            let f = s.estimate(k(key));
            assert!(f >= key % 8, "key {key}: estimate {f} below truth");
            exact += (f == key % 8) as u32;
        }
        assert!(exact >= 190, "only {exact} of 200 estimates exact");
    }

    #[test]
    fn ages_by_halving_after_the_sample() {
        let mut s = Sketch::new(16, 16, 10, false);
        assert_eq!(s.sample_size(), 160);
        s.raise(k(1), 9);
        for _ in 0..159 {
            assert!(!s.tick());
        }
        assert_eq!(s.estimate(k(1)), 9);
        assert!(s.tick(), "the 160th request ages the sketch");
        assert_eq!(s.estimate(k(1)), 4, "9 halves to 4");
        assert_eq!(s.additions, 80);
    }

    #[test]
    fn doorkeeper_stands_for_the_first_count_and_clears_on_aging() {
        let mut s = Sketch::new(64, 16, 1000, true);
        s.raise(k(5), 1);
        assert_eq!(s.estimate(k(5)), 1, "doorkeeper only");
        let (block, words, shifts) = s.positions(k(5));
        let counters = (0..DEPTH).map(|i| (s.table[block + words[i]] >> shifts[i]) & 15);
        assert_eq!(counters.max(), Some(0), "no counter raised");
        s.raise(k(5), 3);
        assert_eq!(s.estimate(k(5)), 3);
        s.age();
        assert_eq!(s.estimate(k(5)), 1, "2 halves to 1, doorkeeper cleared");
    }
}
