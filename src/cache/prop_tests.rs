//! Model-based tests: random operation sequences (a deterministic PRNG, no
//! extra crate) drive a [`Store`] with each policy, and after every operation
//! the store must agree with a plain model of what is resident and pass its own
//! bookkeeping checks (every resident slot in exactly one segment, costs and
//! weights adding up, segment targets and store limits holding).

use super::rng::Rng;
use super::{Limits, PolicyKind, Store};
use std::collections::BTreeMap;

/// One random run; `weighted` draws sizes, otherwise every entry weighs 1.
fn run(kind: PolicyKind, limits: Limits, seed: u64, ops: u32) {
    let mut rng = Rng(seed | 1);
    let mut store = Store::with_seed(kind, limits, seed).unwrap();
    // slot -> weight of what should be resident.
    let mut model: BTreeMap<u32, u64> = BTreeMap::new();
    let weighted = limits.max_weight != 0;
    let mut ev = Vec::new();
    let pick = |rng: &mut Rng, model: &BTreeMap<u32, u64>| {
        let i = rng.below(model.len() as u64) as usize;
        model.keys().nth(i).copied()
    };
    let draw_weight = |rng: &mut Rng| {
        if weighted {
            1 + rng.below(limits.max_weight.min(12))
        } else {
            1
        }
    };
    for op in 0..ops {
        let what = rng.below(100);
        ev.clear();
        match what {
            0..=39 => {
                // A small key space, so hashes repeat and frequencies build up.
                let hash = rng.below(64) as u32;
                let w = draw_weight(&mut rng);
                let slot = store.insert(w, hash, &mut ev).unwrap();
                model.insert(slot, w);
                if kind == PolicyKind::Lru || !weighted {
                    assert!(!ev.contains(&slot), "op {op}: a new entry evicted itself");
                }
                for e in &ev {
                    assert!(
                        model.remove(e).is_some(),
                        "op {op}: evicted {e} was not resident"
                    );
                }
            }
            40..=64 => {
                if let Some(s) = pick(&mut rng, &model) {
                    store.access(s).unwrap();
                }
            }
            65..=74 => {
                // A logged batch, including slots removed since.
                let batch: Vec<u32> = (0..rng.below(6))
                    .map(|_| rng.below(store.slot_capacity().max(1) as u64) as u32)
                    .collect();
                store.replay(&batch);
            }
            75..=84 => {
                if let Some(s) = pick(&mut rng, &model) {
                    store.remove(s).unwrap();
                    model.remove(&s);
                }
            }
            85..=92 => {
                if let Some(s) = pick(&mut rng, &model) {
                    let w = draw_weight(&mut rng);
                    store.reweigh(s, w, &mut ev).unwrap();
                    model.insert(s, w);
                    for e in &ev {
                        assert!(
                            model.remove(e).is_some(),
                            "op {op}: evicted {e} was not resident"
                        );
                    }
                }
            }
            93..=98 => {
                if let Some(v) = store.victim() {
                    assert!(model.contains_key(&v), "op {op}: victim {v} not resident");
                } else {
                    assert!(model.is_empty());
                }
            }
            _ => {
                store.clear();
                model.clear();
            }
        }
        if let Err(e) = store.check_invariants() {
            panic!("{kind:?} {limits:?} seed {seed}, op {op} ({what}): {e}");
        }
        assert_eq!(store.len() as usize, model.len(), "op {op}");
        assert_eq!(store.total_weight(), model.values().sum::<u64>(), "op {op}");
        for (&s, &w) in &model {
            assert_eq!(store.weight(s), Some(w), "op {op}: slot {s}");
        }
    }
}

const LIMITS: [(u32, u64); 7] = [
    (1, 0),
    (3, 0),
    (16, 0),
    (0, 10),
    (0, 60),
    (12, 40),
    (8, 1000),
];

#[test]
fn lru_bookkeeping_matches_the_model() {
    for (i, &(max_entries, max_weight)) in LIMITS.iter().enumerate() {
        for seed in 1..=4 {
            let limits = Limits {
                max_entries,
                max_weight,
            };
            run(PolicyKind::Lru, limits, seed * 31 + i as u64, 3000);
        }
    }
}

#[test]
fn tinylfu_bookkeeping_matches_the_model() {
    for (i, &(max_entries, max_weight)) in LIMITS.iter().enumerate() {
        for seed in 1..=4 {
            let limits = Limits {
                max_entries,
                max_weight,
            };
            run(PolicyKind::TinyLfu, limits, seed * 31 + i as u64, 3000);
        }
    }
}
