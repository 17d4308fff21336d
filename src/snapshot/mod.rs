//! Writing heap snapshots safely.
//!
//! V8 writes the snapshot (`v8.writeHeapSnapshot`) into a temporary file that
//! [`Capture`] created first: hidden, exclusive, mode 0600. [`Capture::commit`]
//! (off the JS thread) checks it is whole, compresses it through a
//! [`SnapshotFile`] if asked, syncs it and renames it into place: nobody ever
//! sees a partial snapshot under a final name, and a crash leaves at most a
//! hidden temporary. Any failure or drop removes the temporaries.
//!
//! Why not stream `v8.getHeapSnapshot()` through JS: measured on Node 20, it
//! blocks for the capture and the whole serialization and then hands over the
//! JSON as one Buffer, so the process briefly holds a second copy of the
//! snapshot in memory and pauses longer than `v8.writeHeapSnapshot`.
//!
//! [`file_name`] builds `<prefix>-<UTC time>-<host>-<pid>-<seq>.heapsnapshot[.gz]`
//! (host: [`sanitize_host`]); [`own_files`] lists one host's files of a
//! prefix, oldest first, and [`rotate`] keeps the newest N of them;
//! [`sweep_temps`] removes the temporaries crashed writers left;
//! [`free_bytes`] reports the space left for the caller's disk check.

mod capture;
mod file;
mod naming;

pub use capture::Capture;
pub use file::{Finished, SnapshotError, SnapshotFile};
pub use naming::{
    file_name, free_bytes, own_files, pid_alive, rotate, sanitize_host, sweep_temps, unix_ms,
    OwnFile, Swept,
};

#[cfg(test)]
mod test_dirs {
    use std::fs;
    use std::path::{Path, PathBuf};

    /// A fresh, empty directory for one test.
    pub fn tmpdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("leakguard-snap-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    /// The names in `dir`, sorted.
    pub fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into())
            .collect();
        v.sort();
        v
    }
}
