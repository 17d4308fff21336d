//! DevTools' Comparison view: objects are matched by V8 node id; per class,
//! ids only in the base were freed and ids only in the target are new. Sizes
//! are self sizes. Zero-sized non-native nodes are left out, as DevTools does.

use super::graph::Graph;
use std::ops::Range;

/// Count and total self size of one class in one snapshot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub count: u64,
    pub self_size: u64,
}

pub fn tallies(g: &Graph, classes: &[u32], class_count: usize) -> Vec<Tally> {
    let mut out = vec![Tally::default(); class_count];
    for v in 0..g.node_count() as u32 {
        if g.is_counted(v) {
            let t = &mut out[classes[v as usize] as usize];
            t.count += 1;
            t.self_size += g.size(v);
        }
    }
    out
}

/// One class's change between the snapshots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupDelta {
    pub class: u32,
    pub new_count: u64,
    pub deleted_count: u64,
    pub allocated_size: u64,
    pub freed_size: u64,
    /// The class's new target nodes, in id order, within `Comparison::new_nodes`.
    pub new_range: Range<usize>,
}

pub struct Comparison {
    /// Only classes with new or deleted objects, in class-number order.
    pub groups: Vec<GroupDelta>,
    pub new_nodes: Vec<u32>,
    pub order: IdOrder,
}

/// Where the deleted objects' ids sit against the target's, to tell a pair
/// given in the wrong order. V8's profiler numbers heap objects with odd ids
/// (from 1, in steps of 2) as it first sees them, so within one process every
/// object a later snapshot has and an earlier one lacks has an id above all of
/// the earlier one's. Embedder nodes without a heap address get even ids made
/// from a pointer, which say nothing about order and are left out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IdOrder {
    /// Deleted objects (only in the base) with odd ids.
    pub deleted: u64,
    /// Of those, the ones whose id is above every odd id of the target.
    pub deleted_above_target: u64,
}

impl IdOrder {
    /// The base looks like the later snapshot: nearly all it has and the
    /// target lacks came after everything in the target. Snapshots of other
    /// processes number other objects, so their ids interleave instead.
    pub fn base_looks_newer(&self) -> bool {
        self.deleted > 0 && self.deleted_above_target * 10 >= self.deleted * 9
    }
}

/// Counted nodes' ordinals sorted by (class, id); 4 bytes a node, the keys
/// are looked up again rather than stored.
pub fn sorted_counted(g: &Graph, classes: &[u32]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..g.node_count() as u32)
        .filter(|&v| g.is_counted(v))
        .collect();
    order.sort_unstable_by_key(|&v| key(g, classes, v));
    order
}

#[inline]
fn key(g: &Graph, classes: &[u32], v: u32) -> u64 {
    (classes[v as usize] as u64) << 32 | g.node_id[v as usize] as u64
}

/// The index of `class`'s group, opening it if the walk just reached it.
fn group_for(groups: &mut Vec<GroupDelta>, class: u32, at: usize) -> usize {
    if groups.last().map(|g| g.class) != Some(class) {
        groups.push(GroupDelta {
            class,
            new_count: 0,
            deleted_count: 0,
            allocated_size: 0,
            freed_size: 0,
            new_range: at..at,
        });
    }
    groups.len() - 1
}

/// Merge-walks both snapshots' (class, id) lists from [`sorted_counted`].
/// Class numbers must come from one shared [`super::graph::ClassTable`].
/// Of the graphs only ids and sizes are read.
pub fn compare(
    base: &Graph,
    base_classes: &[u32],
    a: &[u32],
    target: &Graph,
    target_classes: &[u32],
    b: &[u32],
) -> Comparison {
    let mut groups: Vec<GroupDelta> = Vec::new();
    let mut new_nodes = Vec::new();
    let mut order = IdOrder::default();
    let target_max = target
        .node_id
        .iter()
        .filter(|&&id| id % 2 == 1)
        .max()
        .copied()
        .unwrap_or(0);
    let (mut i, mut j) = (0, 0);
    // Within a class, keys ascend in both lists, and classes ascend too, so
    // each class's entries (and its new nodes) come out contiguous.
    let ka = |i: usize| key(base, base_classes, a[i]);
    let kb = |j: usize| key(target, target_classes, b[j]);
    while i < a.len() || j < b.len() {
        let take_base = j == b.len() || (i < a.len() && ka(i) < kb(j));
        let take_target = i == a.len() || (j < b.len() && kb(j) < ka(i));
        if take_base {
            let (k, v) = (ka(i), a[i]);
            let gi = group_for(&mut groups, (k >> 32) as u32, new_nodes.len());
            let g = &mut groups[gi];
            g.deleted_count += 1;
            g.freed_size += base.size(v);
            let id = base.node_id[v as usize];
            if id % 2 == 1 {
                order.deleted += 1;
                order.deleted_above_target += (id > target_max) as u64;
            }
            i += 1;
        } else if take_target {
            let (k, v) = (kb(j), b[j]);
            let gi = group_for(&mut groups, (k >> 32) as u32, new_nodes.len());
            new_nodes.push(v);
            let g = &mut groups[gi];
            g.new_count += 1;
            g.allocated_size += target.size(v);
            g.new_range.end = new_nodes.len();
            j += 1;
        } else {
            i += 1;
            j += 1;
        }
    }
    Comparison {
        groups,
        new_nodes,
        order,
    }
}
