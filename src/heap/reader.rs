//! Streams a `.heapsnapshot` (plain or gzip) into a [`Graph`].
//!
//! The layout comes from `snapshot.meta` (`node_fields`, `node_types`,
//! `edge_fields`, `edge_types`), never from assumptions: V8 writes 6 or 7 node
//! fields depending on version and allocation tracking. Numbers go straight
//! from the byte buffer into columns; sections the analysis does not use
//! (`trace_tree`, `samples`, ...) are skipped without storing them, and of
//! `locations` only closures' entries are kept, for the side whose edges are.

use super::error::HeapError;
use super::graph::{Graph, Location, Strings, TypeIds};
use super::scanner::{show, Json, Res, Scanner};
use std::collections::HashSet;
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// Reads a snapshot file; gzip is recognised by its magic bytes.
pub fn read_path(path: &Path) -> Result<Graph, HeapError> {
    read_path_with(path, true)
}

/// Reads a snapshot file but keeps only its nodes and strings: edges are
/// checked and skipped (the base side of a diff never walks them).
pub fn read_nodes_only(path: &Path) -> Result<Graph, HeapError> {
    read_path_with(path, false)
}

fn read_path_with(path: &Path, keep_edges: bool) -> Result<Graph, HeapError> {
    let name = path.display().to_string();
    let io_err = |source| HeapError::Io {
        path: name.clone(),
        offset: 0,
        source,
        decompressed: false,
    };
    let file = File::open(path).map_err(io_err)?;
    // 0 for a pipe: then nothing is preallocated and the columns just grow.
    let len = file.metadata().map_err(io_err)?.len();
    read_stream(file, &name, len, keep_edges)
}

/// Reads plain or gzip bytes, told apart by gzip's magic bytes. They are
/// read, not peeked by seeking, so pipes and FIFOs work too.
fn read_stream<R: Read>(
    mut src: R,
    name: &str,
    size_bound: u64,
    keep_edges: bool,
) -> Result<Graph, HeapError> {
    let mut magic = Vec::with_capacity(2);
    if let Err(source) = src.by_ref().take(2).read_to_end(&mut magic) {
        return Err(HeapError::Io {
            path: name.to_string(),
            offset: 0,
            source,
            decompressed: false,
        });
    }
    let src = magic.as_slice().chain(src);
    if magic == [0x1f, 0x8b] {
        // Compressed snapshots expand about 5-10x; the bound only limits preallocation.
        let dec = flate2::read::MultiGzDecoder::new(src);
        read_graph(dec, name, size_bound.saturating_mul(16), keep_edges)
            .map_err(HeapError::decompressed)
    } else {
        read_graph(src, name, size_bound, keep_edges)
    }
}

/// Where each field sits in V8's flat arrays.
struct Layout {
    node_fields: usize,
    n_type: usize,
    n_name: usize,
    n_id: usize,
    n_size: usize,
    n_edges: usize,
    /// V8 10+: 0 unknown, 1 attached, 2 detached (embedder objects such as DOM nodes).
    n_detached: Option<usize>,
    edge_fields: usize,
    e_type: usize,
    e_name: usize,
    e_to: usize,
}

/// Where each field sits in a `locations` record.
struct LocationLayout {
    fields: usize,
    object_index: usize,
    script_id: usize,
    line: usize,
    column: usize,
}

struct Header {
    layout: Layout,
    /// None when meta has no usable `location_fields` (the section is then skipped).
    locations: Option<LocationLayout>,
    node_types: Vec<String>,
    edge_types: Vec<String>,
    node_hint: usize,
    /// The most edges the input's size allows (bounds preallocation).
    edge_cap: usize,
    root: u64,
}

/// Reads a snapshot (plain or gzip) from any byte stream. `size_bound`
/// (bytes, an estimate) caps how much the header's counts may preallocate.
pub fn read_from<R: Read>(src: R, name: &str, size_bound: u64) -> Result<Graph, HeapError> {
    read_stream(src, name, size_bound, true)
}

fn read_graph<R: Read>(
    src: R,
    name: &str,
    size_bound: u64,
    keep_edges: bool,
) -> Result<Graph, HeapError> {
    let mut sc = Scanner::new(src, name);
    sc.skip_ws()?;
    match sc.peek()? {
        None => return Err(sc.err("the file is empty")),
        Some(b'{') => {}
        Some(b) => {
            return Err(sc.err(format!(
                "expected '{{' at the start of a heap snapshot, found {}",
                show(b)
            )))
        }
    }
    sc.expect(b'{')?;
    let mut header: Option<Header> = None;
    let mut g = Graph {
        node_types: Vec::new(),
        edge_types: Vec::new(),
        ids: TypeIds {
            hidden: u8::MAX,
            object: u8::MAX,
            native: u8::MAX,
            code: u8::MAX,
            synthetic: u8::MAX,
            closure: u8::MAX,
            edge_element: u8::MAX,
            edge_hidden: u8::MAX,
            edge_weak: u8::MAX,
            edge_shortcut: u8::MAX,
        },
        root: 0,
        node_type: Vec::new(),
        node_name: Vec::new(),
        node_id: Vec::new(),
        self_size: Vec::new(),
        big_sizes: Default::default(),
        first_edge: Vec::new(),
        edge_type: Vec::new(),
        edge_name: Vec::new(),
        edge_to: Vec::new(),
        strings: Strings::default(),
        locations: Vec::new(),
    };
    let (mut have_nodes, mut have_edges, mut have_strings) = (false, false, false);
    let mut detached = Vec::new();
    // A key seen twice (two files spliced together, say) is refused: a second
    // "snapshot" or "nodes" would leave the columns out of step with each other.
    let mut seen = HashSet::new();
    if !sc.at_close(b'}')? {
        loop {
            sc.section = "top level";
            let key = sc.read_string()?;
            if !seen.insert(key.clone()) {
                return Err(sc.err(format!("the \"{key}\" section is repeated")));
            }
            sc.expect(b':')?;
            match key.as_str() {
                "snapshot" => {
                    sc.section = "snapshot";
                    let h = parse_header(&mut sc, size_bound)?;
                    g.node_types = h.node_types.clone();
                    g.edge_types = h.edge_types.clone();
                    g.ids = type_ids(&h);
                    header = Some(h);
                }
                "nodes" => {
                    sc.section = "nodes";
                    let Some(h) = &header else {
                        return Err(sc.err("\"nodes\" comes before \"snapshot\" and its meta"));
                    };
                    read_nodes(&mut sc, h, &mut g, &mut detached)?;
                    have_nodes = true;
                }
                "edges" => {
                    sc.section = "edges";
                    let (Some(h), true) = (&header, have_nodes) else {
                        return Err(sc.err("\"edges\" comes before \"nodes\""));
                    };
                    read_edges(&mut sc, h, &mut g, keep_edges)?;
                    have_edges = true;
                }
                "locations" if keep_edges => {
                    sc.section = "locations";
                    let Some(h) = &header else {
                        return Err(sc.err("\"locations\" comes before \"snapshot\" and its meta"));
                    };
                    read_locations(&mut sc, h, &mut g)?;
                }
                "strings" => {
                    sc.section = "strings";
                    read_strings(&mut sc, &mut g.strings)?;
                    have_strings = true;
                }
                _ => {
                    sc.section = "skipped section";
                    sc.skip_value()?;
                }
            }
            sc.section = "top level";
            if !sc.comma_or(b'}')? {
                break;
            }
        }
    }
    sc.section = "end";
    // Read to the end of the input: anything but whitespace after the
    // snapshot means a damaged or spliced file, and a gzip stream's length
    // and CRC-32 are only checked once the decoder reaches its trailer.
    sc.skip_ws()?;
    if let Some(b) = sc.peek()? {
        return Err(sc.err(format!("found {} after the end of the snapshot", show(b))));
    }
    for (present, what) in [
        (header.is_some(), "snapshot"),
        (have_nodes, "nodes"),
        (have_edges, "edges"),
        (have_strings, "strings"),
    ] {
        if !present {
            return Err(sc.err(format!("the \"{what}\" section is missing")));
        }
    }
    let root = header.map(|h| h.root).unwrap_or(0);
    validate(&mut sc, &mut g, root)?;
    name_detached(&mut g, &detached);
    Ok(g)
}

fn str_list(v: Option<&Json>) -> Option<Vec<String>> {
    match v? {
        Json::Arr(items) => items
            .iter()
            .map(|i| match i {
                Json::Str(s) => Some(s.clone()),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

fn parse_header<R: Read>(sc: &mut Scanner<R>, size_bound: u64) -> Res<Header> {
    let v = sc.parse_value()?;
    let Some(meta) = v.get("meta") else {
        return Err(sc.err("\"snapshot\" has no \"meta\""));
    };
    let field_list = |key: &str| {
        str_list(meta.get(key)).ok_or_else(|| {
            sc.err(format!(
                "snapshot.meta.{key} is missing or not a list of strings"
            ))
        })
    };
    let node_fields = field_list("node_fields")?;
    let edge_fields = field_list("edge_fields")?;
    let pos = |fields: &[String], list: &str, name: &str| {
        fields
            .iter()
            .position(|f| f == name)
            .ok_or_else(|| sc.err(format!("snapshot.meta.{list} has no \"{name}\" field")))
    };
    let layout = Layout {
        node_fields: node_fields.len(),
        n_type: pos(&node_fields, "node_fields", "type")?,
        n_name: pos(&node_fields, "node_fields", "name")?,
        n_id: pos(&node_fields, "node_fields", "id")?,
        n_size: pos(&node_fields, "node_fields", "self_size")?,
        n_edges: pos(&node_fields, "node_fields", "edge_count")?,
        n_detached: node_fields.iter().position(|f| f == "detachedness"),
        edge_fields: edge_fields.len(),
        e_type: pos(&edge_fields, "edge_fields", "type")?,
        e_name: pos(&edge_fields, "edge_fields", "name_or_index")?,
        e_to: pos(&edge_fields, "edge_fields", "to_node")?,
    };
    // `node_types[i]` describes field i; the type field's entry is the list of type names.
    let types = |key: &str, at: usize| match meta.get(key) {
        Some(Json::Arr(items)) => str_list(items.get(at))
            .filter(|t| !t.is_empty() && t.len() < 255)
            .ok_or_else(|| {
                sc.err(format!(
                    "snapshot.meta.{key}[{at}] is not a list of type names"
                ))
            }),
        _ => Err(sc.err(format!("snapshot.meta.{key} is missing"))),
    };
    let node_types = types("node_types", layout.n_type)?;
    let edge_types = types("edge_types", layout.e_type)?;
    let count = |key: &str| match v.get(key) {
        Some(Json::Num(n)) if *n >= 0.0 => *n as u64,
        _ => 0,
    };
    // Each number takes at least 2 bytes ("0,"), which bounds a corrupt count.
    let node_hint = count("node_count").min(size_bound / (2 * layout.node_fields as u64));
    let edge_cap = size_bound / (2 * layout.edge_fields as u64);
    // Source positions are extra: a file without them (or with other fields) still reads.
    let locations = str_list(meta.get("location_fields")).and_then(|f| {
        let at = |name: &str| f.iter().position(|x| x == name);
        Some(LocationLayout {
            fields: f.len(),
            object_index: at("object_index")?,
            script_id: at("script_id")?,
            line: at("line")?,
            column: at("column")?,
        })
    });
    let root = count("root_index") / layout.node_fields as u64;
    Ok(Header {
        layout,
        locations,
        node_types,
        edge_types,
        node_hint: node_hint as usize,
        edge_cap: edge_cap as usize,
        root,
    })
}

fn type_ids(h: &Header) -> TypeIds {
    let find = |list: &[String], name: &str| {
        list.iter()
            .position(|t| t == name)
            .map_or(u8::MAX, |p| p as u8)
    };
    TypeIds {
        hidden: find(&h.node_types, "hidden"),
        object: find(&h.node_types, "object"),
        native: find(&h.node_types, "native"),
        code: find(&h.node_types, "code"),
        synthetic: find(&h.node_types, "synthetic"),
        closure: find(&h.node_types, "closure"),
        edge_element: find(&h.edge_types, "element"),
        edge_hidden: find(&h.edge_types, "hidden"),
        edge_weak: find(&h.edge_types, "weak"),
        edge_shortcut: find(&h.edge_types, "shortcut"),
    }
}

/// What one position of a node or edge record holds.
#[derive(Clone, Copy, PartialEq)]
enum Role {
    Type,
    Name,
    Id,
    Size,
    EdgeCount,
    Detached,
    To,
    Skip,
}

fn roles(fields: usize, of: &[(usize, Role)]) -> Vec<Role> {
    let mut r = vec![Role::Skip; fields];
    for &(at, role) in of {
        r[at] = role;
    }
    r
}

fn read_nodes<R: Read>(
    sc: &mut Scanner<R>,
    h: &Header,
    g: &mut Graph,
    detached: &mut Vec<u32>,
) -> Res<()> {
    let l = &h.layout;
    let n = h.node_hint;
    g.node_type.reserve_exact(n);
    g.node_name.reserve_exact(n);
    g.node_id.reserve_exact(n);
    g.self_size.reserve_exact(n);
    g.first_edge.reserve_exact(n + 1);
    let mut of = vec![
        (l.n_type, Role::Type),
        (l.n_name, Role::Name),
        (l.n_id, Role::Id),
        (l.n_size, Role::Size),
        (l.n_edges, Role::EdgeCount),
    ];
    if let Some(d) = l.n_detached {
        of.push((d, Role::Detached));
    }
    let roles = roles(l.node_fields, &of);
    let nf = l.node_fields as u64;
    let type_count = h.node_types.len() as u64;
    let mut field = 0usize;
    let mut total_edges = 0u64;
    let count = sc.read_u64_array(|i, v| {
        match roles[field] {
            Role::Type => {
                if v >= type_count {
                    return Err(format!(
                        "node {} has type {v}, but meta lists {type_count} node types",
                        i / nf
                    ));
                }
                g.node_type.push(v as u8);
            }
            Role::Name => g
                .node_name
                .push(u32::try_from(v).map_err(|_| format!("node {} names string {v}", i / nf))?),
            Role::Id => g.node_id.push(
                u32::try_from(v).map_err(|_| format!("node {} has id {v}, above 2^32", i / nf))?,
            ),
            Role::Size => {
                if v >= u32::MAX as u64 {
                    g.big_sizes.insert((i / nf) as u32, v);
                }
                g.self_size.push(v.min(u32::MAX as u64) as u32);
            }
            Role::EdgeCount => {
                g.first_edge.push(total_edges as u32);
                total_edges += v;
                if total_edges > u32::MAX as u64 - 1 {
                    return Err(format!("edge counts add up past 2^32 at node {}", i / nf));
                }
            }
            Role::Detached if v == 2 => detached.push((i / nf) as u32),
            _ => {}
        }
        field += 1;
        if field == roles.len() {
            field = 0;
        }
        Ok(())
    })?;
    if count % nf != 0 {
        return Err(sc.err(format!(
            "the nodes array holds {count} numbers, not a multiple of its {nf} fields"
        )));
    }
    if count / nf >= u32::MAX as u64 {
        return Err(sc.err("more than 2^32 nodes"));
    }
    g.first_edge.push(total_edges as u32);
    Ok(())
}

fn read_edges<R: Read>(sc: &mut Scanner<R>, h: &Header, g: &mut Graph, keep: bool) -> Res<()> {
    let l = &h.layout;
    let expected = *g.first_edge.last().unwrap_or(&0) as u64;
    let n = if keep {
        (expected as usize).min(h.edge_cap)
    } else {
        0
    };
    g.edge_type.reserve_exact(n);
    g.edge_name.reserve_exact(n);
    g.edge_to.reserve_exact(n);
    let roles = roles(
        l.edge_fields,
        &[
            (l.e_type, Role::Type),
            (l.e_name, Role::Name),
            (l.e_to, Role::To),
        ],
    );
    let ef = l.edge_fields as u64;
    let type_count = h.edge_types.len() as u64;
    let nodes = g.node_type.len() as u64;
    let nf = l.node_fields as u64;
    let mut field = 0usize;
    let mut left = expected;
    let count = sc.read_u64_array(|i, v| {
        if field == 0 {
            if left == 0 {
                return Err(format!(
                    "more edges than the nodes' edge counts add up to ({expected})"
                ));
            }
            left -= 1;
        }
        match roles[field] {
            Role::Type => {
                if v >= type_count {
                    return Err(format!(
                        "edge {} has type {v}, but meta lists {type_count} edge types",
                        i / ef
                    ));
                }
                if keep {
                    g.edge_type.push(v as u8);
                }
            }
            Role::Name => {
                let name = u32::try_from(v).map_err(|_| format!("edge {} names {v}", i / ef))?;
                if keep {
                    g.edge_name.push(name);
                }
            }
            Role::To => {
                if v % nf != 0 || v / nf >= nodes {
                    return Err(format!(
                        "edge {} points to {v}, which is not a node ({nodes} nodes of {nf} fields)",
                        i / ef
                    ));
                }
                if keep {
                    g.edge_to.push((v / nf) as u32);
                }
            }
            _ => {}
        }
        field += 1;
        if field == roles.len() {
            field = 0;
        }
        Ok(())
    })?;
    if count != expected * ef {
        return Err(sc.err(format!(
            "the edges array holds {count} numbers; the nodes' edge counts call for {} ({expected} edges of {ef} fields)",
            expected * ef
        )));
    }
    Ok(())
}

/// Keeps closures' entries of `locations` (all of them if it comes before
/// `nodes`; [`validate`] then drops the rest).
fn read_locations<R: Read>(sc: &mut Scanner<R>, h: &Header, g: &mut Graph) -> Res<()> {
    let Some(l) = &h.locations else {
        return sc.skip_value();
    };
    let nf = h.layout.node_fields as u64;
    let lf = l.fields as u64;
    let nodes_read = !g.node_type.is_empty();
    let mut rec = vec![0u32; l.fields];
    let mut field = 0usize;
    let count = sc.read_u64_array(|i, v| {
        rec[field] =
            u32::try_from(v).map_err(|_| format!("location {} holds {v}, above 2^32", i / lf))?;
        field += 1;
        if field < l.fields {
            return Ok(());
        }
        field = 0;
        let at = rec[l.object_index] as u64;
        if !at.is_multiple_of(nf) {
            return Err(format!(
                "location {} names object_index {at}, which is not a node",
                i / lf
            ));
        }
        let node = (at / nf) as u32;
        if nodes_read && node as usize >= g.node_type.len() {
            return Err(format!(
                "location {} names node {node}, but there are {} nodes",
                i / lf,
                g.node_type.len()
            ));
        }
        if !nodes_read || g.node_type[node as usize] == g.ids.closure {
            g.locations.push(Location {
                node,
                script_id: rec[l.script_id],
                line: rec[l.line],
                column: rec[l.column],
            });
        }
        Ok(())
    })?;
    if count % lf != 0 {
        return Err(sc.err(format!(
            "the locations array holds {count} numbers, not a multiple of its {lf} fields"
        )));
    }
    Ok(())
}

fn read_strings<R: Read>(sc: &mut Scanner<R>, s: &mut Strings) -> Res<()> {
    sc.expect(b'[')?;
    if sc.at_close(b']')? {
        return Ok(());
    }
    loop {
        sc.read_string_into(&mut s.data)?;
        s.ends.push(s.data.len());
        if !sc.comma_or(b']')? {
            return Ok(());
        }
    }
}

/// Cross-section checks that only make sense once everything is read.
fn validate<R: Read>(sc: &mut Scanner<R>, g: &mut Graph, root: u64) -> Res<()> {
    sc.section = "strings";
    let strings = g.strings.len() as u32;
    if let Some(n) = g.node_name.iter().position(|&s| s >= strings) {
        return Err(sc.err(format!(
            "node {n} names string {}, but there are {strings} strings",
            g.node_name[n]
        )));
    }
    for e in 0..g.edge_count() {
        let t = g.edge_type[e];
        if t != g.ids.edge_element && t != g.ids.edge_hidden && g.edge_name[e] >= strings {
            return Err(sc.err(format!(
                "edge {e} names string {}, but there are {strings} strings",
                g.edge_name[e]
            )));
        }
    }
    sc.section = "locations";
    let nodes = g.node_count() as u32;
    if let Some(l) = g.locations.iter().find(|l| l.node >= nodes) {
        return Err(sc.err(format!(
            "a location names node {}, but there are {nodes} nodes",
            l.node
        )));
    }
    let closure = g.ids.closure;
    let types = &g.node_type;
    g.locations.retain(|l| types[l.node as usize] == closure);
    g.locations.sort_unstable_by_key(|l| l.node);
    sc.section = "snapshot";
    if root >= g.node_count() as u64 {
        return Err(sc.err(format!(
            "the root node {root} is outside the {} nodes",
            g.node_count()
        )));
    }
    g.root = root as u32;
    Ok(())
}

/// Names detached nodes "Detached <name>", as DevTools and memlab show them.
fn name_detached(g: &mut Graph, detached: &[u32]) {
    let mut renamed = std::collections::HashMap::new();
    for &v in detached {
        let old = g.node_name[v as usize];
        let new = *renamed.entry(old).or_insert_with(|| {
            let name = format!("Detached {}", g.strings.get(old));
            g.strings.data.extend_from_slice(name.as_bytes());
            g.strings.ends.push(g.strings.data.len());
            (g.strings.ends.len() - 1) as u32
        });
        g.node_name[v as usize] = new;
    }
}
