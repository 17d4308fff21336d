//! Replay cost per logged hit, per policy (a tuning aid):
//! `cargo run --release --example replaybench [-- capacity [climbing step]]`.
#[allow(dead_code, unused_imports)]
#[path = "../src/cache/mod.rs"]
mod cache;

use cache::{hash_int, Limits, PolicyKind, Store, TinyLfu, Tuning};
use std::time::Instant;

fn main() {
    let cap: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let limits = Limits {
        max_entries: cap,
        max_weight: 0,
    };
    let mut x = 88172645463325252u64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    // Distinct logs, so a large cache is touched all over, not in 4096 slots.
    let logs: Vec<Vec<u32>> = (0..16)
        .map(|_| (0..4096).map(|_| (next() % cap as u64) as u32).collect())
        .collect();
    let step: f64 = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(Tuning::default().step);
    let only = std::env::var("POLICY").unwrap_or_default();
    for kind in [
        PolicyKind::Lru,
        PolicyKind::TinyLfu,
        PolicyKind::Lru,
        PolicyKind::TinyLfu,
    ] {
        if !only.is_empty() && !format!("{kind:?}").eq_ignore_ascii_case(&only) {
            continue;
        }
        let mut s = match kind {
            PolicyKind::Lru => Store::with_seed(kind, limits, 1).unwrap(),
            PolicyKind::TinyLfu => Store::with_policy(
                Box::new(TinyLfu::with_tuning(
                    limits,
                    1,
                    Tuning {
                        step,
                        ..Tuning::default()
                    },
                )),
                limits,
            ),
        };
        let mut ev = Vec::new();
        for k in 0..cap {
            s.insert(1, hash_int(k), &mut ev).unwrap();
        }
        let rounds: usize = std::env::var("ROUNDS")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(2000);
        // COLD=1: between replays, sweep 1 MB, as the JS side does to the CPU
        // caches between drains; the sweep's own time is left out.
        let mut sweep = std::env::var_os("COLD").map(|_| vec![0u8; 1 << 20]);
        let mut spent = std::time::Duration::ZERO;
        for r in 0..rounds {
            if let Some(buf) = sweep.as_mut() {
                for b in buf.iter_mut().step_by(64) {
                    *b = b.wrapping_add(1);
                }
                std::hint::black_box(&buf);
            }
            let t = Instant::now();
            s.replay_log(&logs[r % logs.len()], &[]);
            spent += t.elapsed();
        }
        let ns = spent.as_nanos() as f64 / (rounds * 4096) as f64;
        println!(
            "{kind:?} cap {cap}: {ns:.1} ns per logged hit, state {}",
            s.policy_state()
        );
        if kind == PolicyKind::Lru && std::env::var_os("NO_INSERTS").is_none() {
            // Evicting inserts chosen ahead, as a full count-bounded LRU cache
            // replays them: a sync hands out 128 victims, the log overwrites each.
            // With TTL set, a cache-wide TTL: each insert expires after the one before.
            let ttl = std::env::var_os("TTL").is_some();
            let (mut ahead, mut ins, mut at) = (Vec::new(), Vec::new(), vec![f64::INFINITY; 128]);
            let t = Instant::now();
            for r in 0..rounds * 32 {
                if ttl {
                    for (i, t) in at.iter_mut().enumerate() {
                        *t = (r * 128 + i) as f64;
                    }
                }
                ahead.clear();
                s.reserve_ahead(0, 128, &mut ahead);
                ins.clear();
                ins.extend(ahead.iter().map(|&v| v | cache::INSERT_FLAG));
                s.replay_log(&ins, &at);
            }
            let ns = t.elapsed().as_nanos() as f64 / (rounds * 32 * 128) as f64;
            println!("{kind:?} cap {cap}: {ns:.1} ns per evicting insert (sync + replay)");
        }
    }
}
