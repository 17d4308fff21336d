//! `SnapshotCapture` and helpers: the JS face of [`crate::snapshot`].

use super::error::{guard, throw, Kind};
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
        // A panic here (on the libuv pool) would abort the process; it becomes _IO.
        let io = |what| {
            Error::new(
                Status::GenericFailure,
                format!("ERR_LEAKGUARD_SNAPSHOT_IO: {what}"),
            )
        };
        guard(|| c.commit())
            .map_err(io)?
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

/// `hostname` as it goes into snapshot file names: ASCII letters, digits, `.`
/// and `-` kept, anything else `_`, at most 64 characters, `unknown-host` if empty.
#[napi(catch_unwind)]
pub fn snapshot_host_name(hostname: String) -> String {
    snapshot::sanitize_host(&hostname)
}

/// `v` as a count, or a RangeError naming `name` if it is negative.
fn non_negative(env: &Env, name: &str, v: i64) -> Result<u64> {
    u64::try_from(v).map_err(|_| {
        throw(
            env,
            Kind::Range,
            "ERR_LEAKGUARD_OPTION",
            &format!("{name} must be a non-negative integer, got {v}"),
        )
    })
}

/// `<prefix>-<UTC time now>-<host>-<pid>-<seq>.heapsnapshot[.gz]`; `host` as
/// `snapshotHostName` makes it.
#[napi(catch_unwind)]
pub fn snapshot_file_name(
    env: Env,
    prefix: String,
    host: String,
    pid: u32,
    seq: i64,
    gzip: bool,
) -> Result<String> {
    let seq = non_negative(&env, "seq", seq)?;
    Ok(snapshot::file_name(
        &prefix,
        SystemTime::now(),
        &host,
        pid,
        seq,
        gzip,
    ))
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

/// One of this host's snapshot files.
#[napi(object)]
pub struct SnapshotOwnFile {
    pub name: String,
    /// `YYYYMMDDTHHMMSSZ`, UTC.
    pub stamp: String,
    pub pid: f64,
    pub seq: f64,
}

/// `host`'s `prefix` snapshot files in `dir`, oldest first (by time, then pid
/// and seq as numbers).
#[napi(catch_unwind)]
pub fn snapshot_own_files(
    env: Env,
    dir: String,
    prefix: String,
    host: String,
) -> Result<Vec<SnapshotOwnFile>> {
    snapshot::own_files(Path::new(&dir), &prefix, &host)
        .map(|v| {
            v.into_iter()
                .map(|f| SnapshotOwnFile {
                    name: f.name,
                    stamp: f.stamp,
                    pid: f.pid as f64,
                    seq: f.seq as f64,
                })
                .collect()
        })
        .map_err(|e| {
            throw(
                &env,
                Kind::Plain,
                "ERR_LEAKGUARD_SNAPSHOT_DIR",
                &format!("snapshot directory {dir}: {e}"),
            )
        })
}

/// Deletes all but the newest `keep` of `host`'s `prefix` snapshot files in
/// `dir` (a file gone meanwhile is no error); returns the names deleted.
#[napi(catch_unwind)]
pub fn snapshot_rotate(
    env: Env,
    dir: String,
    prefix: String,
    host: String,
    keep: i64,
) -> Result<Vec<String>> {
    // 0 here would delete every file (JS passes keep > 0 only; 0 there means
    // keep all), so a negative count is refused, not read as 0
    let keep = non_negative(&env, "keep", keep)? as usize;
    snapshot::rotate(Path::new(&dir), &prefix, &host, keep).map_err(|e| {
        throw(
            &env,
            Kind::Plain,
            "ERR_LEAKGUARD_SNAPSHOT_IO",
            &format!("rotating {dir}: {e}"),
        )
    })
}

/// Snapshot temporaries removed by `snapshotSweepTemps`.
#[napi(object)]
pub struct SnapshotSwept {
    /// File names, in name order.
    pub files: Vec<String>,
    /// Their total size.
    pub bytes: f64,
}

/// Removes the snapshot temporaries in `dir` no live writer owns: anyone's
/// untouched for an hour, `host`'s of process `pid` from before
/// `processStartMs` (ms since the epoch), and `host`'s of a gone process
/// untouched for 10 minutes. Never throws.
#[napi(catch_unwind)]
pub fn snapshot_sweep_temps(
    dir: String,
    host: String,
    pid: u32,
    process_start_ms: f64,
) -> SnapshotSwept {
    let swept = snapshot::sweep_temps(
        Path::new(&dir),
        &host,
        pid,
        process_start_ms,
        snapshot::unix_ms(),
        snapshot::pid_alive,
    );
    SnapshotSwept {
        files: swept.files,
        bytes: swept.bytes as f64,
    }
}

/// Whether process `pid` runs (`kill(pid, 0)`: EPERM, someone else's, runs too);
/// a number that is no pid (negative, too large) is not running.
#[napi(catch_unwind)]
pub fn snapshot_pid_alive(pid: i64) -> bool {
    u64::try_from(pid).is_ok_and(snapshot::pid_alive)
}
