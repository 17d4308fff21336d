//! xorshift64*: a small deterministic random stream. TinyLFU draws its
//! admission tie-breaks from it, and the tests their workloads and operation
//! sequences, so a failure replays exactly.

/// xorshift64*; the state must not be 0.
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform enough below `n` (0 for `n` 0).
    #[cfg(test)]
    pub fn below(&mut self, n: u64) -> u64 {
        (self.next() >> 11) % n.max(1)
    }
}
