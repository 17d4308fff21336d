//! A snapshot file written on a background thread, renamed into place when whole.

use flate2::write::GzEncoder;
use flate2::Compression;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::thread::JoinHandle;

/// Chunks queued for the writer thread at most: with [`CHUNK`]-sized chunks,
/// 4 MiB of the snapshot in memory, in a process that may be near its limit.
const QUEUE: usize = 64;

/// The size of the chunks to [`SnapshotFile::write`]: reading the snapshot
/// outruns gzip, so the queue stays full and its bytes are `QUEUE × CHUNK`.
pub(super) const CHUNK: usize = 64 << 10;

#[derive(Debug)]
pub enum SnapshotError {
    /// The directory is missing, not a directory, or not writable.
    Dir { dir: PathBuf, reason: String },
    /// Writing, syncing or renaming failed.
    Io { path: PathBuf, reason: String },
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SnapshotError::Dir { dir, reason } => {
                write!(f, "snapshot directory {}: {reason}", dir.display())
            }
            SnapshotError::Io { path, reason } => write!(f, "writing {}: {reason}", path.display()),
        }
    }
}

impl std::error::Error for SnapshotError {}

/// A finished snapshot: its final path and size on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    pub path: PathBuf,
    pub bytes: u64,
}

pub struct SnapshotFile {
    tmp: PathBuf,
    path: PathBuf,
    tx: Option<SyncSender<Vec<u8>>>,
    worker: Option<JoinHandle<io::Result<u64>>>,
    done: bool,
}

fn io_err(path: &Path, e: impl fmt::Display) -> SnapshotError {
    SnapshotError::Io {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// Writes every chunk it receives; returns the bytes written once the sender
/// hangs up, after flushing and syncing the file.
fn drain(file: File, gzip: bool, rx: std::sync::mpsc::Receiver<Vec<u8>>) -> io::Result<u64> {
    let out = CountingWriter {
        inner: BufWriter::with_capacity(1 << 20, file),
        bytes: 0,
    };
    let mut out = if gzip {
        Sink::Gzip(GzEncoder::new(out, Compression::new(4)))
    } else {
        Sink::Plain(out)
    };
    for chunk in rx {
        out.write_all(&chunk)?;
    }
    let mut counting = match out {
        Sink::Gzip(g) => g.finish()?,
        Sink::Plain(p) => p,
    };
    counting.flush()?;
    let bytes = counting.bytes;
    let file = counting.inner.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    Ok(bytes)
}

enum Sink {
    Plain(CountingWriter),
    Gzip(GzEncoder<CountingWriter>),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Plain(w) => w.write(buf),
            Sink::Gzip(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Plain(w) => w.flush(),
            Sink::Gzip(w) => w.flush(),
        }
    }
}

struct CountingWriter {
    inner: BufWriter<File>,
    bytes: u64,
}

impl Write for CountingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Creates `tmp` in `dir`: new (never an existing file), mode 0600. A missing
/// directory, a non-directory, a permission problem or a read-only file system
/// is a `Dir` error.
pub(super) fn create_private(dir: &Path, tmp: &Path) -> Result<File, SnapshotError> {
    let dir_err = |reason: String| SnapshotError::Dir {
        dir: dir.to_path_buf(),
        reason,
    };
    match fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(dir_err("not a directory".into())),
        Err(e) => return Err(dir_err(e.to_string())),
    }
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(tmp)
        .map_err(|e| match e.kind() {
            io::ErrorKind::PermissionDenied => dir_err("not writable (permission denied)".into()),
            // a read-only mount (a volume mounted :ro, readOnlyRootFilesystem)
            io::ErrorKind::ReadOnlyFilesystem => {
                dir_err("not writable (read-only file system)".into())
            }
            _ => io_err(tmp, e),
        })
}

impl SnapshotFile {
    /// Creates `dir/.name.tmp` (exclusive, 0600) and starts the writer thread.
    pub fn create(dir: &Path, name: &str, gzip: bool) -> Result<SnapshotFile, SnapshotError> {
        let path = dir.join(name);
        let tmp = dir.join(format!(".{name}.tmp"));
        let file = create_private(dir, &tmp)?;
        let (tx, rx) = sync_channel(QUEUE);
        let worker = std::thread::Builder::new()
            .name("leakguard-snapshot".into())
            .spawn(move || drain(file, gzip, rx))
            .map_err(|e| io_err(&tmp, e))?;
        Ok(SnapshotFile {
            tmp,
            path,
            tx: Some(tx),
            worker: Some(worker),
            done: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Queues a chunk. Fails if the writer thread has stopped (its error is
    /// reported by [`SnapshotFile::finish`]).
    pub fn write(&mut self, chunk: Vec<u8>) -> Result<(), SnapshotError> {
        let tx = self
            .tx
            .as_ref()
            .ok_or_else(|| io_err(&self.tmp, "already finished"))?;
        tx.send(chunk)
            .map_err(|_| io_err(&self.tmp, "the writer thread stopped"))
    }

    fn join(&mut self) -> io::Result<u64> {
        self.tx = None; // hang up: the writer finishes and syncs
        match self.worker.take() {
            Some(w) => w
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("writer thread panicked"))),
            None => Err(io::Error::other("already finished")),
        }
    }

    /// Waits for the writer, then renames the file into place and syncs the
    /// directory. On failure the temporary file is removed.
    pub fn finish(mut self) -> Result<Finished, SnapshotError> {
        self.done = true;
        let result = self
            .join()
            .map_err(|e| io_err(&self.tmp, e))
            .and_then(|bytes| {
                fs::rename(&self.tmp, &self.path).map_err(|e| io_err(&self.path, e))?;
                if let Some(dir) = self.path.parent() {
                    // make the rename itself durable; a failure here loses nothing
                    let _ = File::open(dir).and_then(|d| d.sync_all());
                }
                Ok(Finished {
                    path: self.path.clone(),
                    bytes,
                })
            });
        if result.is_err() {
            let _ = fs::remove_file(&self.tmp);
        }
        result
    }

    /// Stops writing and removes the temporary file.
    pub fn abort(mut self) {
        self.done = true;
        let _ = self.join();
        let _ = fs::remove_file(&self.tmp);
    }
}

impl Drop for SnapshotFile {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.join();
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::test_dirs::{names, tmpdir};
    use std::io::Read;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn writes_atomically_with_mode_0600() {
        let dir = tmpdir("file-plain");
        let mut f = SnapshotFile::create(&dir, "a.heapsnapshot", false).unwrap();
        f.write(b"{\"snapshot\":".to_vec()).unwrap();
        assert_eq!(
            names(&dir),
            [".a.heapsnapshot.tmp"],
            "only the temporary exists while writing"
        );
        f.write(b"{}}".to_vec()).unwrap();
        let done = f.finish().unwrap();
        assert_eq!(done.bytes, 15);
        assert_eq!(names(&dir), ["a.heapsnapshot"]);
        assert_eq!(fs::read_to_string(&done.path).unwrap(), "{\"snapshot\":{}}");
        assert_eq!(
            fs::metadata(&done.path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn gzip_round_trips() {
        let dir = tmpdir("file-gz");
        let mut f = SnapshotFile::create(&dir, "b.heapsnapshot.gz", true).unwrap();
        let body = "x".repeat(200_000);
        for part in body.as_bytes().chunks(65_536) {
            f.write(part.to_vec()).unwrap();
        }
        let done = f.finish().unwrap();
        assert!(done.bytes < 10_000, "compressed to {} bytes", done.bytes);
        let mut s = String::new();
        flate2::read::GzDecoder::new(File::open(&done.path).unwrap())
            .read_to_string(&mut s)
            .unwrap();
        assert_eq!(s, body);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn abort_and_drop_leave_no_file() {
        let dir = tmpdir("file-abort");
        let mut f = SnapshotFile::create(&dir, "c.heapsnapshot", false).unwrap();
        f.write(vec![1, 2, 3]).unwrap();
        f.abort();
        let g = SnapshotFile::create(&dir, "d.heapsnapshot", true).unwrap();
        drop(g);
        assert!(names(&dir).is_empty());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn missing_directory_is_a_clear_error() {
        let dir = std::env::temp_dir().join("leakguard-no-such-dir-xyz");
        let err = SnapshotFile::create(&dir, "e.heapsnapshot", false)
            .err()
            .unwrap();
        assert!(matches!(err, SnapshotError::Dir { .. }), "{err}");
        assert!(
            err.to_string().contains("leakguard-no-such-dir-xyz"),
            "{err}"
        );
    }
}
