//! `compareSnapshots` / `inspectSnapshot`: the JS face of [`crate::heap`].
//! The async forms read and analyse on the libuv pool; the sync forms block.

// Test builds do not register exports with Node, so free functions look unused there.
#![cfg_attr(test, allow(dead_code))]

use super::error::{guard, throw, Kind};
use crate::heap::{self, report};
use napi::bindgen_prelude::{AsyncTask, FromNapiValue, Unknown};
use napi::{sys, Env, Error, Result, Status, Task};
use napi_derive::napi;

const CODE: &str = "ERR_LEAKGUARD_SNAPSHOT";

/// Analysis options (validated by the JS wrapper, which owns the messages).
#[napi(object)]
pub struct HeapOptions {
    /// Classes listed in the report. Default 20.
    pub top: Option<u32>,
    /// How many of the top growing classes get retainer paths (diff only). Default 5.
    pub paths: Option<u32>,
    /// Retainer paths per traced class: the distinct paths most of its sampled new objects share, most common first (diff only). Default 3.
    pub samples: Option<u32>,
}

fn options_of(o: Option<HeapOptions>) -> heap::Options {
    let d = heap::Options::default();
    let Some(o) = o else { return d };
    heap::Options {
        top: o.top.map_or(d.top, |v| v as usize),
        paths: o.paths.map_or(d.paths, |v| v as usize),
        samples: o.samples.map_or(d.samples, |v| v as usize),
    }
}

/// Size and shape of one snapshot file.
#[napi(object)]
pub struct SnapshotSummary {
    pub path: String,
    pub node_count: f64,
    pub edge_count: f64,
    /// Sum of all self sizes, in bytes.
    pub total_size: f64,
}

/// One class (DevTools' constructor grouping) in one snapshot.
#[napi(object)]
pub struct ClassSummary {
    pub name: String,
    pub count: f64,
    /// Bytes held by the objects themselves.
    pub self_size: f64,
    /// Bytes freed if every object of the class went away (nested same-class objects counted once).
    pub retained_size: f64,
}

/// `inspectSnapshot`'s result.
#[napi(object)]
pub struct SnapshotInspection {
    pub snapshot: SnapshotSummary,
    /// Classes in the snapshot; `classes` lists the `top` by retained size.
    pub class_count: f64,
    pub classes: Vec<ClassSummary>,
}

/// One hop of a retainer path: the edge followed (absent for the root) and the node reached.
#[napi(object)]
pub struct PathStep {
    /// `property`, `element`, `context`, `internal`, `hidden`, `shortcut`.
    pub edge_type: Option<String>,
    /// Property or variable name, `[i]` for elements.
    pub edge_name: Option<String>,
    pub class_name: String,
    /// The node's own name (a string's text, a function's name), cut at 120 characters.
    pub name: String,
    pub node_type: String,
    /// V8's node id, as shown by DevTools (`@id`).
    pub id: u32,
    pub self_size: f64,
    /// For a closure: where its function is defined, `file:line:column` (1-based), from the snapshot's source positions.
    pub location: Option<String>,
}

/// One class's change between two snapshots.
#[napi(object)]
pub struct ClassDiff {
    pub name: String,
    pub base_count: f64,
    pub target_count: f64,
    /// Objects only in the target.
    pub new_count: f64,
    /// Objects only in the base.
    pub deleted_count: f64,
    pub count_delta: f64,
    /// Self size of the new objects, in bytes.
    pub allocated_size: f64,
    /// Self size of the deleted objects, in bytes.
    pub freed_size: f64,
    pub size_delta: f64,
    /// The class's retained size in the target, in bytes.
    pub retained_size: f64,
    /// Shortest retainer paths from the root to sampled new objects: one per group of objects whose paths end in the same 4 hops, largest group first.
    pub retainer_paths: Vec<Vec<PathStep>>,
    /// For each of `retainerPaths`, how many of the sampled new objects share its last hops.
    pub retainer_path_counts: Vec<u32>,
    /// New objects whose paths were grouped: all up to 1000, else 1000 spread over the id range; 0 if the class is not traced.
    pub sampled_count: u32,
}

/// `compareSnapshots`'s result.
#[napi(object)]
pub struct SnapshotDiff {
    pub base: SnapshotSummary,
    pub target: SnapshotSummary,
    /// Classes with any new or deleted object; `classes` lists the `top` by size delta.
    pub changed_classes: f64,
    pub new_count: f64,
    pub deleted_count: f64,
    pub size_delta: f64,
    /// True when `base` looks like a later snapshot than `target`: nearly all objects only `base` holds have ids above every id in `target`, while V8's ids only grow within a process. The arguments are probably swapped (snapshots of other processes number other objects, so their ids interleave instead).
    pub base_looks_newer: bool,
    pub classes: Vec<ClassDiff>,
}

fn summary(s: report::SnapshotInfo) -> SnapshotSummary {
    SnapshotSummary {
        path: s.path,
        node_count: s.node_count as f64,
        edge_count: s.edge_count as f64,
        total_size: s.total_size as f64,
    }
}

fn inspection(r: report::InspectReport) -> SnapshotInspection {
    SnapshotInspection {
        snapshot: summary(r.snapshot),
        class_count: r.class_count as f64,
        classes: r
            .classes
            .into_iter()
            .map(|c| ClassSummary {
                name: c.name,
                count: c.count as f64,
                self_size: c.self_size as f64,
                retained_size: c.retained_size as f64,
            })
            .collect(),
    }
}

fn step(s: report::Step) -> PathStep {
    PathStep {
        edge_type: s.edge_type,
        edge_name: s.edge_name,
        class_name: s.class_name,
        name: s.name,
        node_type: s.node_type,
        id: s.id,
        self_size: s.self_size as f64,
        location: s.location,
    }
}

fn snapshot_diff(r: report::DiffReport) -> SnapshotDiff {
    SnapshotDiff {
        base: summary(r.base),
        target: summary(r.target),
        changed_classes: r.changed_classes as f64,
        new_count: r.new_count as f64,
        deleted_count: r.deleted_count as f64,
        size_delta: r.size_delta as f64,
        base_looks_newer: r.base_looks_newer,
        classes: r
            .groups
            .into_iter()
            .map(|g| ClassDiff {
                name: g.name,
                base_count: g.base_count as f64,
                target_count: g.target_count as f64,
                new_count: g.new_count as f64,
                deleted_count: g.deleted_count as f64,
                count_delta: g.count_delta as f64,
                allocated_size: g.allocated_size as f64,
                freed_size: g.freed_size as f64,
                size_delta: g.size_delta as f64,
                retained_size: g.retained_size as f64,
                retainer_paths: g
                    .paths
                    .into_iter()
                    .map(|p| p.into_iter().map(step).collect())
                    .collect(),
                retainer_path_counts: g.path_counts.iter().map(|&c| c as u32).collect(),
                sampled_count: g.sampled as u32,
            })
            .collect(),
    }
}

/// The JS error a failed read becomes, as a value a Promise can reject with.
fn rejection(env: &Env, message: &str) -> Error {
    let _ = throw(env, Kind::Plain, CODE, message);
    let mut exc = std::ptr::null_mut();
    // SAFETY: on the JS thread; takes back the error `throw` just raised.
    let ok = unsafe { sys::napi_get_and_clear_last_exception(env.raw(), &mut exc) };
    if ok != sys::Status::napi_ok || exc.is_null() {
        return Error::new(Status::GenericFailure, message.to_string());
    }
    // SAFETY: `exc` is a live value of this env.
    match unsafe { Unknown::from_napi_value(env.raw(), exc) } {
        Ok(v) => Error::from(v),
        Err(e) => e,
    }
}

/// Runs one analysis; a read error or a panic (a bug, never an abort) becomes
/// the message of an `ERR_LEAKGUARD_SNAPSHOT` error.
fn analyse<T>(
    f: impl FnOnce() -> std::result::Result<T, heap::HeapError>,
) -> std::result::Result<T, String> {
    guard(f).and_then(|r| r.map_err(|e| e.to_string()))
}

/// A failed `compute`, carried to `reject` (which adds the code).
fn failed(message: String) -> Error {
    Error::new(Status::GenericFailure, message)
}

pub struct CompareTask {
    base: String,
    target: String,
    options: heap::Options,
}

impl Task for CompareTask {
    type Output = report::DiffReport;
    type JsValue = SnapshotDiff;

    fn compute(&mut self) -> Result<Self::Output> {
        analyse(|| heap::diff(&self.base, &self.target, &self.options)).map_err(failed)
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> Result<Self::JsValue> {
        Ok(snapshot_diff(output))
    }

    fn reject(&mut self, env: Env, err: Error) -> Result<Self::JsValue> {
        Err(rejection(&env, &err.reason))
    }
}

pub struct InspectTask {
    path: String,
    options: heap::Options,
}

impl Task for InspectTask {
    type Output = report::InspectReport;
    type JsValue = SnapshotInspection;

    fn compute(&mut self) -> Result<Self::Output> {
        analyse(|| heap::inspect(&self.path, &self.options)).map_err(failed)
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> Result<Self::JsValue> {
        Ok(inspection(output))
    }

    fn reject(&mut self, env: Env, err: Error) -> Result<Self::JsValue> {
        Err(rejection(&env, &err.reason))
    }
}

/// Compares two heap snapshot files (`.heapsnapshot`, plain or gzip) off the JS
/// thread: per class, objects new in `target` and gone since `base`, matched by
/// V8 node id, with retainer paths for the top growing classes.
#[napi(catch_unwind, ts_return_type = "Promise<SnapshotDiff>")]
pub fn compare_snapshots(
    base: String,
    target: String,
    options: Option<HeapOptions>,
) -> AsyncTask<CompareTask> {
    AsyncTask::new(CompareTask {
        base,
        target,
        options: options_of(options),
    })
}

/// `compareSnapshots`, blocking the calling thread.
#[napi(catch_unwind)]
pub fn compare_snapshots_sync(
    env: Env,
    base: String,
    target: String,
    options: Option<HeapOptions>,
) -> Result<SnapshotDiff> {
    match analyse(|| heap::diff(&base, &target, &options_of(options))) {
        Ok(r) => Ok(snapshot_diff(r)),
        Err(message) => Err(throw(&env, Kind::Plain, CODE, &message)),
    }
}

/// Summarises one heap snapshot file off the JS thread: per class, count,
/// self size and retained size (from the dominator tree).
#[napi(catch_unwind, ts_return_type = "Promise<SnapshotInspection>")]
pub fn inspect_snapshot(path: String, options: Option<HeapOptions>) -> AsyncTask<InspectTask> {
    AsyncTask::new(InspectTask {
        path,
        options: options_of(options),
    })
}

/// `inspectSnapshot`, blocking the calling thread.
#[napi(catch_unwind)]
pub fn inspect_snapshot_sync(
    env: Env,
    path: String,
    options: Option<HeapOptions>,
) -> Result<SnapshotInspection> {
    match analyse(|| heap::inspect(&path, &options_of(options))) {
        Ok(r) => Ok(inspection(r)),
        Err(message) => Err(throw(&env, Kind::Plain, CODE, &message)),
    }
}
