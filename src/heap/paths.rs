//! Shortest retainer paths: one breadth-first search from the root over the
//! edges that retain (no weak edges; shortcuts only from the root), keeping
//! for each node the edge it was first reached by and its depth.
//!
//! [`Retainers::groups`] sorts objects (a class's new ones) by the last hops of
//! their paths, so a report shows the path most of them share rather than the
//! one of the lowest id, which is often an object the code taking the snapshot
//! holds on its stack.

use super::graph::{Graph, NONE};
use std::cmp::Reverse;
use std::collections::{HashMap, VecDeque};

/// Marks the root in `parent_edge` (edge indexes stay below it, see the reader).
const ROOT: u32 = u32::MAX - 1;

/// Hops from the end of a path that decide its group: the holder and the
/// property or variable that holds it (`sessions → Map → table → (array) → 7 → X`
/// ends `sessions:Map, table:(array), 7:X` and one more).
pub const TAIL_HOPS: usize = 4;

/// Names at one hop that each lead to a single grouped object, from which on
/// they are taken for a dictionary's keys (see [`forget_keys`]); a few such
/// names are more likely fields of one holder.
const KEY_MIN: usize = 8;

/// Roots that hold what running code has in hand: the frames of the code that
/// took the snapshot and its open handle scopes. Among equally common paths,
/// those through them come last.
const TRANSIENT_ROOTS: [&[u8]; 2] = [b"(Stack roots)", b"(Handle scope)"];

/// Set in `depth` for nodes first reached through a transient root.
const TRANSIENT: u32 = 1 << 31;

pub struct Retainers {
    /// The edge each node was first reached by; NONE if unreachable.
    parent_edge: Vec<u32>,
    /// Hops from the root, or'ed with TRANSIENT.
    depth: Vec<u32>,
}

/// Objects whose retainer paths end in the same hops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathGroup {
    /// The member nearest the root (lowest id among equals): the path to show.
    pub node: u32,
    /// Members among the objects grouped.
    pub count: u32,
}

/// One hop as grouping sees it: edge type, edge name (NONE for an index), the
/// node type reached, and what tells its kind apart: a class's name, or a
/// closure's source position (script, line, column), else NONE.
type Hop = (u8, u32, u8, [u32; 3]);

impl Retainers {
    pub fn new(g: &Graph) -> Self {
        let mut parent_edge = vec![NONE; g.node_count()];
        let mut depth = vec![0u32; g.node_count()];
        parent_edge[g.root as usize] = ROOT;
        let mut queue = VecDeque::new();
        queue.push_back(g.root);
        while let Some(v) = queue.pop_front() {
            // Depth stays far below bit 31, so the flag carries over.
            let d = depth[v as usize] + 1;
            for e in g.edges(v) {
                let to = g.edge_to[e] as usize;
                if parent_edge[to] == NONE && g.is_essential(v, e) {
                    parent_edge[to] = e as u32;
                    depth[to] = if is_transient_root(g, to as u32) {
                        d | TRANSIENT
                    } else {
                        d
                    };
                    queue.push_back(to as u32);
                }
            }
        }
        Retainers { parent_edge, depth }
    }

    /// The hops from the root to `node`: `(edge into the node, node)`, the
    /// root first with no edge. None when the root does not reach it.
    pub fn path(&self, g: &Graph, node: u32) -> Option<Vec<(Option<usize>, u32)>> {
        let mut hops = Vec::new();
        let mut v = node;
        loop {
            match self.parent_edge[v as usize] {
                NONE => return None,
                ROOT => {
                    hops.push((None, v));
                    break;
                }
                e => {
                    hops.push((Some(e as usize), v));
                    v = g.edge_owner(e as usize);
                }
            }
        }
        hops.reverse();
        Some(hops)
    }

    /// Groups `nodes` by the last [`TAIL_HOPS`] hops of their paths (element
    /// and slot numbers ignored, and dictionary keys: see [`forget_keys`]) and by whether the path runs through a
    /// transient root; largest group first, then those not through a transient
    /// root, then the shallower. Nodes the root does not reach are left out.
    pub fn groups(&self, g: &Graph, nodes: &[u32]) -> Vec<PathGroup> {
        let mut tails: Vec<(u32, Vec<Hop>)> = nodes
            .iter()
            .filter_map(|&v| Some((v, self.tail(g, v)?)))
            .collect();
        forget_keys(&mut tails);
        let mut by_tail: HashMap<(bool, Vec<Hop>), PathGroup> = HashMap::new();
        for (v, tail) in tails {
            let key = (self.depth[v as usize] & TRANSIENT != 0, tail);
            by_tail
                .entry(key)
                .and_modify(|grp| {
                    grp.count += 1;
                    if self.rank(g, v) < self.rank(g, grp.node) {
                        grp.node = v;
                    }
                })
                .or_insert(PathGroup { node: v, count: 1 });
        }
        let mut out: Vec<(bool, PathGroup)> = by_tail
            .into_iter()
            .map(|((transient, _), grp)| (transient, grp))
            .collect();
        out.sort_unstable_by_key(|&(transient, grp)| {
            (Reverse(grp.count), transient, self.rank(g, grp.node))
        });
        out.into_iter().map(|(_, grp)| grp).collect()
    }

    /// Depth, then id: which member of a group stands for it.
    fn rank(&self, g: &Graph, v: u32) -> (u32, u32) {
        (self.depth[v as usize] & !TRANSIENT, g.node_id[v as usize])
    }

    /// The last hops into `node`, nearest first; None if unreachable.
    fn tail(&self, g: &Graph, node: u32) -> Option<Vec<Hop>> {
        let mut hops = Vec::with_capacity(TAIL_HOPS);
        let mut v = node;
        while hops.len() < TAIL_HOPS {
            match self.parent_edge[v as usize] {
                NONE => return None,
                ROOT => break,
                e => {
                    let e = e as usize;
                    hops.push(hop(g, e, v));
                    v = g.edge_owner(e);
                }
            }
        }
        Some(hops)
    }
}

/// Drops the names that act as a dictionary's keys from the tails' hops, as
/// slot numbers are: at one distance from the objects, a name only one
/// object's path takes (`sessions['sess-41']`, `globalThis['leak_7']`, a
/// symbol per entry), when [`KEY_MIN`] or more names there are such. Without
/// this, the objects one dictionary holds would each be a group of one.
fn forget_keys(tails: &mut [(u32, Vec<Hop>)]) {
    let mut uses: HashMap<(usize, u32), u32> = HashMap::new();
    for (_, tail) in tails.iter() {
        for (at, h) in tail.iter().enumerate().filter(|(_, h)| h.1 != NONE) {
            *uses.entry((at, h.1)).or_default() += 1;
        }
    }
    let mut unique = [0usize; TAIL_HOPS];
    for (&(at, _), _) in uses.iter().filter(|(_, &n)| n == 1) {
        unique[at] += 1;
    }
    if unique.iter().all(|&n| n < KEY_MIN) {
        return;
    }
    for (_, tail) in tails.iter_mut() {
        for (at, h) in tail.iter_mut().enumerate() {
            if h.1 != NONE && unique[at] >= KEY_MIN && uses[&(at, h.1)] == 1 {
                h.1 = NONE;
            }
        }
    }
}

fn hop(g: &Graph, e: usize, to: u32) -> Hop {
    let t = g.edge_type[e];
    let name = g.edge_name[e];
    // Elements, hidden slots and hash-table slots (internal edges named by a
    // number) differ from object to object in one container.
    let index =
        t == g.ids.edge_element || t == g.ids.edge_hidden || is_slot_name(g.strings.bytes(name));
    let nt = g.node_type[to as usize];
    let kind = if nt == g.ids.object || nt == g.ids.native {
        [g.node_name[to as usize], NONE, NONE]
    } else if let Some(l) = g.location(to) {
        // Listeners added at two lines are two leaks, though both are (closure).
        [l.script_id, l.line, l.column]
    } else {
        [NONE; 3]
    };
    (t, if index { NONE } else { name }, nt, kind)
}

/// A hash-table slot's edge name: a number (`1038`), or a number and what
/// the slot holds, as V8 names a WeakMap's or WeakSet's entries
/// (`1038 / part of key (Object @79129) -> value (Leak @79125) pair in
/// WeakMap (table @81815)`), which differs for every entry.
fn is_slot_name(s: &[u8]) -> bool {
    let digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
    digits > 0 && (digits == s.len() || s[digits..].starts_with(b" / "))
}

fn is_transient_root(g: &Graph, v: u32) -> bool {
    g.node_type[v as usize] == g.ids.synthetic
        && TRANSIENT_ROOTS.contains(&g.strings.bytes(g.node_name[v as usize]))
}
