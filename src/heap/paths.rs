//! Shortest retainer paths: one breadth-first search from the root over the
//! edges that retain (no weak edges; shortcuts only from the root), keeping
//! for each node the edge it was first reached by.

use super::graph::{Graph, NONE};
use std::collections::VecDeque;

/// Marks the root in `parent_edge` (edge indexes stay below it, see the reader).
const ROOT: u32 = u32::MAX - 1;

pub struct Retainers {
    /// The edge each node was first reached by; NONE if unreachable.
    parent_edge: Vec<u32>,
}

impl Retainers {
    pub fn new(g: &Graph) -> Self {
        let mut parent_edge = vec![NONE; g.node_count()];
        parent_edge[g.root as usize] = ROOT;
        let mut queue = VecDeque::new();
        queue.push_back(g.root);
        while let Some(v) = queue.pop_front() {
            for e in g.edges(v) {
                let to = g.edge_to[e] as usize;
                if parent_edge[to] == NONE && g.is_essential(v, e) {
                    parent_edge[to] = e as u32;
                    queue.push_back(to as u32);
                }
            }
        }
        Retainers { parent_edge }
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
}
