//! Snapshot file names, this host's files and their rotation, the sweep of
//! temporaries a crash left, and free disk space.
//!
//! Names are `<prefix>-<UTC time>-<host>-<pid>-<seq>.heapsnapshot[.gz]`.
//! Replicas sharing a volume are all PID 1 in their containers: the host name
//! (the pod's name in Kubernetes) is what keeps their files apart, so listing
//! and rotation only ever touch the caller's host's files, and the sweep
//! removes another host's temporaries only once no writer can own them.

use std::ffi::CString;
use std::fs;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// Longest host name part of a file name.
const MAX_HOST_LEN: usize = 64;

/// V8 writes its temporary continuously and the gzip pass reads it (minutes
/// for the largest heaps): one untouched for this long belongs to no live writer.
pub const TEMP_ABANDONED_MS: f64 = 60.0 * 60_000.0;

/// A temporary of this host whose PID is gone, untouched this long, is left by
/// a dead process (the wait covers another container of the same pod: same
/// host name, its own PID namespace, where our `kill(pid, 0)` says nothing).
pub const TEMP_DEAD_PID_MS: f64 = 10.0 * 60_000.0;

/// `hostname` as it goes into file names: ASCII letters, digits, `.` and `-`
/// kept, anything else `_` (one per UTF-16 unit, as JS's `String.replace`
/// counted them before), at most 64 characters, `unknown-host` if empty.
pub fn sanitize_host(hostname: &str) -> String {
    let mut out = String::with_capacity(hostname.len().min(MAX_HOST_LEN));
    for c in hostname.chars() {
        if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
            out.push(c);
        } else {
            out.extend(std::iter::repeat_n('_', c.len_utf16()));
        }
        if out.len() >= MAX_HOST_LEN {
            break;
        }
    }
    out.truncate(MAX_HOST_LEN); // all ASCII: bytes are characters
    if out.is_empty() {
        "unknown-host".into()
    } else {
        out
    }
}

/// `YYYYMMDDTHHMMSSZ` for a time in UTC.
pub fn utc_stamp(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // civil date from days since 1970-01-01 (Howard Hinnant's algorithm)
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// `<prefix>-<UTC time>-<host>-<pid>-<seq>.heapsnapshot[.gz]`; `host` is
/// already sanitized ([`sanitize_host`]).
pub fn file_name(
    prefix: &str,
    t: SystemTime,
    host: &str,
    pid: u32,
    seq: u64,
    gzip: bool,
) -> String {
    format!(
        "{prefix}-{}-{host}-{pid}-{seq}.heapsnapshot{}",
        utc_stamp(t),
        if gzip { ".gz" } else { "" }
    )
}

/// The parts of a snapshot file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotName {
    pub prefix: String,
    pub stamp: String,
    pub host: String,
    pub pid: u64,
    pub seq: u64,
    pub gzip: bool,
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A run of ASCII digits as a number; longer than u64 holds saturates (no name
/// this module makes comes near).
fn number(s: &str) -> u64 {
    s.parse().unwrap_or(u64::MAX)
}

/// `s` starts with a `YYYYMMDDTHHMMSSZ` stamp followed by `-`: the stamp and the rest.
fn split_stamp(s: &str) -> Option<(&str, &str)> {
    let b = s.as_bytes();
    let ok = b.len() > 17
        && b[8] == b'T'
        && b[15] == b'Z'
        && b[16] == b'-'
        && b[..15]
            .iter()
            .enumerate()
            .all(|(i, c)| i == 8 || c.is_ascii_digit());
    ok.then(|| (&s[..16], &s[17..]))
}

/// Everything after `<prefix>-`: `<stamp>-<host>-<pid>-<seq>.heapsnapshot[.gz]`.
fn parse_after_prefix(prefix: &str, rest: &str) -> Option<SnapshotName> {
    let (stamp, rest) = split_stamp(rest)?;
    let (rest, gzip) = match rest.strip_suffix(".heapsnapshot.gz") {
        Some(r) => (r, true),
        None => (rest.strip_suffix(".heapsnapshot")?, false),
    };
    let (rest, seq) = rest.rsplit_once('-')?;
    let (host, pid) = rest.rsplit_once('-')?;
    if host.is_empty() || !is_digits(pid) || !is_digits(seq) {
        return None;
    }
    Some(SnapshotName {
        prefix: prefix.to_string(),
        stamp: stamp.to_string(),
        host: host.to_string(),
        pid: number(pid),
        seq: number(seq),
        gzip,
    })
}

/// The parts of `name` if it is a snapshot file name as [`file_name`] makes
/// them (any prefix without `-`, any host), else None. The tests' view of the
/// format; [`own_files`] parses for one prefix and host.
#[cfg(test)]
pub fn parse(name: &str) -> Option<SnapshotName> {
    let (prefix, rest) = name.split_once('-')?;
    if prefix.is_empty() {
        return None;
    }
    parse_after_prefix(prefix, rest)
}

/// One of this host's snapshot files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnFile {
    pub name: String,
    pub stamp: String,
    pub pid: u64,
    pub seq: u64,
}

/// `host`'s `prefix` snapshot files in `dir` (regular files only, not
/// following links), oldest first: by time stamp, then pid and seq as numbers,
/// then name.
pub fn own_files(dir: &Path, prefix: &str, host: &str) -> io::Result<Vec<OwnFile>> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let Ok(name) = entry.file_name().into_string() else {
            continue; // not UTF-8: no name we make
        };
        let Some(parts) = name
            .strip_prefix(prefix)
            .and_then(|r| r.strip_prefix('-'))
            .and_then(|r| parse_after_prefix(prefix, r))
        else {
            continue;
        };
        if parts.host != host {
            continue;
        }
        match entry.file_type() {
            Ok(t) if t.is_file() => out.push(OwnFile {
                name,
                stamp: parts.stamp,
                pid: parts.pid,
                seq: parts.seq,
            }),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {} // gone meanwhile
            Err(e) => return Err(e),
        }
    }
    out.sort_by(|a, b| (&a.stamp, a.pid, a.seq, &a.name).cmp(&(&b.stamp, b.pid, b.seq, &b.name)));
    Ok(out)
}

/// Deletes all but the last `keep` of `files` (oldest first) from `dir`; one
/// already gone is no error. Returns the names deleted.
fn delete_all_but(dir: &Path, files: Vec<OwnFile>, keep: usize) -> io::Result<Vec<String>> {
    let excess = files.len().saturating_sub(keep);
    let mut deleted = Vec::new();
    for f in files.into_iter().take(excess) {
        match fs::remove_file(dir.join(&f.name)) {
            Ok(()) => deleted.push(f.name),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(deleted)
}

/// Deletes all but the newest `keep` of `host`'s `prefix` snapshot files in
/// `dir` (another host's and other files are never touched); returns the
/// names deleted, oldest first. A file gone meanwhile is not an error.
pub fn rotate(dir: &Path, prefix: &str, host: &str, keep: usize) -> io::Result<Vec<String>> {
    delete_all_but(dir, own_files(dir, prefix, host)?, keep)
}

/// What [`sweep_temps`] removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Swept {
    /// File names, in name order.
    pub files: Vec<String>,
    /// Their total size.
    pub bytes: u64,
}

/// A snapshot temporary's name: `.<name>.raw.tmp` (V8's, made by
/// [`super::Capture`]) or `.<name>.tmp` (the gzip's, made by
/// [`super::SnapshotFile`]) for a `heap` or `leakreport` name of
/// [`file_name`], or of the older format without the host. Returns the host
/// (None for the older format) and the pid's digits.
fn parse_temp(name: &str) -> Option<(Option<&str>, &str)> {
    let rest = name.strip_prefix('.')?;
    let rest = rest
        .strip_prefix("heap-")
        .or_else(|| rest.strip_prefix("leakreport-"))?;
    let (_, rest) = split_stamp(rest)?;
    let rest = [
        ".heapsnapshot.gz.raw.tmp",
        ".heapsnapshot.raw.tmp",
        ".heapsnapshot.gz.tmp",
        ".heapsnapshot.tmp",
    ]
    .iter()
    .find_map(|suffix| rest.strip_suffix(suffix))?;
    let (rest, seq) = rest.rsplit_once('-')?;
    if !is_digits(seq) {
        return None;
    }
    match rest.rsplit_once('-') {
        // as the JS pattern's `.+`: no line terminators
        Some((host, pid))
            if !host.is_empty()
                && !host.contains(['\n', '\r', '\u{2028}', '\u{2029}'])
                && is_digits(pid) =>
        {
            Some((Some(host), pid))
        }
        None if is_digits(rest) => Some((None, rest)),
        _ => None,
    }
}

/// Whether process `pid` exists, as `kill(pid, 0)` tells: success or EPERM
/// (someone else's) is alive, ESRCH gone. A pid that is no `pid_t` is gone.
pub fn pid_alive(pid: u64) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 sends nothing; it only checks the pid.
    if unsafe { libc::kill(pid, 0) } == 0 {
        return true;
    }
    io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Milliseconds since the epoch, as JS's `Date.now()`.
pub fn unix_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_millis() as f64)
}

/// Removes the snapshot temporaries in `dir` that no live writer owns, left by
/// a crash (kill -9, OOM kill) mid-snapshot:
/// - anyone's untouched for more than [`TEMP_ABANDONED_MS`];
/// - `host`'s of this `pid` last modified before this process started
///   (`process_start_ms`; a restarted container is PID 1 again);
/// - `host`'s of another pid untouched for more than [`TEMP_DEAD_PID_MS`]
///   whose process `alive` says is gone.
///
/// Ages are against `now_ms` (ms since the epoch). Unrelated files, links to
/// non-files and anything it cannot stat or remove are left; an unreadable
/// `dir` sweeps nothing. Never fails.
pub fn sweep_temps(
    dir: &Path,
    host: &str,
    pid: u32,
    process_start_ms: f64,
    now_ms: f64,
    alive: impl Fn(u64) -> bool,
) -> Swept {
    let mut swept = Swept::default();
    let Ok(names) = fs::read_dir(dir).and_then(|rd| {
        rd.map(|e| e.map(|e| e.file_name()))
            .collect::<io::Result<Vec<_>>>()
    }) else {
        return swept; // the write that follows reports an unusable directory
    };
    let mut names: Vec<String> = names
        .into_iter()
        .filter_map(|n| n.into_string().ok())
        .collect();
    names.sort();
    for name in names {
        let Some((file_host, file_pid)) = parse_temp(&name) else {
            continue;
        };
        let file = dir.join(&name);
        let Ok(st) = fs::metadata(&file) else {
            continue; // gone meanwhile
        };
        if !st.is_file() {
            continue;
        }
        // as Node's stat().mtimeMs
        let mtime_ms = st.mtime() as f64 * 1e3 + st.mtime_nsec() as f64 / 1e6;
        let age = now_ms - mtime_ms;
        let this_host = file_host == Some(host);
        let file_pid = number(file_pid);
        let stale = age > TEMP_ABANDONED_MS
            || (this_host && file_pid == u64::from(pid) && mtime_ms < process_start_ms)
            || (this_host
                && file_pid != u64::from(pid)
                && age > TEMP_DEAD_PID_MS
                && !alive(file_pid));
        if stale && fs::remove_file(&file).is_ok() {
            swept.bytes += st.len();
            swept.files.push(name);
        }
    }
    swept
}

/// Bytes available to an unprivileged writer on the file system holding `dir`.
pub fn free_bytes(dir: &Path) -> io::Result<u64> {
    let c = CString::new(dir.as_os_str().as_bytes()).map_err(io::Error::other)?;
    // SAFETY: statvfs writes into the zeroed struct we own; `c` is NUL-terminated.
    unsafe {
        let mut st: libc::statvfs = std::mem::zeroed();
        if libc::statvfs(c.as_ptr(), &mut st) != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(st.f_bavail as u64 * st.f_frsize as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::test_dirs::{names, tmpdir};
    use crate::snapshot::{Capture, SnapshotFile};
    use std::cell::RefCell;
    use std::fs::File;
    use std::time::Duration;

    const T: u64 = 1_795_421_702; // 2026-11-23 08:15:02 UTC

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn stamps_are_utc_calendar_times() {
        assert_eq!(utc_stamp(UNIX_EPOCH), "19700101T000000Z");
        assert_eq!(utc_stamp(at(T)), "20261123T081502Z");
        assert_eq!(utc_stamp(at(951_782_400)), "20000229T000000Z");
    }

    #[test]
    fn host_names_are_sanitized_as_the_js_did() {
        assert_eq!(sanitize_host("api-7d9f.prod-1"), "api-7d9f.prod-1");
        assert_eq!(sanitize_host("my host/x_y:1"), "my_host_x_y_1");
        assert_eq!(sanitize_host("hôte"), "h_te"); // one UTF-16 unit
        assert_eq!(sanitize_host("a😀b"), "a__b"); // a surrogate pair: two
        assert_eq!(sanitize_host(""), "unknown-host");
        assert_eq!(sanitize_host(&"x".repeat(100)), "x".repeat(64));
        assert_eq!(
            sanitize_host(&format!("{}é", "x".repeat(63))),
            format!("{}_", "x".repeat(63))
        );
        assert_eq!(
            sanitize_host(&format!("{}😀", "x".repeat(63))),
            format!("{}_", "x".repeat(63))
        );
    }

    #[test]
    fn names_round_trip() {
        let name = file_name("heap", at(T), "pod-7-2", 1, 10, false);
        assert_eq!(name, "heap-20261123T081502Z-pod-7-2-1-10.heapsnapshot");
        let parts = parse(&name).unwrap();
        assert_eq!(
            parts,
            SnapshotName {
                prefix: "heap".into(),
                stamp: "20261123T081502Z".into(),
                host: "pod-7-2".into(),
                pid: 1,
                seq: 10,
                gzip: false,
            }
        );
        let name = file_name(
            "leakreport",
            UNIX_EPOCH,
            "h.example",
            42,
            4_300_000_001,
            true,
        );
        assert_eq!(
            name,
            "leakreport-19700101T000000Z-h.example-42-4300000001.heapsnapshot.gz"
        );
        let parts = parse(&name).unwrap();
        assert_eq!(
            (parts.prefix.as_str(), parts.host.as_str()),
            ("leakreport", "h.example")
        );
        assert_eq!(
            (parts.pid, parts.seq, parts.gzip),
            (42, 4_300_000_001, true)
        );
    }

    #[test]
    fn strangers_do_not_parse() {
        for other in [
            "heap.heapsnapshot",
            "notes.txt",
            "heap-2026-1-1.heapsnapshot",
            "heap-20261123T081502Z-1-10.heapsnapshot", // the old format, no host
            "heap-20261123T081502Z--1-10.heapsnapshot",
            "heap-20261123T081502Z-h-1-x.heapsnapshot",
            "heap-20261123T081502Z-h-1-10.heapsnapshot.tmp",
            "heap-20261123T081502Z-h-1-10.heapsnapshot.gz.gz",
            "heap-2026112xT081502Z-h-1-10.heapsnapshot",
            "heap-20261123T081502Zh-1-10.heapsnapshot",
            ".heap-20261123T081502Z-h-1-10.heapsnapshot.raw.tmp",
            "-20261123T081502Z-h-1-10.heapsnapshot",
        ] {
            assert_eq!(parse(other), None, "{other}");
        }
    }

    fn touch(dir: &Path, name: &str) {
        fs::write(dir.join(name), "x").unwrap();
    }

    #[test]
    fn own_files_are_this_hosts_of_the_prefix_oldest_first() {
        let dir = tmpdir("naming-own");
        let h = "pod";
        for name in [
            // ours, in scrambled order: seq 9 before 10, pid 2 before 10, .gz after plain
            "heap-20261123T081502Z-pod-1-10.heapsnapshot",
            "heap-20261123T081502Z-pod-1-9.heapsnapshot.gz",
            "heap-20261123T081502Z-pod-10-1.heapsnapshot",
            "heap-20261123T081502Z-pod-2-1.heapsnapshot.gz",
            "heap-20261123T081502Z-pod-2-1.heapsnapshot",
            "heap-20200101T000000Z-pod-99-99.heapsnapshot",
            // not ours
            "heap-20200101T000000Z-pod-1-1-1.heapsnapshot", // host pod-1
            "heap-20200101T000000Z-podx-1-1.heapsnapshot",
            "heap-20200101T000000Z-xpod-1-1.heapsnapshot",
            "heap-20200101T000000Z-1-1.heapsnapshot",
            "leakreport-20200101T000000Z-pod-1-1.heapsnapshot",
            "heapx-20200101T000000Z-pod-1-1.heapsnapshot",
            "unrelated.heapsnapshot",
        ] {
            touch(&dir, name);
        }
        fs::create_dir(dir.join("heap-20200101T000000Z-pod-1-2.heapsnapshot")).unwrap();
        std::os::unix::fs::symlink(
            dir.join("unrelated.heapsnapshot"),
            dir.join("heap-20200101T000000Z-pod-1-3.heapsnapshot"),
        )
        .unwrap();
        let own: Vec<String> = own_files(&dir, "heap", h)
            .unwrap()
            .into_iter()
            .map(|f| f.name)
            .collect();
        assert_eq!(
            own,
            [
                "heap-20200101T000000Z-pod-99-99.heapsnapshot",
                "heap-20261123T081502Z-pod-1-9.heapsnapshot.gz",
                "heap-20261123T081502Z-pod-1-10.heapsnapshot",
                "heap-20261123T081502Z-pod-2-1.heapsnapshot",
                "heap-20261123T081502Z-pod-2-1.heapsnapshot.gz",
                "heap-20261123T081502Z-pod-10-1.heapsnapshot",
            ]
        );
        let first = &own_files(&dir, "heap", h).unwrap()[0];
        assert_eq!(
            (first.stamp.as_str(), first.pid, first.seq),
            ("20200101T000000Z", 99, 99)
        );
        let reports = own_files(&dir, "leakreport", h).unwrap();
        assert_eq!(reports.len(), 1);
        assert!(own_files(&dir.join("missing"), "heap", h).is_err());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn rotation_keeps_this_hosts_newest_and_touches_nothing_else() {
        let dir = tmpdir("naming-rotate");
        let ours = [
            file_name("heap", at(T), "pod", 1, 9, false),
            file_name("heap", at(T), "pod", 1, 10, true),
            file_name("heap", at(T + 5), "pod", 1, 1, false),
            file_name("heap", at(T + 9), "pod", 1, 2, false),
        ];
        let others = [
            file_name("heap", at(0), "pod-1", 1, 1, false),
            file_name("heap", at(0), "other-pod", 1, 1, true),
            file_name("leakreport", at(0), "pod", 1, 1, false),
            "heap-20200101T000000Z-1-1.heapsnapshot".to_string(),
            "keep-me.heapsnapshot".to_string(),
        ];
        for name in ours.iter().chain(&others) {
            touch(&dir, name);
        }
        assert_eq!(rotate(&dir, "heap", "pod", 2).unwrap(), &ours[..2]);
        let mut left: Vec<String> = ours[2..].iter().chain(&others).cloned().collect();
        left.sort();
        assert_eq!(names(&dir), left);
        assert!(rotate(&dir, "heap", "pod", 2).unwrap().is_empty());
        assert!(rotate(&dir, "heap", "pod", 5).unwrap().is_empty());
        assert_eq!(rotate(&dir, "heap", "pod", 0).unwrap(), &ours[2..]);
        assert_eq!(names(&dir).len(), others.len());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_file_gone_meanwhile_is_no_error_but_other_failures_are() {
        let dir = tmpdir("naming-gone");
        let file = |name: &str| OwnFile {
            name: name.into(),
            stamp: String::new(),
            pid: 1,
            seq: 1,
        };
        touch(&dir, "b");
        touch(&dir, "c");
        let deleted = delete_all_but(&dir, vec![file("a"), file("b"), file("c")], 1).unwrap();
        assert_eq!(deleted, ["b"]);
        assert_eq!(names(&dir), ["c"]);
        fs::create_dir(dir.join("d")).unwrap();
        assert!(delete_all_but(&dir, vec![file("d"), file("c")], 1).is_err());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn temporaries_of_both_writers_and_formats_are_recognized() {
        let dir = tmpdir("naming-temps");
        for gzip in [false, true] {
            let name = file_name("heap", at(T), "pod-1", 7, 3, gzip);
            let c = Capture::begin(&dir, &name, gzip).unwrap();
            let raw = c
                .raw_path()
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .to_string();
            assert_eq!(parse_temp(&raw), Some((Some("pod-1"), "7")), "{raw}");
            let f = SnapshotFile::create(&dir, &name, gzip).unwrap();
            let tmp = format!(".{name}.tmp");
            assert!(dir.join(&tmp).is_file());
            assert_eq!(parse_temp(&tmp), Some((Some("pod-1"), "7")), "{tmp}");
            c.abort();
            f.abort();
        }
        let legacy = ".leakreport-20200101T000000Z-12-3.heapsnapshot.gz.raw.tmp";
        assert_eq!(parse_temp(legacy), Some((None, "12")));
        for other in [
            ".notes.tmp",
            "heap-20200101T000000Z-h-1-1.heapsnapshot.raw.tmp",
            ".heap-20200101T000000Z-h-1-1.heapsnapshot",
            ".heap-20200101T000000Z-h-1-1.heapsnapshot.raw",
            ".heap-20200101T000000Z--1-1.heapsnapshot.tmp",
            ".heap-20200101T000000Z-h\n-1-1.heapsnapshot.tmp",
            ".heap-20200101T000000Z-h-x-1.heapsnapshot.tmp",
            ".other-20200101T000000Z-h-1-1.heapsnapshot.tmp",
            ".heap-20200101T000000Z-h-1-1.heapsnapshot.raw.gz.tmp",
        ] {
            assert_eq!(parse_temp(other), None, "{other}");
        }
        fs::remove_dir_all(dir).unwrap();
    }

    /// Writes `name` (1000 bytes) last modified at `mtime_ms`.
    fn temp(dir: &Path, name: &str, mtime_ms: u64) {
        let path = dir.join(name);
        fs::write(&path, [b'x'; 1000]).unwrap();
        let f = File::options().write(true).open(&path).unwrap();
        f.set_modified(UNIX_EPOCH + Duration::from_millis(mtime_ms))
            .unwrap();
    }

    #[test]
    fn the_sweep_removes_what_no_live_writer_owns() {
        let dir = tmpdir("naming-sweep");
        const NOW: u64 = 1_795_421_702_000;
        const START: u64 = NOW - 30 * 60_000; // this process started 30 minutes ago
        const MIN: u64 = 60_000;
        let (me, live, dead) = (1000, 2000, 3000);
        let s = "20200101T000000Z";
        let removed = [
            // this host, this pid, from before this process started
            (
                format!(".heap-{s}-pod-{me}-1.heapsnapshot.raw.tmp"),
                START - 1,
            ),
            // this host, a dead pid, untouched for just over 10 minutes
            (
                format!(".heap-{s}-pod-{dead}-1.heapsnapshot.gz.tmp"),
                NOW - 10 * MIN - 1,
            ),
            // anyone's untouched for just over an hour: another host, the old format, a live pid
            (
                format!(".leakreport-{s}-other-pod-1-1.heapsnapshot.raw.tmp"),
                NOW - 60 * MIN - 1,
            ),
            (
                format!(".heap-{s}-1-1.heapsnapshot.raw.tmp"),
                NOW - 120 * MIN,
            ),
            (
                format!(".heap-{s}-pod-{live}-2.heapsnapshot.raw.tmp"),
                NOW - 60 * MIN - 1,
            ),
            // this pid written with leading zeros is this pid, as JS's Number() read it
            (
                format!(".heap-{s}-pod-000{me}-4.heapsnapshot.tmp"),
                START - 1,
            ),
        ];
        let kept = [
            // this process's own, written since it started (at the start exactly, too)
            (format!(".heap-{s}-pod-{me}-2.heapsnapshot.raw.tmp"), START),
            (
                format!(".heap-{s}-pod-{me}-3.heapsnapshot.gz.tmp"),
                NOW - MIN,
            ),
            // a dead pid's, untouched for exactly 10 minutes, and a recent one
            (
                format!(".heap-{s}-pod-{dead}-2.heapsnapshot.raw.tmp"),
                NOW - 10 * MIN,
            ),
            (
                format!(".heap-{s}-pod-{dead}-3.heapsnapshot.raw.tmp"),
                NOW - MIN,
            ),
            // a live pid's
            (
                format!(".heap-{s}-pod-{live}-1.heapsnapshot.raw.tmp"),
                NOW - 20 * MIN,
            ),
            // another host's (the same pid as ours or a dead one), untouched for exactly an hour
            (
                format!(".heap-{s}-other-pod-{me}-1.heapsnapshot.raw.tmp"),
                START - 1,
            ),
            (
                format!(".heap-{s}-pod-1-{dead}-1.heapsnapshot.raw.tmp"),
                NOW - 20 * MIN,
            ),
            (
                format!(".heap-{s}-other-pod-1-2.heapsnapshot.raw.tmp"),
                NOW - 60 * MIN,
            ),
            // the old format's only by age
            (
                format!(".heap-{s}-{dead}-1.heapsnapshot.raw.tmp"),
                NOW - 20 * MIN,
            ),
            // unrelated
            (".notes.tmp".to_string(), NOW - 120 * MIN),
            (
                format!("heap-{s}-pod-{dead}-1.heapsnapshot"),
                NOW - 120 * MIN,
            ),
            (
                format!(".heap-{s}-pod-{dead}-1.heapsnapshot"),
                NOW - 120 * MIN,
            ),
        ];
        for (name, mtime) in removed.iter().chain(&kept) {
            temp(&dir, name, *mtime);
        }
        // not a file: kept whatever its age
        fs::create_dir(dir.join(format!(".heap-{s}-pod-{dead}-9.heapsnapshot.tmp"))).unwrap();
        let asked = RefCell::new(Vec::new());
        let alive = |pid: u64| {
            asked.borrow_mut().push(pid);
            pid == live
        };
        let swept = sweep_temps(&dir, "pod", me as u32, START as f64, NOW as f64, alive);
        let mut want: Vec<String> = removed.iter().map(|(n, _)| n.clone()).collect();
        want.sort();
        assert_eq!(
            swept,
            Swept {
                files: want,
                bytes: 1000 * removed.len() as u64
            }
        );
        let mut left: Vec<String> = kept.iter().map(|(n, _)| n.clone()).collect();
        left.push(format!(".heap-{s}-pod-{dead}-9.heapsnapshot.tmp"));
        left.sort();
        assert_eq!(names(&dir), left);
        // liveness is asked only of this host's other pids past 10 minutes
        let mut asked = asked.into_inner();
        asked.sort();
        assert_eq!(asked, [live, dead]);
        // a second sweep finds nothing; a missing directory sweeps nothing
        let again = sweep_temps(&dir, "pod", me as u32, START as f64, NOW as f64, |p| {
            p == live
        });
        assert_eq!(again, Swept::default());
        assert_eq!(
            sweep_temps(
                &dir.join("missing"),
                "pod",
                me as u32,
                0.0,
                NOW as f64,
                |_| false
            ),
            Swept::default()
        );
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn liveness_is_kill_0() {
        assert!(pid_alive(u64::from(std::process::id())));
        assert!(pid_alive(1)); // init: alive, EPERM or not
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = u64::from(child.id());
        child.wait().unwrap(); // exited and reaped
        assert!(!pid_alive(pid));
        assert!(!pid_alive(1 << 31));
    }

    #[test]
    fn free_bytes_answers_for_a_real_dir_and_errs_for_a_missing_one() {
        assert!(free_bytes(&std::env::temp_dir()).unwrap() > 0);
        assert!(free_bytes(Path::new("/no/such/leakguard/dir")).is_err());
    }
}
