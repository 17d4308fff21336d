//! The heap graph in columns: one `Vec` per node field and per edge field, so a
//! node costs 17 bytes and an edge 9 bytes, whatever V8's field order was.

use std::borrow::Cow;
use std::collections::HashMap;

/// Marks "no node / no edge" in u32 columns.
pub const NONE: u32 = u32::MAX;

/// All strings of a snapshot in one buffer (V8 dedupes them, so an index is an identity).
#[derive(Default)]
pub struct Strings {
    pub data: Vec<u8>,
    /// `ends[i]` is the end of string `i` in `data`.
    pub ends: Vec<usize>,
}

impl Strings {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn get(&self, i: u32) -> Cow<'_, str> {
        String::from_utf8_lossy(self.bytes(i))
    }

    /// String `i`'s UTF-8 bytes (empty if there is no such string).
    pub fn bytes(&self, i: u32) -> &[u8] {
        let i = i as usize;
        let Some(&end) = self.ends.get(i) else {
            return &[];
        };
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.data[start..end]
    }
}

/// Positions of the node and edge types the analysis needs (NONE when absent).
#[derive(Debug, Clone, Copy)]
pub struct TypeIds {
    pub hidden: u8,
    pub object: u8,
    pub native: u8,
    pub code: u8,
    pub synthetic: u8,
    pub closure: u8,
    pub edge_element: u8,
    pub edge_hidden: u8,
    pub edge_weak: u8,
    pub edge_shortcut: u8,
}

/// Where a closure's function starts in its script, from the snapshot's
/// `locations` section (0-based line and column, as V8 writes them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub node: u32,
    pub script_id: u32,
    pub line: u32,
    pub column: u32,
}

/// A parsed heap snapshot. Node `i`'s edges are `first_edge[i]..first_edge[i + 1]`.
pub struct Graph {
    pub node_types: Vec<String>,
    pub edge_types: Vec<String>,
    pub ids: TypeIds,
    pub root: u32,
    pub node_type: Vec<u8>,
    pub node_name: Vec<u32>,
    pub node_id: Vec<u32>,
    /// Self sizes; `u32::MAX` means "look in `big_sizes`" (a 4 GB+ backing store).
    pub self_size: Vec<u32>,
    pub big_sizes: HashMap<u32, u64>,
    pub first_edge: Vec<u32>,
    pub edge_type: Vec<u8>,
    /// A string index, or an element/hidden index for those edge types.
    pub edge_name: Vec<u32>,
    /// The target's node ordinal (V8's `to_node` divided by the node field count).
    pub edge_to: Vec<u32>,
    pub strings: Strings,
    /// Closures' source positions, by node (kept for the side whose edges are kept).
    pub locations: Vec<Location>,
}

/// Class names of a graph's nodes, interned in a table that may be shared by
/// two graphs so that their class numbers agree.
#[derive(Default)]
pub struct ClassTable {
    pub names: Vec<String>,
    index: HashMap<String, u32>,
}

impl ClassTable {
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(&c) = self.index.get(name) {
            return c;
        }
        let c = self.names.len() as u32;
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), c);
        c
    }
}

impl Graph {
    pub fn node_count(&self) -> usize {
        self.node_type.len()
    }

    pub fn edge_count(&self) -> usize {
        self.edge_type.len()
    }

    pub fn edges(&self, node: u32) -> std::ops::Range<usize> {
        self.first_edge[node as usize] as usize..self.first_edge[node as usize + 1] as usize
    }

    /// The node whose edge list holds `edge`.
    pub fn edge_owner(&self, edge: usize) -> u32 {
        (self.first_edge.partition_point(|&f| f as usize <= edge) - 1) as u32
    }

    /// The node's self size in bytes.
    #[inline]
    pub fn size(&self, node: u32) -> u64 {
        match self.self_size[node as usize] {
            u32::MAX => self
                .big_sizes
                .get(&node)
                .copied()
                .unwrap_or(u32::MAX as u64),
            s => s as u64,
        }
    }

    /// Edges the file held (the base side of a diff keeps none in memory).
    pub fn edges_in_file(&self) -> u64 {
        self.first_edge.last().copied().unwrap_or(0) as u64
    }

    pub fn type_name(&self, node: u32) -> &str {
        &self.node_types[self.node_type[node as usize] as usize]
    }

    pub fn name(&self, node: u32) -> Cow<'_, str> {
        self.strings.get(self.node_name[node as usize])
    }

    /// DevTools' class name: objects and natives by name, hidden nodes are
    /// `(system)`, code is `(compiled code)`, anything else `(<type>)`.
    pub fn class_name(&self, node: u32) -> Cow<'_, str> {
        let t = self.node_type[node as usize];
        if t == self.ids.object || t == self.ids.native {
            self.name(node)
        } else if t == self.ids.hidden {
            Cow::Borrowed("(system)")
        } else if t == self.ids.code {
            Cow::Borrowed("(compiled code)")
        } else {
            Cow::Owned(format!("({})", self.node_types[t as usize]))
        }
    }

    /// DevTools leaves zero-sized nodes out of its class summaries, natives excepted.
    pub fn is_counted(&self, node: u32) -> bool {
        self.self_size[node as usize] > 0 || self.node_type[node as usize] == self.ids.native
    }

    /// The class number of every node, interned into `table`.
    pub fn classes(&self, table: &mut ClassTable) -> Vec<u32> {
        // Names repeat massively, so cache by string index and by type.
        let mut by_string = vec![NONE; self.strings.len()];
        let mut by_type = vec![NONE; self.node_types.len()];
        (0..self.node_count() as u32)
            .map(|n| {
                let t = self.node_type[n as usize];
                if t == self.ids.object || t == self.ids.native {
                    let s = self.node_name[n as usize] as usize;
                    if by_string[s] == NONE {
                        by_string[s] = table.intern(&self.name(n));
                    }
                    by_string[s]
                } else {
                    if by_type[t as usize] == NONE {
                        by_type[t as usize] = table.intern(&self.class_name(n));
                    }
                    by_type[t as usize]
                }
            })
            .collect()
    }

    /// An edge's label: `[3]` for elements, the number for hidden edges, else its name.
    pub fn edge_label(&self, edge: usize) -> Cow<'_, str> {
        let t = self.edge_type[edge];
        let n = self.edge_name[edge];
        if t == self.ids.edge_element {
            Cow::Owned(format!("[{n}]"))
        } else if t == self.ids.edge_hidden {
            Cow::Owned(n.to_string())
        } else {
            self.strings.get(n)
        }
    }

    /// Where closure `node`'s function starts, if the snapshot says.
    pub fn location(&self, node: u32) -> Option<&Location> {
        let i = self
            .locations
            .binary_search_by_key(&node, |l| l.node)
            .ok()?;
        Some(&self.locations[i])
    }

    /// The name of the script closure `node`'s function comes from, found
    /// through the graph (the `locations` section has only a script id):
    /// closure → `shared` (its SharedFunctionInfo) → `script_or_debug_info`
    /// (V8 of Node 20) or `script`; V8 names a Script node after the script,
    /// and its `name` edge holds the same string.
    pub fn script_name(&self, node: u32) -> Option<Cow<'_, str>> {
        let shared = self.child(node, b"shared")?;
        let script = self
            .child(shared, b"script_or_debug_info")
            .or_else(|| self.child(shared, b"script"))?;
        let own = self.name(script);
        if !own.is_empty() {
            return Some(own);
        }
        self.child(script, b"name").map(|n| self.name(n))
    }

    /// The target of `node`'s first named edge called `name`.
    fn child(&self, node: u32, name: &[u8]) -> Option<u32> {
        self.edges(node)
            .find(|&e| {
                let t = self.edge_type[e];
                t != self.ids.edge_element
                    && t != self.ids.edge_hidden
                    && self.strings.bytes(self.edge_name[e]) == name
            })
            .map(|e| self.edge_to[e])
    }

    /// DevTools' "essential" edges: weak edges never retain, and shortcut edges
    /// only from the root (elsewhere they duplicate a real path).
    #[inline]
    pub fn is_essential(&self, from: u32, edge: usize) -> bool {
        let t = self.edge_type[edge];
        t != self.ids.edge_weak && (t != self.ids.edge_shortcut || from == self.root)
    }
}
