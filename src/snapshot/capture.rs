//! One snapshot from capture to final name.
//!
//! V8 writes the snapshot itself (`v8.writeHeapSnapshot`, straight from C++ to a
//! file: no copy of the JSON in JS memory, no pause beyond V8's own) into a
//! temporary file that this module created first, empty, exclusive and mode
//! 0600, so the snapshot is never readable by others, even while being written.
//! [`Capture::commit`] then checks the file is whole, compresses it if asked,
//! syncs it, and renames it into place. Meant to run off the JS thread.

use super::file::{create_private, Finished, SnapshotError, SnapshotFile, CHUNK};
use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

pub struct Capture {
    dir: PathBuf,
    name: String,
    raw: PathBuf,
    gzip: bool,
    done: bool,
}

fn io_err(path: &Path, e: impl std::fmt::Display) -> SnapshotError {
    SnapshotError::Io {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// Whether the file ends like a complete JSON document (V8's snapshot JSON ends
/// with `}`): catches a write cut short by a full disk.
fn looks_whole(path: &Path) -> io::Result<bool> {
    let mut f = File::open(path)?;
    let len = f.metadata()?.len();
    if len < 2 {
        return Ok(false);
    }
    let tail = len.min(64);
    f.seek(SeekFrom::End(-(tail as i64)))?;
    let mut buf = vec![0; tail as usize];
    f.read_exact(&mut buf)?;
    Ok(buf.iter().rev().find(|b| !b.is_ascii_whitespace()) == Some(&b'}'))
}

impl Capture {
    /// Creates the empty temporary file V8 will write into.
    pub fn begin(dir: &Path, name: &str, gzip: bool) -> Result<Capture, SnapshotError> {
        let raw = dir.join(format!(".{name}.raw.tmp"));
        create_private(dir, &raw)?;
        Ok(Capture {
            dir: dir.to_path_buf(),
            name: name.to_string(),
            raw,
            gzip,
            done: false,
        })
    }

    /// Where V8 writes the snapshot.
    pub fn raw_path(&self) -> &Path {
        &self.raw
    }

    /// Checks, compresses (if asked), syncs and renames the snapshot into place.
    /// On failure nothing is left behind.
    pub fn commit(mut self) -> Result<Finished, SnapshotError> {
        self.done = true;
        let result = self.finish_inner();
        let _ = fs::remove_file(&self.raw);
        result
    }

    fn finish_inner(&self) -> Result<Finished, SnapshotError> {
        if !looks_whole(&self.raw).map_err(|e| io_err(&self.raw, e))? {
            return Err(io_err(
                &self.raw,
                "the snapshot is incomplete (disk full?); discarded",
            ));
        }
        if self.gzip {
            let mut out = SnapshotFile::create(&self.dir, &self.name, true)?;
            let mut input = File::open(&self.raw).map_err(|e| io_err(&self.raw, e))?;
            loop {
                // small chunks: the queue to the gzip thread holds at most 4 MiB
                let mut buf = vec![0u8; CHUNK];
                let n = input.read(&mut buf).map_err(|e| io_err(&self.raw, e))?;
                if n == 0 {
                    break;
                }
                buf.truncate(n);
                out.write(buf)?;
            }
            return out.finish();
        }
        let f = File::open(&self.raw).map_err(|e| io_err(&self.raw, e))?;
        f.sync_all().map_err(|e| io_err(&self.raw, e))?;
        let bytes = f.metadata().map_err(|e| io_err(&self.raw, e))?.len();
        let path = self.dir.join(&self.name);
        fs::rename(&self.raw, &path).map_err(|e| io_err(&path, e))?;
        let _ = File::open(&self.dir).and_then(|d| d.sync_all());
        Ok(Finished { path, bytes })
    }

    /// Removes the temporary file.
    pub fn abort(mut self) {
        self.done = true;
        let _ = fs::remove_file(&self.raw);
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_file(&self.raw);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::test_dirs::{names, tmpdir};
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn commit_renames_a_whole_snapshot_keeping_mode_0600() {
        let dir = tmpdir("capture-plain");
        let c = Capture::begin(&dir, "s.heapsnapshot", false).unwrap();
        assert_eq!(
            fs::metadata(c.raw_path()).unwrap().permissions().mode() & 0o777,
            0o600
        );
        // V8 truncates and writes into the existing file: its mode stays
        fs::write(c.raw_path(), "{\"snapshot\":{}}\n").unwrap();
        let done = c.commit().unwrap();
        assert_eq!(names(&dir), ["s.heapsnapshot"]);
        assert_eq!(done.bytes, 16);
        assert_eq!(
            fs::metadata(&done.path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_truncated_snapshot_is_discarded() {
        let dir = tmpdir("capture-cut");
        let c = Capture::begin(&dir, "t.heapsnapshot", true).unwrap();
        fs::write(c.raw_path(), "{\"snapshot\":{\"meta\":[1,2,").unwrap();
        let err = c.commit().unwrap_err();
        assert!(err.to_string().contains("incomplete"), "{err}");
        assert!(names(&dir).is_empty());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn gzip_commit_leaves_only_the_compressed_file() {
        let dir = tmpdir("capture-gz");
        let c = Capture::begin(&dir, "u.heapsnapshot.gz", true).unwrap();
        let body = format!("{{\"strings\":[\"{}\"]}}", "y".repeat(3_000_000));
        fs::write(c.raw_path(), &body).unwrap();
        let done = c.commit().unwrap();
        assert_eq!(names(&dir), ["u.heapsnapshot.gz"]);
        assert!(done.bytes < 100_000);
        let mut s = String::new();
        flate2::read::GzDecoder::new(File::open(&done.path).unwrap())
            .read_to_string(&mut s)
            .unwrap();
        assert_eq!(s, body);
        fs::remove_dir_all(dir).unwrap();
    }

    /// This process's peak resident set in bytes since the last reset, where
    /// Linux tells (`/proc/self/status`); `reset` starts a new peak.
    fn peak_rss(reset: bool) -> Option<u64> {
        if reset {
            fs::write("/proc/self/clear_refs", "5").ok()?;
        }
        let status = fs::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024)
    }

    #[test]
    fn gzip_commit_holds_only_a_few_mib_of_the_snapshot_in_memory() {
        // The peak is the process's: measured in a child test process that
        // runs this test alone, so other tests' allocations cannot raise it.
        const CHILD: &str = "LEAKGUARD_TEST_GZIP_MEMORY_CHILD";
        if std::env::var_os(CHILD).is_none() {
            let name = "snapshot::capture::tests::gzip_commit_holds_only_a_few_mib_of_the_snapshot_in_memory";
            let out = std::process::Command::new(std::env::current_exe().unwrap())
                .args(["--exact", name, "--test-threads=1", "--nocapture"])
                .env(CHILD, "1")
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "child test failed:\n{text}");
            assert!(text.contains("1 passed"), "child ran no test:\n{text}");
            return;
        }
        let dir = tmpdir("capture-gz-mem");
        let c = Capture::begin(&dir, "m.heapsnapshot.gz", true).unwrap();
        const MIB: u64 = 1 << 20;
        const SIZE: u64 = 48 * MIB;
        {
            // snapshot-like text, written a chunk at a time (never all in memory)
            let mut f = std::io::BufWriter::new(File::create(c.raw_path()).unwrap());
            let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
            let mut line = Vec::with_capacity(64);
            let mut written = 0;
            while written < SIZE {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                line.clear();
                std::io::Write::write_fmt(
                    &mut line,
                    format_args!("{},{},{},\n", x % 7, x % 100_003, x >> 40),
                )
                .unwrap();
                std::io::Write::write_all(&mut f, &line).unwrap();
                written += line.len() as u64;
            }
            std::io::Write::write_all(&mut f, b"0]}").unwrap();
        }
        let Some(before) = peak_rss(true) else {
            return; // no /proc peak to read here
        };
        let done = c.commit().unwrap();
        let grew = peak_rss(false).unwrap().saturating_sub(before);
        assert!(done.bytes > 0);
        // the reader outruns gzip: what it queues must stay bounded, not the file
        assert!(
            grew < 16 * MIB,
            "peak RSS grew {} MiB compressing {} MiB",
            grew / MIB,
            SIZE / MIB
        );
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn drop_without_commit_cleans_up() {
        let dir = tmpdir("capture-drop");
        drop(Capture::begin(&dir, "v.heapsnapshot", false).unwrap());
        Capture::begin(&dir, "w.heapsnapshot", false)
            .unwrap()
            .abort();
        assert!(names(&dir).is_empty());
        fs::remove_dir_all(dir).unwrap();
    }
}
