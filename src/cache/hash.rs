//! The key hash shared by both sides of the binding.
//!
//! Keys never reach Rust: the JS wrapper hashes each key to a `u32` and passes
//! it with the insert. For integer keys in `0..2^32` the hash is [`hash_int`],
//! which JS computes identically with `Math.imul`:
//!
//! ```text
//! h = k >>> 0
//! h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b)
//! h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35)
//! h ^= h >>> 16; return h >>> 0
//! ```
//!
//! (MurmurHash3's 32-bit finaliser: a bijection, so distinct integer keys never
//! collide before the sketch folds them.) The replay harness uses it too, so
//! its numbers are the ones the JS cache gets on the same traces.

/// Hashes an integer key.
pub fn hash_int(key: u32) -> u32 {
    let mut h = key;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_js_formula() {
        // Values computed with the Math.imul formula in the module docs.
        assert_eq!(hash_int(0), 0);
        assert_eq!(hash_int(1), 0x514e_28b7);
        assert_ne!(hash_int(2), hash_int(3));
    }
}
