//! Tests over small snapshots written here as JSON text.

use super::dominators;
use super::graph::{ClassTable, Graph};
use super::reader::{read_from, read_path};
use super::report::{diff_graphs, inspect_graph, Options};

const NODE_TYPES: &str = r#"["hidden","array","string","object","code","closure","regexp","number","native","synthetic","concatenated string","sliced string","symbol","bigint","object shape"]"#;
const EDGE_TYPES: &str =
    r#"["context","element","property","internal","hidden","shortcut","weak"]"#;

/// A node: type index, name, id, self size, edges as (type index, name or index, target node).
type N<'a> = (u32, &'a str, u32, u64, Vec<(u32, &'a str, u32)>);

/// Writes a snapshot whose node fields come in `order` (names from V8's set).
fn snapshot(nodes: &[N], order: &[&str]) -> String {
    snapshot_with_locations(nodes, order, &[])
}

/// As [`snapshot`], with `locations` entries: (node, script id, line, column), 0-based.
fn snapshot_with_locations(nodes: &[N], order: &[&str], locations: &[[u32; 4]]) -> String {
    let mut strings: Vec<String> = vec!["<dummy>".into()];
    let mut intern = |s: &str| -> u32 {
        if let Some(i) = strings.iter().position(|x| x == s) {
            return i as u32;
        }
        strings.push(s.to_string());
        (strings.len() - 1) as u32
    };
    let nf = order.len() as u32;
    let mut node_nums = Vec::new();
    let mut edge_nums = Vec::new();
    for (t, name, id, size, edges) in nodes {
        let name = intern(name);
        for f in order {
            node_nums.push(match *f {
                "type" => *t as u64,
                "name" => name as u64,
                "id" => *id as u64,
                "self_size" => *size,
                "edge_count" => edges.len() as u64,
                // Ids from 1000 up mark detached nodes in these tests.
                "detachedness" if *id >= 1000 => 2,
                _ => 0,
            });
        }
        for (et, en, to) in edges {
            let n = if *et == 1 || *et == 4 {
                en.parse().unwrap()
            } else {
                intern(en)
            };
            edge_nums.extend([*et as u64, n as u64, (*to * nf) as u64]);
        }
    }
    let list = |v: &[u64]| {
        v.iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    let fields = order
        .iter()
        .map(|f| format!("\"{f}\""))
        .collect::<Vec<_>>()
        .join(",");
    let type_slots = order
        .iter()
        .map(|f| {
            if *f == "type" {
                NODE_TYPES.to_string()
            } else {
                "\"number\"".into()
            }
        })
        .collect::<Vec<_>>()
        .join(",");
    let strs = strings
        .iter()
        .map(|s| format!("\"{}\"", s.replace('"', "\\\"")))
        .collect::<Vec<_>>()
        .join(",\n");
    format!(
        "{{\"snapshot\":{{\"meta\":{{\"node_fields\":[{fields}],\"node_types\":[{type_slots}],\
         \"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],\"edge_types\":[{EDGE_TYPES},\"string_or_number\",\"node\"],\
         \"location_fields\":[\"object_index\",\"script_id\",\"line\",\"column\"]}},\
         \"node_count\":{},\"edge_count\":{}}},\n\"nodes\":[{}],\n\"edges\":[{}],\n\"locations\":[{}],\n\"strings\":[{strs}]}}",
        nodes.len(),
        edge_nums.len() / 3,
        list(&node_nums),
        list(&edge_nums),
        list(
            &locations
                .iter()
                .flat_map(|&[n, script, line, col]| [(n * nf) as u64, script as u64, line as u64, col as u64])
                .collect::<Vec<_>>()
        ),
    )
}

const V7: &[&str] = &[
    "type",
    "name",
    "id",
    "self_size",
    "edge_count",
    "trace_node_id",
    "detachedness",
];
const V6_SHUFFLED: &[&str] = &[
    "edge_count",
    "self_size",
    "id",
    "name",
    "type",
    "trace_node_id",
];

fn parse(text: &str) -> Graph {
    read_from(text.as_bytes(), "t.heapsnapshot", text.len() as u64).unwrap()
}

/// root → holder(Holder) → map(Map) → two Leaky; a weak edge to a cached Leaky.
fn leaky(extra: u32) -> Vec<N<'static>> {
    let mut nodes: Vec<N> = vec![
        (9, "", 1, 0, vec![(5, "global", 1), (1, "1", 4)]),
        (3, "Holder", 3, 16, vec![(2, "leaks", 2)]),
        (3, "Map", 5, 32, vec![(3, "table", 3)]),
        (0, "system / OrderedHashMap", 7, 64, vec![]),
        (9, "(GC roots)", 9, 0, vec![(6, "cache", 5)]),
        (3, "Leaky", 11, 40, vec![]),
    ];
    for k in 0..extra {
        let v = nodes.len() as u32;
        nodes[3]
            .4
            .push((1, ["0", "1", "2", "3"][k as usize % 4], v));
        nodes.push((3, "Leaky", 100 + 2 * k, 40, vec![(2, "name", v + 1)]));
        nodes.push((2, "leaky name", 101 + 2 * k, 24, vec![]));
    }
    nodes
}

#[test]
fn the_field_order_comes_from_meta() {
    let a = parse(&snapshot(&leaky(2), V7));
    let b = parse(&snapshot(&leaky(2), V6_SHUFFLED));
    assert_eq!(a.node_count(), 10);
    assert_eq!(a.edge_count(), 9);
    for g in [&a, &b] {
        assert_eq!(g.node_id, vec![1, 3, 5, 7, 9, 11, 100, 101, 102, 103]);
        assert_eq!(g.self_size[2], 32);
        assert_eq!(g.name(2), "Map");
        assert_eq!(g.edge_to, vec![1, 4, 2, 3, 6, 8, 5, 7, 9]);
    }
    assert_eq!(a.edge_label(0), "global");
    assert_eq!(a.edge_label(1), "[1]");
}

#[test]
fn class_names_follow_devtools() {
    let g = parse(&snapshot(&leaky(1), V7));
    let names: Vec<String> = (0..g.node_count() as u32)
        .map(|v| g.class_name(v).into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "(synthetic)",
            "Holder",
            "Map",
            "(system)",
            "(synthetic)",
            "Leaky",
            "Leaky",
            "(string)"
        ]
    );
}

#[test]
fn retained_sizes_skip_weak_edges_and_hang_orphans_under_the_root() {
    let mut nodes = leaky(2);
    // The weakly held Leaky (node 5) now holds a string only it reaches.
    nodes[5].4.push((2, "name", 10));
    nodes.push((2, "orphan's", 200, 8, vec![]));
    let g = parse(&snapshot(&nodes, V7));
    let d = dominators::compute(&g);
    assert_eq!(d.idom, vec![0, 0, 1, 2, 0, 0, 3, 6, 3, 8, 5]);
    assert_eq!(d.retained[5], 48);
    assert_eq!(d.retained[3], 64 + 2 * (40 + 24));
    assert_eq!(d.retained[1], 16 + 32 + 64 + 2 * 64);
    assert_eq!(
        d.retained[0],
        g.self_size.iter().map(|&s| s as u64).sum::<u64>()
    );
}

/// Reference dominators: d dominates v iff removing d cuts v off from the root.
fn reference_idoms(g: &Graph) -> Vec<Option<u32>> {
    let n = g.node_count();
    let reach = |removed: Option<u32>| {
        let mut seen = vec![false; n];
        let mut stack = vec![g.root];
        seen[g.root as usize] = true;
        while let Some(v) = stack.pop() {
            for e in g.edges(v) {
                let to = g.edge_to[e];
                if Some(to) != removed && !seen[to as usize] && g.is_essential(v, e) {
                    seen[to as usize] = true;
                    stack.push(to);
                }
            }
        }
        seen
    };
    let all = reach(None);
    let cut: Vec<Vec<bool>> = (0..n as u32).map(|d| reach(Some(d))).collect();
    (0..n)
        .map(|v| {
            if v as u32 == g.root || !all[v] {
                return None;
            }
            // Strict dominators of v; the immediate one is dominated by all others.
            let doms: Vec<u32> = (0..n as u32)
                .filter(|&d| d as usize != v && (d == g.root || !cut[d as usize][v]))
                .collect();
            doms.iter().copied().find(|&d| {
                doms.iter()
                    .all(|&o| o == d || o == g.root || !cut[o as usize][d as usize])
            })
        })
        .collect()
}

#[test]
fn lengauer_tarjan_matches_a_brute_force_reference_on_random_graphs() {
    let mut seed = 0x2545F4914F6CDD1Du64;
    let mut rnd = |m: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % m
    };
    for round in 0..300 {
        let n = 2 + rnd(24) as u32;
        let mut nodes: Vec<N> = (0..n)
            .map(|i| (3, "X", i * 2 + 1, 1 + i as u64, vec![]))
            .collect();
        for _ in 0..rnd(3 * n as u64) + n as u64 / 2 {
            let (a, b) = (rnd(n as u64) as u32, rnd(n as u64) as u32);
            let t = [2, 2, 2, 3, 6, 5][rnd(6) as usize];
            nodes[a as usize].4.push((t, "e", b));
        }
        let g = parse(&snapshot(&nodes, V7));
        let d = dominators::compute(&g);
        let want = reference_idoms(&g);
        for (v, want) in want.iter().enumerate() {
            if let Some(want) = want {
                assert_eq!(d.idom[v], *want, "round {round}, node {v}");
            }
        }
        // Retained size = own size plus everything dominated, directly from idoms.
        for v in 0..n {
            let mut sum = 0;
            for w in 0..n {
                let mut x = w;
                loop {
                    if x == v {
                        sum += g.size(w);
                        break;
                    }
                    if x == 0 {
                        break;
                    }
                    x = d.idom[x as usize];
                }
            }
            assert_eq!(d.retained[v as usize], sum, "round {round}, node {v}");
        }
    }
}

#[test]
fn a_long_chain_does_not_overflow_the_stack() {
    let n = 300_000u32;
    let nodes: Vec<N> = (0..n)
        .map(|i| {
            (
                3,
                "C",
                i + 1,
                1,
                if i + 1 < n {
                    vec![(2, "next", i + 1)]
                } else {
                    vec![]
                },
            )
        })
        .collect();
    let g = parse(&snapshot(&nodes, V7));
    let d = dominators::compute(&g);
    assert_eq!(d.retained[0], n as u64);
    assert_eq!(d.retained[1], n as u64 - 1);
    let r = inspect_graph(g, "chain", &Options::default());
    // Nested same-class nodes count once: the class retains the whole chain.
    assert_eq!(r.classes[0].retained_size, n as u64);
}

#[test]
fn diff_matches_by_id_and_traces_new_objects_through_the_map() {
    let base = parse(&snapshot(&leaky(1), V7));
    let target = parse(&snapshot(&leaky(5), V7));
    let r = diff_graphs(base, "a", target, "b", &Options::default());
    let names: Vec<&str> = r.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["Leaky", "(string)"]);
    let l = &r.groups[0];
    assert_eq!(
        (l.base_count, l.target_count, l.new_count, l.deleted_count),
        (2, 6, 4, 0)
    );
    assert_eq!(
        (l.allocated_size, l.freed_size, l.size_delta, l.count_delta),
        (160, 0, 160, 4)
    );
    assert_eq!(l.retained_size, 5 * 64 + 40);
    // All four sit in one table: one path, standing for all of them.
    assert_eq!(l.paths.len(), 1);
    assert_eq!((l.path_counts.as_slice(), l.sampled), (&[4][..], 4));
    let chain: Vec<String> = l.paths[0]
        .iter()
        .map(|s| {
            format!(
                "{}{}",
                s.edge_name
                    .as_deref()
                    .map(|e| format!("{e}:"))
                    .unwrap_or_default(),
                s.class_name
            )
        })
        .collect();
    assert_eq!(
        chain,
        [
            "(synthetic)",
            "global:Holder",
            "leaks:Map",
            "table:(system)",
            "[1]:Leaky"
        ]
    );
    assert_eq!(r.new_count, 8);
    assert_eq!((r.base.edge_count, r.target.edge_count), (7, 15));
    assert_eq!(r.size_delta, 4 * 64);
}

#[test]
fn inspect_lists_classes_by_retained_size() {
    let g = parse(&snapshot(&leaky(3), V7));
    let mut t = ClassTable::default();
    assert_eq!(g.classes(&mut t).len(), g.node_count());
    let r = inspect_graph(
        g,
        "x",
        &Options {
            top: 2,
            paths: 0,
            samples: 0,
        },
    );
    assert_eq!(r.class_count, 5);
    assert_eq!(r.classes.len(), 2);
    assert_eq!(r.classes[0].name, "Holder");
    assert_eq!(r.classes[1].name, "Map");
}

#[test]
fn every_truncation_and_corruption_is_an_error_not_a_panic() {
    let text = snapshot(&leaky(3), V7);
    let bytes = text.as_bytes();
    for cut in 0..bytes.len() {
        let r = read_from(&bytes[..cut], "t", cut as u64);
        let e = r
            .err()
            .unwrap_or_else(|| panic!("prefix of {cut} bytes was accepted"));
        assert!(e.offset() <= cut as u64, "{e}");
        // A cut inside a number leaves a smaller number: the end of the file
        // must be reported, not that number's value.
        let m = e.to_string();
        assert!(
            m.contains("file ends early") || m.contains("the file is empty"),
            "prefix of {cut} bytes: {m}"
        );
    }
    for i in 0..bytes.len() {
        for b in [b'9', b'"', b',', b'x', b']'] {
            let mut v = bytes.to_vec();
            v[i] = b;
            // Whatever the reader accepts, the analysis must handle without panicking.
            if let Ok(g) = read_from(&v[..], "t", v.len() as u64) {
                inspect_graph(g, "t", &Options::default());
                let base = read_from(&v[..], "t", v.len() as u64).unwrap();
                let g = read_from(&v[..], "t", v.len() as u64).unwrap();
                diff_graphs(base, "a", g, "b", &Options::default());
            }
        }
    }
    let e = read_from(&b"\x89PNG"[..], "pic.png", 4).err().unwrap();
    assert_eq!(
        e.to_string(),
        "pic.png is not a valid heap snapshot: expected '{' at the start of a heap snapshot, found byte 0x89 (section \"start\", byte 0)"
    );
    let cut = text.find("\"edges\"").unwrap() - 10;
    let e = read_from(&bytes[..cut], "t", 0).err().unwrap();
    assert!(
        e.to_string().contains("file ends early") && e.to_string().contains("section \"nodes\""),
        "{e}"
    );
}

#[test]
fn sizes_past_4_gb_survive() {
    let mut nodes = leaky(1);
    nodes[1].4.push((3, "store", 8));
    nodes.push((8, "BackingStore", 500, 5_000_000_000, vec![]));
    let g = parse(&snapshot(&nodes, V7));
    assert_eq!(g.size(8), 5_000_000_000);
    let d = dominators::compute(&g);
    assert_eq!(d.retained[1], 16 + 32 + 64 + 64 + 5_000_000_000);
    let r = inspect_graph(g, "big", &Options::default());
    assert_eq!(r.classes[0].name, "Holder");
    assert_eq!(r.classes[1].name, "BackingStore");
    assert_eq!(r.classes[1].self_size, 5_000_000_000);
}

#[test]
fn a_repeated_section_is_an_error_naming_it() {
    let text = snapshot(&leaky(2), V7);
    let keys = ["snapshot", "nodes", "edges", "locations", "strings"];
    // Each section runs from its key to the ",\n" before the next, the last to the final '}'.
    let starts: Vec<usize> = keys
        .iter()
        .map(|k| text.find(&format!("\"{k}\":")).unwrap())
        .chain([text.len() + 1])
        .collect();
    for (i, key) in keys.iter().enumerate() {
        let (start, end) = (starts[i], starts[i + 1] - 2);
        let section = &text[start..end];
        // Once right after the first copy, once as the file's last section.
        for at in [end, text.len() - 1] {
            let spliced = format!("{},{section}{}", &text[..at], &text[at..]);
            let e = read_from(spliced.as_bytes(), "t", spliced.len() as u64)
                .err()
                .unwrap_or_else(|| panic!("a second {key:?} was accepted"));
            let want = format!("the \"{key}\" section is repeated (section \"top level\"");
            assert!(e.to_string().contains(&want), "{e}");
        }
    }
    // The review's case: a second, shorter "nodes" array after the first.
    let spliced = text.replacen(",\n\"edges\"", ",\"nodes\":[9,0,1,0,0,0,0],\n\"edges\"", 1);
    let e = read_from(spliced.as_bytes(), "t", spliced.len() as u64)
        .err()
        .unwrap();
    assert!(
        e.to_string()
            .starts_with("t is not a valid heap snapshot: the \"nodes\" section is repeated"),
        "{e}"
    );
}

/// `text` gzip-compressed.
fn gzip(text: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(text).unwrap();
    enc.finish().unwrap()
}

/// A fresh, empty directory for one test.
fn tmpdir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("leakguard-heap-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn a_fifo_is_read_without_seeking_plain_or_gzip() {
    use std::os::unix::ffi::OsStrExt;
    let text = snapshot(&leaky(2), V7);
    let dir = tmpdir("fifo");
    for (name, bytes) in [
        ("plain", text.clone().into_bytes()),
        ("gz", gzip(text.as_bytes())),
    ] {
        let fifo = dir.join(name);
        let c = std::ffi::CString::new(fifo.as_os_str().as_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let writer = std::thread::spawn({
            let fifo = fifo.clone();
            move || std::fs::write(fifo, bytes)
        });
        let g = read_path(&fifo).unwrap_or_else(|e| panic!("{name}: {e}"));
        writer.join().unwrap().unwrap();
        assert_eq!(g.node_count(), 10, "{name}");
        assert_eq!(g.edge_count(), 9, "{name}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn bytes_after_the_snapshot_are_read_and_must_be_whitespace_or_a_valid_gzip_end() {
    let text = snapshot(&leaky(2), V7);
    let read = |bytes: &[u8]| read_from(bytes, "t", bytes.len() as u64).map(|g| g.node_count());
    assert_eq!(read(format!("{text} \n\t\r\n").as_bytes()).unwrap(), 10);
    let e = read(format!("{text}\nGARBAGE\n").as_bytes()).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "t is not a valid heap snapshot: found 'G' after the end of the snapshot (section \"end\", byte {})",
            text.len() + 1
        )
    );
    let e = read(format!("{text}{text}").as_bytes()).unwrap_err();
    assert!(e.to_string().contains("found '{' after the end"), "{e}");

    let gz = gzip(text.as_bytes());
    assert_eq!(read(&gz).unwrap(), 10);
    // The trailer (CRC-32 and length, 8 bytes) cut off, in part or whole.
    for cut in 1..=8 {
        let e = read(&gz[..gz.len() - cut]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("cannot read heap snapshot t at byte "),
            "{e}"
        );
    }
    let mut bad_crc = gz.clone();
    let at = gz.len() - 6;
    bad_crc[at] ^= 0xff;
    let e = read(&bad_crc).unwrap_err();
    assert!(e.to_string().contains("checksum"), "{e}");
    let mut junk = gz.clone();
    junk.extend_from_slice(b"GARBAGE");
    assert!(read(&junk).is_err());
}

/// root → (GC roots) → (Stack roots) → one new Leaky, the lowest id (what the
/// code taking a snapshot holds); root → Holder → Map → table → `in_map` new
/// Leaky after it. Leaky ids start at 100; the base has none.
fn stack_and_map(in_map: u32, with_leaks: bool) -> Vec<N<'static>> {
    let mut nodes: Vec<N> = vec![
        (9, "", 1, 0, vec![(5, "global", 1), (1, "1", 2)]),
        (3, "Holder", 3, 16, vec![(2, "sessions", 4)]),
        (9, "(GC roots)", 5, 0, vec![(1, "7", 3)]),
        (9, "(Stack roots)", 7, 0, vec![]),
        (3, "Map", 9, 32, vec![(3, "table", 5)]),
        (0, "system / OrderedHashMap", 11, 64, vec![]),
    ];
    if with_leaks {
        nodes[3].4.push((4, "57", 6));
        nodes.push((3, "Leaky", 100, 40, vec![]));
        for k in 0..in_map {
            let v = nodes.len() as u32;
            // V8 names a hash table's slots by number on internal edges.
            let slot: &'static str = Box::leak((3 * k + 7).to_string().into_boxed_str());
            nodes[5].4.push((3, slot, v));
            nodes.push((3, "Leaky", 102 + 2 * k, 40, vec![]));
        }
    }
    nodes
}

fn chain(steps: &[super::report::Step]) -> Vec<String> {
    steps
        .iter()
        .map(|s| match &s.edge_name {
            Some(e) => format!("{e}:{}", s.class_name),
            None => s.class_name.clone(),
        })
        .collect()
}

#[test]
fn the_path_most_new_objects_share_comes_first_not_the_lowest_ids() {
    let base = parse(&snapshot(&stack_and_map(0, false), V7));
    let target = parse(&snapshot(&stack_and_map(4, true), V7));
    let r = diff_graphs(base, "a", target, "b", &Options::default());
    let l = &r.groups[0];
    assert_eq!((l.name.as_str(), l.new_count), ("Leaky", 5));
    // The four in the Map differ only in their slot numbers: one path, first.
    assert_eq!(
        chain(&l.paths[0]),
        [
            "(synthetic)",
            "global:Holder",
            "sessions:Map",
            "table:(system)",
            "7:Leaky"
        ]
    );
    assert_eq!(
        chain(&l.paths[1]),
        [
            "(synthetic)",
            "[1]:(synthetic)",
            "[7]:(synthetic)",
            "57:Leaky"
        ]
    );
    assert_eq!(l.paths.len(), 2);
    assert_eq!(l.path_counts, [4, 1]);
    assert_eq!(l.sampled, 5);

    // A tie: the path through the stack (held by the code taking the snapshot) goes last.
    let base = parse(&snapshot(&stack_and_map(0, false), V7));
    let target = parse(&snapshot(&stack_and_map(1, true), V7));
    let one = Options {
        samples: 1,
        ..Options::default()
    };
    let r = diff_graphs(base, "a", target, "b", &one);
    let l = &r.groups[0];
    assert_eq!(chain(&l.paths[0])[2], "sessions:Map");
    assert_eq!((l.path_counts.as_slice(), l.sampled), (&[1][..], 2));
}

/// One process's snapshot: root → Holder → Map → table → `n` objects of
/// `class` with odd ids from `first` up (V8's heap-object ids), plus an
/// embedder node whose even id comes from a pointer.
fn held(class: &'static str, n: u32, first: u32) -> Vec<N<'static>> {
    let mut nodes: Vec<N> = vec![
        (9, "", 1, 0, vec![(5, "global", 1), (1, "1", 2)]),
        (3, "Holder", 3, 16, vec![(2, "sessions", 3)]),
        (8, "Node / Environment", 947_813_952, 0, vec![]),
        (3, "Map", 5, 32, vec![(3, "table", 4)]),
        (0, "system / OrderedHashMap", 7, 64, vec![]),
    ];
    for k in 0..n {
        let v = nodes.len() as u32;
        nodes[4].4.push((1, "0", v));
        nodes.push((3, class, first + 2 * k, 40, vec![]));
    }
    nodes
}

#[test]
fn a_base_newer_than_the_target_is_flagged_but_another_process_is_not() {
    let older = || parse(&snapshot(&held("Leaky", 3, 101), V7));
    let newer = || parse(&snapshot(&held("Leaky", 8, 101), V7));
    let o = Options::default();
    assert!(!diff_graphs(older(), "a", newer(), "b", &o).base_looks_newer);
    // Swapped: every object the base has and the target lacks came later.
    let swapped = diff_graphs(newer(), "b", older(), "a", &o);
    assert_eq!((swapped.new_count, swapped.deleted_count), (0, 5));
    assert!(swapped.base_looks_newer);
    // Another process numbered other objects: its base-only ids interleave
    // with the target's, though the base's highest id is above the target's.
    let other = parse(&snapshot(&held("Other", 4, 101), V7));
    assert!(!diff_graphs(newer(), "b", other, "c", &o).base_looks_newer);
    // Identical snapshots: nothing deleted, nothing to go on.
    let same = diff_graphs(older(), "a", older(), "a", &o);
    assert!(!same.base_looks_newer);
}

/// root → Holder → EventEmitter → `close` Array → listeners: `anonymous`
/// closures made at /app/server.js:30:65 (V8's 0-based 29, 64), then, if
/// `on_close`, one named `onClose` made at 41:3. A closure's function leads to
/// its script through `shared` and `script_or_debug_info` (Node 20) or
/// `script`; the script node is named after it, or (the second one here) holds
/// its name on a `name` edge.
fn listeners(anonymous: u32, on_close: bool) -> (Vec<N<'static>>, Vec<[u32; 4]>) {
    let mut nodes: Vec<N> = vec![
        (9, "", 1, 0, vec![(5, "global", 1)]),
        (3, "Holder", 3, 16, vec![(2, "bus", 2)]),
        (3, "EventEmitter", 5, 32, vec![(2, "close", 3)]),
        (3, "Array", 7, 32, vec![]),
        (4, "/app/server.js", 9, 80, vec![(3, "name", 5)]),
        (2, "/app/server.js", 11, 32, vec![]),
        (4, "", 13, 40, vec![(3, "script_or_debug_info", 4)]),
        (4, "onClose", 15, 40, vec![(3, "script", 8)]),
        (4, "", 17, 80, vec![(3, "name", 5)]),
    ];
    let mut locations = Vec::new();
    let count = anonymous + on_close as u32;
    for k in 0..count {
        let v = nodes.len() as u32;
        let slot: &'static str = Box::leak(k.to_string().into_boxed_str());
        nodes[3].4.push((1, slot, v));
        let (name, shared, at) = if k == anonymous {
            ("onClose", 7, [40, 2])
        } else {
            ("", 6, [29, 64])
        };
        nodes.push((5, name, 101 + 2 * k, 32, vec![(3, "shared", shared)]));
        locations.push([v, 7, at[0], at[1]]);
    }
    (nodes, locations)
}

#[test]
fn closures_in_paths_name_the_line_that_made_them() {
    let (base, base_locs) = listeners(0, false);
    let (target, target_locs) = listeners(3, true);
    let base = parse(&snapshot_with_locations(&base, V7, &base_locs));
    let target = parse(&snapshot_with_locations(&target, V7, &target_locs));
    let r = diff_graphs(base, "a", target, "b", &Options::default());
    let c = r.groups.iter().find(|g| g.name == "(closure)").unwrap();
    assert_eq!(c.new_count, 4);
    // Closures made at different lines are different holders.
    assert_eq!(c.path_counts, [3, 1]);
    let last = |p: &Vec<super::report::Step>| {
        let s = p.last().unwrap();
        (s.name.clone(), s.location.clone())
    };
    assert_eq!(
        last(&c.paths[0]),
        ("".into(), Some("/app/server.js:30:65".into()))
    );
    assert_eq!(
        last(&c.paths[1]),
        ("onClose".into(), Some("/app/server.js:41:3".into()))
    );
    // Only closures carry one.
    assert!(c.paths[0][..4].iter().all(|s| s.location.is_none()));

    // The section may come before the nodes; cut or corrupt, it is an error, never a panic.
    let text = snapshot_with_locations(&listeners(3, true).0, V7, &listeners(3, true).1);
    let g = parse(&text);
    let nodes = text.find("\n\"nodes\"").unwrap();
    let at = text.find("\n\"locations\"").unwrap();
    let end = text.find("\n\"strings\"").unwrap();
    let moved = [
        &text[..nodes],
        &text[at..end],
        &text[nodes..at],
        &text[end..],
    ]
    .concat();
    assert_eq!(parse(&moved).locations, g.locations);
    assert_eq!(g.locations.len(), 4);
    let bytes = text.as_bytes();
    for i in text.find("\"locations\"").unwrap()..end {
        assert!(read_from(&bytes[..i], "t", i as u64).is_err());
        for b in [b'9', b',', b'x', b']'] {
            let mut v = bytes.to_vec();
            v[i] = b;
            let _ = read_from(&v[..], "t", v.len() as u64);
        }
    }
}
