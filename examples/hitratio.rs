//! Pure-Rust hit-ratio replay of the real traces beside their reference table.
//!
//! ```text
//! cargo run --release --example hitratio [-- README.md] [--only NAME] [--set knob=value ...]
//! ```
//!
//! Reads the reference table from the traces' README (default
//! `../shared/traces/README.md` next to this crate), replays every row's trace at
//! its capacity through [`Store`] with each policy (a hit is a key already
//! present; a miss inserts it with weight 1, hashed with [`hash_int`] exactly as
//! the JS cache hashes integer keys), and prints our columns beside the
//! reference ones with the gap to the best reference column (OPT excluded).
//! `--set` overrides a TinyLFU tuning knob (see `Tuning`) to explore.

// The cache core is compiled in directly: linking the library crate would pull
// in its N-API glue, whose imports only Node can resolve.
#[allow(dead_code, unused_imports)]
#[path = "../src/cache/mod.rs"]
mod cache;

use cache::{hash_int, Limits, PolicyKind, Store, TinyLfu, Tuning};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The policy seed, as `npm run bench:hitratio` sets it (`LEAKGUARD_CACHE_SEED`),
/// so both replays make the same admission tie-breaks.
const SEED: u64 = 24301;

struct Row {
    file: String,
    capacity: u32,
    /// Reference columns (name, ratio), OPT last if present.
    refs: Vec<(String, f64)>,
}

fn parse_table(readme: &str) -> Vec<Row> {
    let mut header: Vec<String> = Vec::new();
    let mut rows = Vec::new();
    for line in readme.lines() {
        let cells: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        if cells.len() < 5 {
            continue;
        }
        if cells[0] == "trace" {
            header = cells.iter().map(|s| s.to_string()).collect();
            continue;
        }
        if header.is_empty() || !(cells[0].ends_with(".gz") || cells[0].ends_with(".xz")) {
            continue;
        }
        let col = |name: &str| header.iter().position(|h| h == name);
        let Some(cap) = col("capacity").and_then(|i| cells[i].parse().ok()) else {
            continue;
        };
        let first_ref = col("capacity").unwrap() + 1;
        let refs = (first_ref..header.len().min(cells.len()))
            .filter_map(|i| Some((header[i].clone(), cells[i].parse().ok()?)))
            .collect();
        rows.push(Row {
            file: cells[0].to_string(),
            capacity: cap,
            refs,
        });
    }
    rows
}

fn load(path: &Path) -> Vec<u32> {
    cache::trace::load(path).unwrap_or_else(|e| panic!("{e}"))
}

/// Replays `keys`; returns the hit ratio.
fn replay(keys: &[u32], mut store: Store) -> (f64, Store) {
    let mut slot_of: HashMap<u32, u32> =
        HashMap::with_capacity(store.limits().max_entries as usize * 2);
    let mut key_of: Vec<u32> = Vec::new();
    let mut evicted = Vec::new();
    let mut hits = 0u64;
    for &key in keys {
        if let Some(&slot) = slot_of.get(&key) {
            hits += 1;
            store.access(slot).expect("resident");
            continue;
        }
        evicted.clear();
        let slot = store
            .insert(1, hash_int(key), &mut evicted)
            .expect("insert");
        if key_of.len() <= slot as usize {
            key_of.resize(slot as usize + 1, 0);
        }
        key_of[slot as usize] = key;
        slot_of.insert(key, slot);
        for &e in &evicted {
            slot_of.remove(&key_of[e as usize]);
        }
    }
    (hits as f64 / keys.len().max(1) as f64, store)
}

fn tuning(sets: &[String]) -> Tuning {
    let mut t = Tuning::default();
    for s in sets {
        let (k, v) = s
            .split_once('=')
            .unwrap_or_else(|| panic!("--set {s}: want knob=value"));
        let f: f64 = v
            .parse()
            .unwrap_or_else(|_| panic!("--set {s}: not a number"));
        match k {
            "window" => t.window = f,
            "protected" => t.protected = f,
            "counters_per_entry" => t.counters_per_entry = f as u32,
            "sample_factor" => t.sample_factor = f as u32,
            "doorkeeper" => t.doorkeeper = f != 0.0,
            "period_factor" => t.period_factor = f,
            "min_period" => t.min_period = f as u32,
            "step" => t.step = f,
            "decay" => t.decay = f,
            "restart" => t.restart = f,
            "admit_margin" => t.admit_margin = f as u32,
            "ghost" => t.ghost = f,
            "ghost_step" => t.ghost_step = f,
            "ghost_accel" => t.ghost_accel = f,
            "victim_pool" => t.victim_pool = f as u32,
            _ => panic!("--set {s}: unknown knob"),
        }
    }
    t
}

fn main() {
    let mut readme = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/traces/README.md");
    let (mut only, mut sets, mut skip_lru) = (None, Vec::new(), false);
    // As the binding: a variable that is set must be a seed.
    let mut seed = std::env::var("LEAKGUARD_CACHE_SEED").map_or(SEED, |s| {
        s.trim()
            .parse()
            .expect("LEAKGUARD_CACHE_SEED: an integer from 0 to 2^64 - 1")
    });
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--only" => only = args.next(),
            "--set" => sets.push(args.next().expect("--set knob=value")),
            "--no-lru" => skip_lru = true,
            "--seed" => seed = args.next().and_then(|s| s.parse().ok()).expect("--seed N"),
            _ => readme = PathBuf::from(a),
        }
    }
    let t = tuning(&sets);
    let dir = readme.parent().unwrap_or(Path::new(".")).to_path_buf();
    let text =
        std::fs::read_to_string(&readme).unwrap_or_else(|e| panic!("{}: {e}", readme.display()));
    let rows: Vec<Row> = parse_table(&text)
        .into_iter()
        .filter(|r| only.as_ref().is_none_or(|o| r.file.contains(o.as_str())))
        .collect();
    assert!(
        !rows.is_empty(),
        "no reference rows in {}",
        readme.display()
    );

    let names: Vec<String> = rows[0].refs.iter().map(|r| r.0.clone()).collect();
    print!("| trace | cap |");
    for n in &names {
        print!(" {n} |");
    }
    println!(" ours LRU | ours TinyLFU | best ref | gap | window | s |");
    println!(
        "|---|---:|{}---:|---:|---:|---:|---:|---:|",
        "---:|".repeat(names.len())
    );

    let mut traces: HashMap<String, Vec<u32>> = HashMap::new();
    let (mut sum_lru, mut sum_tl) = (0.0, 0.0);
    let mut sum_refs = vec![0.0; names.len()];
    let mut misses = Vec::new();
    for row in &rows {
        let keys = traces
            .entry(row.file.clone())
            .or_insert_with(|| load(&dir.join(&row.file)));
        let limits = Limits {
            max_entries: row.capacity,
            max_weight: 0,
        };
        let t0 = Instant::now();
        let lru = if skip_lru {
            row.refs.iter().find(|r| r.0 == "LRU").map_or(0.0, |r| r.1)
        } else {
            replay(keys, Store::with_seed(PolicyKind::Lru, limits, 1).unwrap()).0
        };
        let policy = TinyLfu::with_tuning(limits, seed, t);
        let (tl, store) = replay(keys, Store::with_policy(Box::new(policy), limits));
        store.check_invariants().expect("bookkeeping");
        let secs = t0.elapsed().as_secs_f64();
        let best = row
            .refs
            .iter()
            .filter(|r| r.0 != "OPT (Belady)")
            .map(|r| r.1)
            .fold(0.0, f64::max);
        let gap = tl - best;
        print!(
            "| {} | {} |",
            row.file
                .trim_end_matches(".trace.gz")
                .trim_end_matches(".trace.xz"),
            row.capacity
        );
        for (i, r) in row.refs.iter().enumerate() {
            print!(" {:.4} |", r.1);
            sum_refs[i] += r.1;
        }
        println!(
            " {lru:.4} | {tl:.4} | {best:.4} | {gap:+.4} | {} | {secs:.1} |",
            store.policy_state(),
        );
        sum_lru += lru;
        sum_tl += tl;
        if tl + 1e-9 < lru || tl + 0.01 + 1e-9 < best {
            misses.push(format!(
                "{}@{}: tinylfu {tl:.4}, lru {lru:.4}, best ref {best:.4}",
                row.file, row.capacity
            ));
        }
    }
    let n = rows.len() as f64;
    print!("| average | |");
    for s in &sum_refs {
        print!(" {:.4} |", s / n);
    }
    let best_avg = names
        .iter()
        .zip(&sum_refs)
        .filter(|(name, _)| name.as_str() != "OPT (Belady)")
        .map(|(_, s)| s / n)
        .fold(0.0, f64::max);
    println!(
        " {:.4} | {:.4} | {best_avg:.4} | {:+.4} | | |",
        sum_lru / n,
        sum_tl / n,
        sum_tl / n - best_avg
    );
    println!();
    if misses.is_empty() {
        println!("goals: every row >= LRU and >= best reference - 0.01");
    } else {
        println!("rows missing a goal ({}):", misses.len());
        for m in &misses {
            println!("  {m}");
        }
    }
    println!(
        "average {:.4} vs best single reference average {best_avg:.4}: {}",
        sum_tl / n,
        if sum_tl / n > best_avg {
            "above"
        } else {
            "NOT above"
        }
    );
}
