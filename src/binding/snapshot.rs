//! `SnapshotCapture` and helpers: the JS face of [`crate::snapshot`].

use super::error::{throw, Kind};
use crate::snapshot::{self, Capture, Finished, SnapshotError};
use napi::bindgen_prelude::AsyncTask;
use napi::{Env, Error, Result, Status, Task};
use napi_derive::napi;
use std::path::Path;
use std::time::SystemTime;

fn code(e: &SnapshotError) -> &'static str {
    match e {
        SnapshotError::Dir { .. } => "ERR_LEAKGUARD_SNAPSHOT_DIR",
        SnapshotError::Io { .. } => "ERR_LEAKGUARD_SNAPSHOT_IO",
    }
}

fn to_js(env: &Env, e: SnapshotError) -> Error {
    throw(env, Kind::Plain, code(&e), &e.to_string())
}

/// One heap snapshot on its way to disk: V8 writes into `rawPath` (created
/// empty, exclusive, mode 0600); `commit()` checks, compresses if asked, syncs
/// and renames it into place off the JS thread.
#[napi]
pub struct SnapshotCapture {
    capture: Option<Capture>,
    raw: String,
}

/// A snapshot written to its final path.
#[napi(object)]
pub struct SnapshotWritten {
    pub path: String,
    /// Size on disk, in bytes (compressed size when gzipped).
    pub bytes: f64,
}

pub struct CommitTask {
    capture: Option<Capture>,
}

impl Task for CommitTask {
    type Output = Finished;
    type JsValue = SnapshotWritten;

    fn compute(&mut self) -> Result<Finished> {
        let c = self
            .capture
            .take()
            .ok_or_else(|| Error::new(Status::GenericFailure, "snapshot already committed"))?;
        c.commit()
            .map_err(|e| Error::new(Status::GenericFailure, format!("{}: {e}", code(&e))))
    }

    fn resolve(&mut self, _env: Env, out: Finished) -> Result<SnapshotWritten> {
        Ok(SnapshotWritten {
            path: out.path.to_string_lossy().into_owned(),
            bytes: out.bytes as f64,
        })
    }
}

#[napi]
impl SnapshotCapture {
    /// Creates `dir/.name.raw.tmp`, empty, exclusive, mode 0600.
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env, dir: String, name: String, gzip: bool) -> Result<Self> {
        let capture = Capture::begin(Path::new(&dir), &name, gzip).map_err(|e| to_js(&env, e))?;
        let raw = capture.raw_path().to_string_lossy().into_owned();
        Ok(SnapshotCapture {
            capture: Some(capture),
            raw,
        })
    }

    /// The temporary file for `v8.writeHeapSnapshot`.
    #[napi(getter)]
    pub fn raw_path(&self) -> String {
        self.raw.clone()
    }

    /// Checks the snapshot is whole, compresses it if asked, syncs and renames
    /// it into place, off the JS thread. Rejects, leaving nothing, on failure.
    #[napi(catch_unwind)]
    pub fn commit(&mut self) -> AsyncTask<CommitTask> {
        AsyncTask::new(CommitTask {
            capture: self.capture.take(),
        })
    }

    /// Removes the temporary file.
    #[napi(catch_unwind)]
    pub fn abort(&mut self) {
        if let Some(c) = self.capture.take() {
            c.abort();
        }
    }
}

/// `heap-<UTC time>-<pid>-<seq>.heapsnapshot[.gz]` for now.
#[napi(catch_unwind)]
pub fn snapshot_file_name(pid: u32, seq: u32, gzip: bool) -> String {
    snapshot::file_name(SystemTime::now(), pid, seq, gzip)
}

/// Bytes free for an unprivileged writer on the file system holding `dir`.
#[napi(catch_unwind)]
pub fn snapshot_free_bytes(env: Env, dir: String) -> Result<f64> {
    snapshot::free_bytes(Path::new(&dir))
        .map(|b| b as f64)
        .map_err(|e| {
            throw(
                &env,
                Kind::Plain,
                "ERR_LEAKGUARD_SNAPSHOT_DIR",
                &format!("snapshot directory {dir}: {e}"),
            )
        })
}

/// Deletes all but the newest `keep` of leakguard's snapshot files in `dir`;
/// returns the deleted paths.
#[napi(catch_unwind)]
pub fn snapshot_rotate(env: Env, dir: String, keep: u32) -> Result<Vec<String>> {
    snapshot::rotate(Path::new(&dir), keep as usize)
        .map(|v| {
            v.into_iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect()
        })
        .map_err(|e| {
            throw(
                &env,
                Kind::Plain,
                "ERR_LEAKGUARD_SNAPSHOT_IO",
                &format!("rotating {dir}: {e}"),
            )
        })
}
