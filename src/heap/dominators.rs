//! Dominator tree and retained sizes (SEMI-NCA: Lengauer–Tarjan semidominators
//! with path compression, O(E log N) in the worst case and near-linear on heap
//! graphs; every step iterative so a 100M-node chain cannot overflow the stack).
//! Working memory: 6 u32 per node and 1 per retaining edge, freed on return.
//!
//! Edges follow DevTools: weak edges never retain and shortcut edges count only
//! from the root. Nodes the root cannot reach that way hang under the root
//! (see `preorder`), so every node gets a dominator and a retained size.

use super::graph::{ClassTable, Graph, NONE};

pub struct Dominators {
    /// Each node's immediate dominator; the root's is itself.
    pub idom: Vec<u32>,
    /// Self size plus the self sizes of every node it dominates.
    pub retained: Vec<u64>,
}

/// Predecessors over essential edges in preorder numbers, as CSR:
/// `preds[first[w]..first[w + 1]]` for vertex number `w`. Edges from nodes
/// outside the root's reach into it are left out (see `preorder`).
fn predecessors(g: &Graph, dfn: &[u32], reached: usize) -> (Vec<u32>, Vec<u32>) {
    let n = g.node_count();
    let keep = |from: u32, e: usize| {
        let (a, b) = (
            dfn[from as usize] as usize,
            dfn[g.edge_to[e] as usize] as usize,
        );
        g.is_essential(from, e) && !(b < reached && a >= reached)
    };
    let mut first = vec![0u32; n + 1];
    for v in 0..n as u32 {
        for e in g.edges(v) {
            if keep(v, e) {
                first[dfn[g.edge_to[e] as usize] as usize + 1] += 1;
            }
        }
    }
    for i in 0..n {
        first[i + 1] += first[i];
    }
    let mut preds = vec![0u32; first[n] as usize];
    // Shift the starts up one slot and use first[w + 1] as w's fill cursor:
    // once filled it has advanced to w's end, which is w + 1's start. No
    // separate cursor array needed.
    first.copy_within(0..n, 1);
    for v in 0..n as u32 {
        for e in g.edges(v) {
            if keep(v, e) {
                let w = dfn[g.edge_to[e] as usize] as usize + 1;
                preds[first[w] as usize] = dfn[v as usize];
                first[w] += 1;
            }
        }
    }
    (first, preds)
}

/// Depth-first preorder over essential edges: node→number (NONE until
/// reached), number→node and number→parent number.
struct Preorder {
    /// How many nodes the root itself reaches (numbered first).
    reached: usize,
    dfn: Vec<u32>,
    vertex: Vec<u32>,
    parent: Vec<u32>,
    stack: Vec<(u32, u32)>,
}

impl Preorder {
    /// Numbers everything `start` reaches that is not numbered yet; `start`'s
    /// tree parent is `parent` (the root for the extra starts).
    fn visit(&mut self, g: &Graph, start: u32, parent: u32) {
        self.dfn[start as usize] = self.vertex.len() as u32;
        self.vertex.push(start);
        self.parent.push(parent);
        self.stack.push((start, g.first_edge[start as usize]));
        while let Some(&mut (v, ref mut next)) = self.stack.last_mut() {
            let end = g.first_edge[v as usize + 1];
            let mut pushed = None;
            while *next < end {
                let e = *next as usize;
                *next += 1;
                let to = g.edge_to[e];
                if self.dfn[to as usize] == NONE && g.is_essential(v, e) {
                    self.dfn[to as usize] = self.vertex.len() as u32;
                    self.parent.push(self.dfn[v as usize]);
                    self.vertex.push(to);
                    pushed = Some(to);
                    break;
                }
            }
            match pushed {
                Some(to) => self.stack.push((to, g.first_edge[to as usize])),
                None => {
                    self.stack.pop();
                }
            }
        }
    }
}

/// Numbers every node. The root's reach comes first. Nodes it cannot reach
/// are then searched from as if the root held them (as memlab does): first
/// those held only by weak or shortcut edges, so that a weakly held object
/// still retains what only it holds, then any rest (unreachable cycles).
/// Edges from those nodes into the root's reach are ignored (see `compute`).
fn preorder(g: &Graph) -> Preorder {
    let n = g.node_count();
    let mut p = Preorder {
        reached: 0,
        dfn: vec![NONE; n],
        vertex: Vec::with_capacity(n),
        parent: Vec::with_capacity(n),
        stack: Vec::new(),
    };
    p.visit(g, g.root, 0);
    p.reached = p.vertex.len();
    if p.reached < n {
        let mut strongly_held = vec![false; n];
        for (e, &t) in g.edge_type.iter().enumerate() {
            if t != g.ids.edge_weak && t != g.ids.edge_shortcut {
                strongly_held[g.edge_to[e] as usize] = true;
            }
        }
        for (v, held) in strongly_held.into_iter().enumerate() {
            if p.dfn[v] == NONE && !held {
                p.visit(g, v as u32, 0);
            }
        }
        for v in 0..n {
            if p.dfn[v] == NONE {
                p.visit(g, v as u32, 0);
            }
        }
    }
    p
}

/// Dominators by SEMI-NCA (Georgiadis): Lengauer–Tarjan's semidominators,
/// then each idom as the nearest common ancestor walk `parent → semi`, which
/// needs no buckets and reuses `parent` as `idom`.
pub fn compute(g: &Graph) -> Dominators {
    let (vertex, parent, first_pred, preds) = search(g);
    finish(g, vertex, parent, first_pred, preds)
}

/// [`compute`], but frees `g.edge_to` as soon as the predecessor lists hold
/// the same information, which lowers the peak by 4 bytes an edge. The graph
/// keeps everything else (edge types and names still label retainer paths).
pub fn compute_freeing_targets(g: &mut Graph) -> Dominators {
    let (vertex, parent, first_pred, preds) = search(g);
    g.edge_to = Vec::new();
    finish(g, vertex, parent, first_pred, preds)
}

type Search = (Vec<u32>, Vec<u32>, Vec<u32>, Vec<u32>);

/// Preorder (vertex, parent) and predecessor lists, in preorder numbers.
fn search(g: &Graph) -> Search {
    let Preorder {
        reached,
        dfn,
        vertex,
        parent,
        ..
    } = preorder(g);
    let (first_pred, preds) = predecessors(g, &dfn, reached);
    (vertex, parent, first_pred, preds)
}

fn finish(
    g: &Graph,
    vertex: Vec<u32>,
    mut parent: Vec<u32>,
    first_pred: Vec<u32>,
    preds: Vec<u32>,
) -> Dominators {
    let n = g.node_count();
    let r = vertex.len();
    // All of the following are indexed by preorder number.
    let mut semi: Vec<u32> = (0..r as u32).collect();
    let mut label: Vec<u32> = (0..r as u32).collect();
    let mut ancestor = vec![NONE; r];
    let mut path = Vec::new();
    for w in (1..r).rev() {
        for &v in &preds[first_pred[w] as usize..first_pred[w + 1] as usize] {
            let u = eval(v, &mut ancestor, &mut label, &semi, &mut path);
            if semi[u as usize] < semi[w] {
                semi[w] = semi[u as usize];
            }
        }
        if parent[w] == 0 {
            // The root holds w (directly, or by the convention for unreachable starts).
            semi[w] = 0;
        }
        ancestor[w] = parent[w];
    }
    drop((first_pred, preds, label, ancestor));
    // parent[x] becomes idom(x) in increasing order: the idom of w is the
    // nearest ancestor of its tree parent that is not below semi(w).
    for w in 1..r {
        let mut x = parent[w];
        while x > semi[w] {
            x = parent[x as usize];
        }
        parent[w] = x;
    }
    drop(semi);
    let idom = parent;

    let mut node_idom = vec![g.root; n];
    for w in 1..r {
        node_idom[vertex[w] as usize] = vertex[idom[w] as usize];
    }
    drop(idom);
    let mut retained: Vec<u64> = (0..n as u32).map(|v| g.size(v)).collect();
    // A dominator precedes what it dominates in preorder: sum backwards.
    for w in (1..r).rev() {
        let v = vertex[w] as usize;
        retained[node_idom[v] as usize] += retained[v];
    }
    Dominators {
        idom: node_idom,
        retained,
    }
}

/// The vertex with the least semidominator on `v`'s compressed forest path.
#[inline]
fn eval(v: u32, ancestor: &mut [u32], label: &mut [u32], semi: &[u32], path: &mut Vec<u32>) -> u32 {
    if ancestor[v as usize] == NONE {
        return v;
    }
    // Iterative form of the textbook recursive `compress`.
    let mut x = v;
    while ancestor[ancestor[x as usize] as usize] != NONE {
        path.push(x);
        x = ancestor[x as usize];
    }
    while let Some(y) = path.pop() {
        let a = ancestor[y as usize] as usize;
        if semi[label[a] as usize] < semi[label[y as usize] as usize] {
            label[y as usize] = label[a];
        }
        ancestor[y as usize] = ancestor[a];
    }
    label[v as usize]
}

/// Retained size per class without double counting, as DevTools does: a node
/// adds its retained size only when no dominator above it has the same class.
pub fn class_retained(
    g: &Graph,
    dom: &Dominators,
    classes: &[u32],
    table: &ClassTable,
) -> Vec<u64> {
    let n = g.node_count();
    let mut first = vec![0u32; n + 1];
    for v in 0..n {
        if v as u32 != g.root {
            first[dom.idom[v] as usize + 1] += 1;
        }
    }
    for i in 0..n {
        first[i + 1] += first[i];
    }
    let mut children = vec![0u32; first[n] as usize];
    let mut cursor = first[..n].to_vec();
    for v in 0..n {
        if v as u32 != g.root {
            let d = dom.idom[v] as usize;
            children[cursor[d] as usize] = v as u32;
            cursor[d] += 1;
        }
    }
    drop(cursor);
    let mut sums = vec![0u64; table.names.len()];
    let mut on_path = vec![0u32; table.names.len()];
    let mut stack: Vec<(u32, u32)> = Vec::new();
    let enter = |v: u32, on_path: &mut [u32], sums: &mut [u64]| {
        if g.is_counted(v) {
            let c = classes[v as usize] as usize;
            if on_path[c] == 0 {
                sums[c] += dom.retained[v as usize];
            }
            on_path[c] += 1;
        }
    };
    enter(g.root, &mut on_path, &mut sums);
    stack.push((g.root, first[g.root as usize]));
    while let Some(&mut (v, ref mut next)) = stack.last_mut() {
        if *next < first[v as usize + 1] {
            let c = children[*next as usize];
            *next += 1;
            enter(c, &mut on_path, &mut sums);
            stack.push((c, first[c as usize]));
        } else {
            stack.pop();
            if g.is_counted(v) {
                on_path[classes[v as usize] as usize] -= 1;
            }
        }
    }
    sums
}
