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
    /// One value per reference column of the header (`names`), `None` where
    /// the cell is blank or not a number.
    refs: Vec<Option<f64>>,
}

/// A number cell ("0.4558", "1,000"), or `None` for a blank, "n/a" or "-".
fn cell_number(cell: &str) -> Option<f64> {
    let t: String = cell.chars().filter(|&c| c != ',' && c != '_').collect();
    t.parse().ok().filter(|x: &f64| x.is_finite())
}

/// The reference columns' names and the rows of the table whose header starts
/// with "trace": every row naming a file with a whole capacity, whatever the
/// file's name (an unreadable one is reported as skipped, not dropped unseen).
fn parse_table(readme: &str) -> (Vec<String>, Vec<Row>) {
    let (mut names, mut cap_col) = (Vec::new(), None);
    let mut rows = Vec::new();
    for line in readme.lines().map(str::trim) {
        if !line.starts_with('|') {
            continue;
        }
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        if cells[0] == "trace" {
            cap_col = cells
                .iter()
                .position(|&h| h == "capacity")
                .filter(|&i| i > 0);
            names = cap_col.map_or(Vec::new(), |i| {
                cells[i + 1..].iter().map(|s| s.to_string()).collect()
            });
            continue;
        }
        let Some(ci) = cap_col else { continue };
        if cells[0].is_empty() || cells[0].chars().all(|c| c == '-' || c == ':') {
            continue;
        }
        let Some(cap) = cells.get(ci).and_then(|c| cell_number(c)) else {
            continue;
        };
        if cap < 1.0 || cap.fract() != 0.0 || cap > u32::MAX as f64 {
            continue;
        }
        let refs = (0..names.len())
            .map(|i| cells.get(ci + 1 + i).and_then(|c| cell_number(c)))
            .collect();
        rows.push(Row {
            file: cells[0].to_string(),
            capacity: cap as u32,
            refs,
        });
    }
    (names, rows)
}

fn show(x: Option<f64>) -> String {
    x.map_or("n/a".into(), |x| format!("{x:.4}"))
}

/// Ours minus the best reference, signed, or "n/a" without one.
fn gap(ours: f64, best: Option<f64>) -> String {
    best.map_or("n/a".into(), |b| format!("{:+.4}", ours - b))
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
            "margin_while" => t.margin_while = f,
            "ghost" => t.ghost = f,
            "ghost_step" => t.ghost_step = f,
            "ghost_accel" => t.ghost_accel = f,
            "victim_pool" => t.victim_pool = f as u32,
            "guard" => t.guard = f as u32,
            "guard_step" => t.guard_step = f,
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
    let (names, rows) = parse_table(&text);
    let rows: Vec<Row> = rows
        .into_iter()
        .filter(|r| only.as_ref().is_none_or(|o| r.file.contains(o.as_str())))
        .collect();
    assert!(
        !rows.is_empty(),
        "no reference rows in {}",
        readme.display()
    );
    const OPT: &str = "OPT (Belady)";

    print!("| trace | cap |");
    for n in &names {
        print!(" {n} |");
    }
    println!(" ours LRU | ours TinyLFU | best ref | gap | window | s |");
    println!(
        "|---|---:|{}---:|---:|---:|---:|---:|---:|",
        "---:|".repeat(names.len())
    );

    let mut traces: HashMap<String, Result<Vec<u32>, String>> = HashMap::new();
    // Per replayed row: ours (LRU, TinyLFU) and the reference values.
    let mut done: Vec<(f64, f64, &[Option<f64>])> = Vec::new();
    let (mut misses, mut skipped) = (Vec::new(), Vec::new());
    for row in &rows {
        let name = row
            .file
            .trim_end_matches(".trace.gz")
            .trim_end_matches(".trace.xz");
        let keys = match traces
            .entry(row.file.clone())
            .or_insert_with(|| cache::trace::load(&dir.join(&row.file)).map_err(|e| e.to_string()))
        {
            Ok(keys) => keys,
            Err(e) => {
                skipped.push(format!("{name}@{}: {e}", row.capacity));
                continue;
            }
        };
        let limits = Limits {
            max_entries: row.capacity,
            max_weight: 0,
        };
        let t0 = Instant::now();
        let lru = if skip_lru {
            let at = names.iter().position(|n| n == "LRU");
            at.and_then(|i| row.refs[i]).unwrap_or(0.0)
        } else {
            replay(keys, Store::with_seed(PolicyKind::Lru, limits, 1).unwrap()).0
        };
        let policy = TinyLfu::with_tuning(limits, seed, t);
        let (tl, store) = replay(keys, Store::with_policy(Box::new(policy), limits));
        store.check_invariants().expect("bookkeeping");
        let secs = t0.elapsed().as_secs_f64();
        let best = names
            .iter()
            .zip(&row.refs)
            .filter(|(n, _)| n.as_str() != OPT)
            .filter_map(|(_, r)| *r)
            .reduce(f64::max);
        print!("| {name} | {} |", row.capacity);
        for r in &row.refs {
            print!(" {} |", show(*r));
        }
        println!(
            " {lru:.4} | {tl:.4} | {} | {} | {} | {secs:.1} |",
            show(best),
            gap(tl, best),
            store.policy_state(),
        );
        done.push((lru, tl, &row.refs));
        if tl + 1e-9 < lru || best.is_some_and(|b| tl + 0.01 + 1e-9 < b) {
            misses.push(format!(
                "{}@{}: tinylfu {tl:.4}, lru {lru:.4}, best ref {}",
                row.file,
                row.capacity,
                show(best)
            ));
        }
    }
    assert!(
        !done.is_empty(),
        "no trace of {} could be read:\n  {}",
        readme.display(),
        skipped.join("\n  ")
    );

    // Each column's average is over the rows that give it a value, and so is
    // ours beside it; the goal is to beat every single column on its own rows.
    let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len() as f64;
    let avg = mean(&done.iter().map(|d| d.1).collect::<Vec<_>>());
    // (name, reference average, ours on the same rows, rows)
    let columns: Vec<(&str, Option<f64>, f64, usize)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let (refs, ours): (Vec<f64>, Vec<f64>) =
                done.iter().filter_map(|d| Some((d.2[i]?, d.1))).unzip();
            let avg = (!refs.is_empty()).then(|| mean(&refs));
            (n.as_str(), avg, mean(&ours), refs.len())
        })
        .collect();
    // The headline compares columns with a value on every row; the others
    // are compared on their own rows below it.
    let rivals: Vec<_> = columns
        .iter()
        .filter(|c| c.0 != OPT && c.1.is_some())
        .collect();
    let best_avg = rivals
        .iter()
        .filter(|c| c.3 == done.len())
        .filter_map(|c| c.1)
        .reduce(f64::max);
    print!("| average | |");
    for c in &columns {
        print!(" {} |", show(c.1));
    }
    let lru_avg = mean(&done.iter().map(|d| d.0).collect::<Vec<_>>());
    println!(
        " {lru_avg:.4} | {avg:.4} | {} | {} | | |",
        show(best_avg),
        gap(avg, best_avg)
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
    let verdict = |ours: f64, theirs: f64| if ours > theirs { "above" } else { "NOT above" };
    if let Some(best_avg) = best_avg {
        println!(
            "average {avg:.4} vs best single reference average {best_avg:.4}: {}",
            verdict(avg, best_avg)
        );
    }
    for c in rivals.iter().filter(|c| c.3 < done.len()) {
        let theirs = c.1.unwrap_or(0.0);
        println!(
            "{} has values on {} of {} rows: ours {:.4} vs {theirs:.4} on those: {}",
            c.0,
            c.3,
            done.len(),
            c.2,
            verdict(c.2, theirs)
        );
    }
    if !skipped.is_empty() {
        println!(
            "\nrows skipped, their trace unreadable ({}):",
            skipped.len()
        );
        for m in &skipped {
            println!("  {m}");
        }
        std::process::exit(1);
    }
}
