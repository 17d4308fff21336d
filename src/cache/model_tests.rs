//! Model-based test: random operation sequences on the slot store, checked after
//! every step against a plain vector model of exact LRU with weights.

use super::{Limits, PolicyKind, Store, INSERT_FLAG};

/// A small deterministic PRNG (splitmix64), so failures replay exactly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The model: slots most recent first, with their weights.
#[derive(Default)]
struct Model {
    order: Vec<(u32, u64)>,
}

impl Model {
    fn touch(&mut self, slot: u32) {
        if let Some(i) = self.order.iter().position(|&(s, _)| s == slot) {
            let e = self.order.remove(i);
            self.order.insert(0, e);
        }
    }

    fn remove(&mut self, slot: u32) -> bool {
        let before = self.order.len();
        self.order.retain(|&(s, _)| s != slot);
        before != self.order.len()
    }

    fn total(&self) -> u64 {
        self.order.iter().map(|&(_, w)| w).sum()
    }

    /// Evicts from the least recent end until the limits hold; returns the victims.
    fn evict(&mut self, limits: Limits) -> Vec<u32> {
        let mut out = Vec::new();
        while (limits.max_entries != 0 && self.order.len() > limits.max_entries as usize)
            || (limits.max_weight != 0 && self.total() > limits.max_weight)
        {
            out.push(self.order.pop().unwrap().0);
        }
        out
    }
}

fn order(store: &Store) -> Vec<u32> {
    let mut v = Vec::new();
    store.for_each(false, |s| v.push(s));
    v
}

fn check(store: &Store, model: &Model, step: usize) {
    let expected: Vec<u32> = model.order.iter().map(|&(s, _)| s).collect();
    assert_eq!(order(store), expected, "order at step {step}");
    assert_eq!(
        store.len() as usize,
        model.order.len(),
        "len at step {step}"
    );
    assert_eq!(
        store.total_weight(),
        model.total(),
        "total weight at step {step}"
    );
    for &(s, w) in &model.order {
        assert_eq!(
            store.weight(s),
            Some(w),
            "weight of slot {s} at step {step}"
        );
    }
}

fn run(seed: u64, limits: Limits, steps: usize) {
    let mut rng = Rng(seed);
    let mut store = Store::new(PolicyKind::Lru, limits).unwrap();
    let mut model = Model::default();
    let weighted = limits.max_weight != 0;
    let mut log: Vec<u32> = Vec::new();
    let mut evicted = Vec::new();
    for step in 0..steps {
        let resident: Vec<u32> = model.order.iter().map(|&(s, _)| s).collect();
        let pick = |rng: &mut Rng| resident[rng.below(resident.len() as u64) as usize];
        match rng.below(10) {
            // hits go through the log, replayed in order by the next operation
            0..=2 if !resident.is_empty() => {
                for _ in 0..=rng.below(4) {
                    let s = pick(&mut rng);
                    log.push(s);
                    model.touch(s);
                }
                continue;
            }
            3..=5 => {
                store.replay(&std::mem::take(&mut log));
                let w = if weighted {
                    1 + rng.below(limits.max_weight / 3 + 1)
                } else {
                    0
                };
                evicted.clear();
                let slot = store.insert(w, 0, &mut evicted).unwrap();
                model.order.insert(0, (slot, w));
                assert_eq!(evicted, model.evict(limits), "evictions at step {step}");
            }
            6 if !resident.is_empty() => {
                store.replay(&std::mem::take(&mut log));
                let s = pick(&mut rng);
                store.remove(s).unwrap();
                assert!(model.remove(s));
            }
            7 if weighted && !resident.is_empty() => {
                store.replay(&std::mem::take(&mut log));
                let s = pick(&mut rng);
                let w = 1 + rng.below(limits.max_weight / 2 + 1);
                evicted.clear();
                store.reweigh(s, w, &mut evicted).unwrap();
                model.touch(s);
                model.order[0].1 = w;
                assert_eq!(
                    evicted,
                    model.evict(limits),
                    "reweigh evictions at step {step}"
                );
            }
            // inserts chosen by the caller from the ahead queue (count limit only)
            8 if !weighted && limits.max_entries != 0 => {
                store.replay(&std::mem::take(&mut log));
                let mut ahead = Vec::new();
                let room = limits.max_entries - store.len();
                let free =
                    store.reserve_ahead(room.min(5), if room == 0 { 5 } else { 0 }, &mut ahead);
                let mut stamped: Vec<u32> = Vec::new();
                let mut queue = ahead.into_iter();
                let mut taken_free = 0;
                for _ in 0..rng.below(8) {
                    // hits between the sync and the inserts stamp their slots
                    if rng.below(2) == 0 && !model.order.is_empty() {
                        let s = model.order[rng.below(model.order.len() as u64) as usize].0;
                        log.push(s);
                        model.touch(s);
                        stamped.push(s);
                        continue;
                    }
                    let slot = if taken_free < free {
                        taken_free += 1;
                        queue.next()
                    } else {
                        queue.by_ref().find(|s| !stamped.contains(s))
                    };
                    let Some(slot) = slot else { break };
                    if model.remove(slot) {
                        // the model's victim must be exactly this slot
                        assert!(
                            limits.max_entries as usize == model.order.len() + 1,
                            "step {step}"
                        );
                    }
                    model.order.insert(0, (slot, 0));
                    stamped.push(slot);
                    log.push(slot | INSERT_FLAG);
                    if model.order.len() > limits.max_entries as usize {
                        panic!("caller-chosen insert overfilled the cache at step {step}");
                    }
                }
                store.replay_log(&std::mem::take(&mut log), &[]);
                store.unreserve();
            }
            _ => {
                store.replay(&std::mem::take(&mut log));
            }
        }
        check(&store, &model, step);
    }
}

#[test]
fn count_limited_lru_matches_the_model() {
    for seed in 0..40 {
        run(
            seed,
            Limits {
                max_entries: 1 + (seed as u32 % 9),
                max_weight: 0,
            },
            2_000,
        );
    }
}

#[test]
fn weight_limited_lru_matches_the_model() {
    for seed in 0..40 {
        run(
            seed,
            Limits {
                max_entries: 0,
                max_weight: 10 + seed * 3,
            },
            2_000,
        );
        run(
            seed,
            Limits {
                max_entries: 6,
                max_weight: 30,
            },
            2_000,
        );
    }
}
