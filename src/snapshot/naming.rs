//! Snapshot file names, rotation of our own files, and free disk space.

use std::ffi::CString;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

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

/// `heap-<UTC time>-<pid>-<seq>.heapsnapshot[.gz]`.
pub fn file_name(t: SystemTime, pid: u32, seq: u32, gzip: bool) -> String {
    format!(
        "heap-{}-{pid}-{seq}.heapsnapshot{}",
        utc_stamp(t),
        if gzip { ".gz" } else { "" }
    )
}

/// The sort key of one of our file names: (time stamp, pid, seq); None if the
/// name is not ours.
fn parse(name: &str) -> Option<(String, u32, u32)> {
    let rest = name.strip_prefix("heap-")?;
    let rest = rest
        .strip_suffix(".gz")
        .unwrap_or(rest)
        .strip_suffix(".heapsnapshot")?;
    let mut parts = rest.split('-');
    let (stamp, pid, seq) = (parts.next()?, parts.next()?, parts.next()?);
    let stamp_ok = stamp.len() == 16
        && stamp.as_bytes()[8] == b'T'
        && stamp.ends_with('Z')
        && stamp
            .bytes()
            .enumerate()
            .all(|(i, b)| i == 8 || i == 15 || b.is_ascii_digit());
    if parts.next().is_some() || !stamp_ok {
        return None;
    }
    Some((stamp.to_string(), pid.parse().ok()?, seq.parse().ok()?))
}

/// Whether `name` is a snapshot file name this module makes.
pub fn is_ours(name: &str) -> bool {
    parse(name).is_some()
}

/// Deletes all but the newest `keep` of our snapshot files in `dir` (other files
/// are never touched); returns the paths deleted, oldest first.
pub fn rotate(dir: &Path, keep: usize) -> std::io::Result<Vec<PathBuf>> {
    let mut ours: Vec<((String, u32, u32), PathBuf)> = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        if let Some(key) = name.to_str().and_then(parse) {
            if entry.file_type()?.is_file() {
                ours.push((key, entry.path()));
            }
        }
    }
    ours.sort();
    let excess = ours.len().saturating_sub(keep);
    let mut deleted = Vec::new();
    for (_, path) in ours.into_iter().take(excess) {
        fs::remove_file(&path)?;
        deleted.push(path);
    }
    Ok(deleted)
}

/// Bytes available to an unprivileged writer on the file system holding `dir`.
pub fn free_bytes(dir: &Path) -> std::io::Result<u64> {
    let c = CString::new(dir.as_os_str().as_bytes()).map_err(std::io::Error::other)?;
    // SAFETY: statvfs writes into the zeroed struct we own; `c` is NUL-terminated.
    unsafe {
        let mut st: libc::statvfs = std::mem::zeroed();
        if libc::statvfs(c.as_ptr(), &mut st) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(st.f_bavail as u64 * st.f_frsize as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn stamps_are_utc_calendar_times() {
        assert_eq!(utc_stamp(UNIX_EPOCH), "19700101T000000Z");
        // 2026-11-23 08:15:02 UTC
        let t = UNIX_EPOCH + Duration::from_secs(1_795_421_702);
        assert_eq!(utc_stamp(t), "20261123T081502Z");
        assert_eq!(
            utc_stamp(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "20000229T000000Z"
        );
    }

    #[test]
    fn names_are_recognized_and_strangers_are_not() {
        let name = file_name(UNIX_EPOCH, 42, 7, true);
        assert_eq!(name, "heap-19700101T000000Z-42-7.heapsnapshot.gz");
        assert!(is_ours(&name));
        assert!(is_ours("heap-20261123T081502Z-1-10.heapsnapshot"));
        for other in [
            "heap.heapsnapshot",
            "Heap.20261123.heapsnapshot",
            "heap-2026-1-1.heapsnapshot",
            "notes.txt",
            ".heap-19700101T000000Z-42-7.heapsnapshot.tmp",
            "heap-19700101T000000Z-42-7-x.heapsnapshot",
        ] {
            assert!(!is_ours(other), "{other}");
        }
    }

    #[test]
    fn rotation_keeps_the_newest_of_ours_only() {
        let dir = std::env::temp_dir().join(format!("leakguard-rotate-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let t = UNIX_EPOCH + Duration::from_secs(1_795_421_702);
        // seq 9 and 10 in the same second: numeric, not text, order
        for (secs, seq) in [(0, 9), (0, 10), (5, 1), (9, 2)] {
            fs::write(
                dir.join(file_name(t + Duration::from_secs(secs), 1, seq, false)),
                "x",
            )
            .unwrap();
        }
        fs::write(dir.join("keep-me.heapsnapshot"), "x").unwrap();
        let deleted = rotate(&dir, 2).unwrap();
        let names: Vec<String> = deleted
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into())
            .collect();
        assert_eq!(
            names,
            [
                "heap-20261123T081502Z-1-9.heapsnapshot",
                "heap-20261123T081502Z-1-10.heapsnapshot"
            ]
        );
        let mut left: Vec<String> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "heap-20261123T081507Z-1-1.heapsnapshot",
                "heap-20261123T081511Z-1-2.heapsnapshot",
                "keep-me.heapsnapshot"
            ]
        );
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn free_bytes_answers_for_a_real_dir_and_errs_for_a_missing_one() {
        assert!(free_bytes(&std::env::temp_dir()).unwrap() > 0);
        assert!(free_bytes(Path::new("/no/such/leakguard/dir")).is_err());
    }
}
