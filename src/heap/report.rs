//! The two analyses the CLI and JS API expose: `inspect` (one snapshot, per
//! class: count, self size, retained size) and `diff` (two snapshots, per
//! class: new, deleted, sizes, and retainer paths for the top growing ones).

use super::compare::{compare, sorted_counted, tallies, Tally};
use super::dominators::{self, class_retained};
use super::error::HeapError;
use super::graph::{ClassTable, Graph};
use super::paths::Retainers;
use super::reader::{read_nodes_only, read_path};
use std::path::Path;

/// Node names longer than this are cut in path steps (strings can be megabytes).
const NAME_LIMIT: usize = 120;

/// New objects per traced class whose retainer paths are grouped (spread over
/// the class's id range): enough for the shares to be clear, few enough that
/// grouping costs milliseconds whatever the snapshot's size.
pub const GROUP_SAMPLE: usize = 1000;

#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Classes listed in the report.
    pub top: usize,
    /// How many of the listed classes that gained objects get retainer paths (diff only).
    pub paths: usize,
    /// Retainer paths per traced class: the distinct paths most of its sampled
    /// new objects share, most common first (diff only).
    pub samples: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            top: 20,
            paths: 5,
            samples: 3,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SnapshotInfo {
    pub path: String,
    pub node_count: u64,
    pub edge_count: u64,
    /// Sum of all self sizes.
    pub total_size: u64,
}

#[derive(Debug, Clone)]
pub struct ClassRow {
    pub name: String,
    pub count: u64,
    pub self_size: u64,
    pub retained_size: u64,
}

#[derive(Debug, Clone)]
pub struct InspectReport {
    pub snapshot: SnapshotInfo,
    /// Classes in the snapshot (the report lists the `top` largest by retained size).
    pub class_count: u64,
    pub classes: Vec<ClassRow>,
}

/// One hop of a retainer path: the edge taken (none for the root) and the node reached.
#[derive(Debug, Clone)]
pub struct Step {
    pub edge_type: Option<String>,
    pub edge_name: Option<String>,
    pub class_name: String,
    pub name: String,
    pub node_type: String,
    pub id: u32,
    pub self_size: u64,
    /// Where a closure's function is defined: `script:line:column`, 1-based.
    pub location: Option<String>,
}

#[derive(Debug, Clone)]
pub struct DiffGroup {
    pub name: String,
    pub base_count: u64,
    pub target_count: u64,
    pub new_count: u64,
    pub deleted_count: u64,
    pub count_delta: i64,
    pub allocated_size: u64,
    pub freed_size: u64,
    pub size_delta: i64,
    /// The class's retained size in the target snapshot.
    pub retained_size: u64,
    /// One path per group of sampled new objects whose paths end in the same
    /// hops (see [`super::paths::Retainers::groups`]), largest group first.
    pub paths: Vec<Vec<Step>>,
    /// For each path, how many of the sampled new objects share its last hops.
    pub path_counts: Vec<u64>,
    /// New objects whose paths were grouped: all of them up to
    /// [`GROUP_SAMPLE`], else that many spread over the id range; 0 if untraced.
    pub sampled: u64,
}

#[derive(Debug, Clone)]
pub struct DiffReport {
    pub base: SnapshotInfo,
    pub target: SnapshotInfo,
    /// Classes with any new or deleted object (the report lists the `top` of them).
    pub changed_classes: u64,
    pub new_count: u64,
    pub deleted_count: u64,
    pub size_delta: i64,
    /// The base looks newer than the target (see [`super::compare::IdOrder`]):
    /// the arguments are probably swapped.
    pub base_looks_newer: bool,
    pub groups: Vec<DiffGroup>,
}

fn info(g: &Graph, path: &str) -> SnapshotInfo {
    SnapshotInfo {
        path: path.to_string(),
        node_count: g.node_count() as u64,
        edge_count: g.edges_in_file(),
        total_size: (0..g.node_count() as u32).map(|v| g.size(v)).sum(),
    }
}

pub fn inspect(path: &str, opts: &Options) -> Result<InspectReport, HeapError> {
    let g = read_path(Path::new(path))?;
    Ok(inspect_graph(g, path, opts))
}

/// Summarises a graph; consumes it to free the edge targets during the
/// dominator pass (see [`dominators::compute_freeing_targets`]).
pub fn inspect_graph(mut g: Graph, path: &str, opts: &Options) -> InspectReport {
    let mut table = ClassTable::default();
    let tally = tallies(&g, &g.classes(&mut table), table.names.len());
    let dom = dominators::compute_freeing_targets(&mut g);
    // Class numbers are stable within one table, so recomputing gives the same.
    let classes = g.classes(&mut table);
    let retained = class_retained(&g, &dom, &classes, &table);
    let mut rows: Vec<ClassRow> = (0..table.names.len())
        .filter(|&c| tally[c].count > 0)
        .map(|c| ClassRow {
            name: table.names[c].clone(),
            count: tally[c].count,
            self_size: tally[c].self_size,
            retained_size: retained[c],
        })
        .collect();
    let class_count = rows.len() as u64;
    rows.sort_by(|a, b| {
        (b.retained_size, b.self_size, &a.name).cmp(&(a.retained_size, a.self_size, &b.name))
    });
    rows.truncate(opts.top);
    InspectReport {
        snapshot: info(&g, path),
        class_count,
        classes: rows,
    }
}

/// Reads both snapshots (in parallel) and compares them.
pub fn diff(base: &str, target: &str, opts: &Options) -> Result<DiffReport, HeapError> {
    let (a, b) = std::thread::scope(|s| {
        let t = s.spawn(|| read_path(Path::new(target)));
        let a = read_nodes_only(Path::new(base));
        // A panic in the reader goes on as itself, message and all.
        let b = t.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        (a, b)
    });
    Ok(diff_graphs(a?, base, b?, target, opts))
}

/// Compares two graphs. Both are consumed to bound peak memory: the base is
/// dropped once objects are matched, the target's edge targets once the
/// retainer search and the dominator pass have read them.
pub fn diff_graphs(
    mut base: Graph,
    base_path: &str,
    mut target: Graph,
    target_path: &str,
    opts: &Options,
) -> DiffReport {
    // The order below keeps peak memory low: each structure is dropped as
    // soon as the next step no longer needs it.
    let mut table = ClassTable::default();
    let base_info = info(&base, base_path);
    let base_classes = base.classes(&mut table);
    let base_order = sorted_counted(&base, &base_classes);
    let mut base_tally = tallies(&base, &base_classes, table.names.len());
    // From here on the base is only ids and sizes.
    base.node_type = Vec::new();
    base.node_name = Vec::new();
    base.first_edge = Vec::new();
    base.strings = Default::default();

    let target_classes = target.classes(&mut table);
    let n = table.names.len();
    base_tally.resize(n, Tally::default());
    let target_tally = tallies(&target, &target_classes, n);
    let cmp = {
        let target_order = sorted_counted(&target, &target_classes);
        compare(
            &base,
            &base_classes,
            &base_order,
            &target,
            &target_classes,
            &target_order,
        )
    };
    drop((base, base_classes, base_order, target_classes));

    let mut order: Vec<usize> = (0..cmp.groups.len()).collect();
    let key = |i: &usize| {
        let g = &cmp.groups[*i];
        (
            g.allocated_size as i64 - g.freed_size as i64,
            g.new_count as i64 - g.deleted_count as i64,
        )
    };
    order.sort_by(|x, y| {
        key(y).cmp(&key(x)).then_with(|| {
            table.names[cmp.groups[*x].class as usize]
                .cmp(&table.names[cmp.groups[*y].class as usize])
        })
    });
    order.truncate(opts.top);

    // Retainer paths first, so the search is freed before the dominator pass.
    let paths: Vec<Traced> = {
        let retainers = Retainers::new(&target);
        let mut traced = 0;
        order
            .iter()
            .map(|&i| {
                let g = &cmp.groups[i];
                // Trace the first `paths` listed classes that gained objects.
                if traced >= opts.paths || key(&i).1 <= 0 || opts.samples == 0 {
                    return Traced::default();
                }
                traced += 1;
                let nodes: Vec<u32> =
                    sample(&cmp.new_nodes[g.new_range.clone()], GROUP_SAMPLE).collect();
                let mut t = Traced {
                    sampled: nodes.len() as u64,
                    ..Traced::default()
                };
                for grp in retainers.groups(&target, &nodes).iter().take(opts.samples) {
                    if let Some(hops) = retainers.path(&target, grp.node) {
                        t.paths.push(steps(&target, &hops));
                        t.counts.push(grp.count as u64);
                    }
                }
                t
            })
            .collect()
    };
    let retained = {
        let dom = dominators::compute_freeing_targets(&mut target);
        // Recomputed rather than kept through the dominator pass's peak.
        let target_classes = target.classes(&mut table);
        class_retained(&target, &dom, &target_classes, &table)
    };

    let groups = order
        .iter()
        .zip(paths)
        .map(|(&i, traced)| {
            let g = &cmp.groups[i];
            let c = g.class as usize;
            let (size_delta, count_delta) = key(&i);
            DiffGroup {
                name: table.names[c].clone(),
                base_count: base_tally[c].count,
                target_count: target_tally[c].count,
                new_count: g.new_count,
                deleted_count: g.deleted_count,
                count_delta,
                allocated_size: g.allocated_size,
                freed_size: g.freed_size,
                size_delta,
                retained_size: retained[c],
                paths: traced.paths,
                path_counts: traced.counts,
                sampled: traced.sampled,
            }
        })
        .collect();
    let sum = |f: fn(&super::compare::GroupDelta) -> u64| cmp.groups.iter().map(f).sum::<u64>();
    DiffReport {
        base: base_info,
        target: info(&target, target_path),
        changed_classes: cmp.groups.len() as u64,
        new_count: sum(|g| g.new_count),
        deleted_count: sum(|g| g.deleted_count),
        size_delta: sum(|g| g.allocated_size) as i64 - sum(|g| g.freed_size) as i64,
        base_looks_newer: cmp.order.base_looks_newer(),
        groups,
    }
}

/// The retainer paths of one class, with how many sampled objects each stands for.
#[derive(Default)]
struct Traced {
    paths: Vec<Vec<Step>>,
    counts: Vec<u64>,
    sampled: u64,
}

/// Up to `k` items spread evenly over `items` (first, middle, ..., last).
fn sample(items: &[u32], k: usize) -> impl Iterator<Item = u32> + '_ {
    let n = items.len();
    let k = k.min(n);
    (0..k).map(move |i| items[if k == 1 { 0 } else { i * (n - 1) / (k - 1) }])
}

fn steps(g: &Graph, hops: &[(Option<usize>, u32)]) -> Vec<Step> {
    hops.iter()
        .map(|&(edge, v)| {
            let mut name = g.name(v).into_owned();
            if name.chars().count() > NAME_LIMIT {
                name = name.chars().take(NAME_LIMIT).collect::<String>() + "…";
            }
            Step {
                edge_type: edge.map(|e| g.edge_types[g.edge_type[e] as usize].clone()),
                edge_name: edge.map(|e| g.edge_label(e).into_owned()),
                class_name: g.class_name(v).into_owned(),
                name,
                node_type: g.type_name(v).to_string(),
                id: g.node_id[v as usize],
                self_size: g.size(v),
                location: location(g, v),
            }
        })
        .collect()
}

/// `script:line:column` (1-based, as stack traces and editors count) of a
/// closure's function; the script id stands in if the name cannot be found.
fn location(g: &Graph, v: u32) -> Option<String> {
    let l = g.location(v)?;
    let script = match g.script_name(v) {
        Some(s) if !s.is_empty() => s.into_owned(),
        _ => format!("<script {}>", l.script_id),
    };
    Some(format!("{script}:{}:{}", l.line + 1, l.column + 1))
}
