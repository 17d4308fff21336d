//! Decoding of recorded cache access traces into integer key streams, for the
//! hit-ratio harnesses (the Rust replay example and the JS benchmark).
//!
//! Two formats, chosen by file name:
//! - `.xz`: xz-compressed unsigned 32-bit big-endian keys, back to back;
//! - `.gz`: gzip-compressed text, one decimal integer key per line; lines that
//!   are not a number are skipped. Keys past `u32` are folded (high word xor low).

use flate2::read::GzDecoder;
use std::fmt;
use std::io::{BufReader, Read};
use std::path::Path;

#[derive(Debug)]
pub enum TraceError {
    /// The name ends in neither `.xz` nor `.gz`.
    Format(String),
    /// Reading or decompressing failed.
    Io(String, String),
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceError::Format(p) => write!(f, "trace {p:?} must end in .xz or .gz"),
            TraceError::Io(p, e) => write!(f, "cannot read trace {p:?}: {e}"),
        }
    }
}

impl std::error::Error for TraceError {}

/// Reads a whole trace file into its key stream.
pub fn load(path: &Path) -> Result<Vec<u32>, TraceError> {
    let name = path.to_string_lossy().into_owned();
    let io = |e: &dyn fmt::Display| TraceError::Io(name.clone(), e.to_string());
    if name.ends_with(".xz") {
        let file = std::fs::File::open(path).map_err(|e| io(&e))?;
        let mut raw = Vec::new();
        lzma_rs::xz_decompress(&mut BufReader::new(file), &mut raw).map_err(|e| io(&e))?;
        Ok(decode_be32(&raw))
    } else if name.ends_with(".gz") {
        let file = std::fs::File::open(path).map_err(|e| io(&e))?;
        let mut text = String::new();
        GzDecoder::new(BufReader::new(file))
            .read_to_string(&mut text)
            .map_err(|e| io(&e))?;
        Ok(decode_lines(&text))
    } else {
        Err(TraceError::Format(name))
    }
}

/// Big-endian `u32`s back to back (a trailing partial word is dropped).
pub fn decode_be32(raw: &[u8]) -> Vec<u32> {
    raw.chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// One decimal key per line; anything else is skipped.
pub fn decode_lines(text: &str) -> Vec<u32> {
    text.lines()
        .filter_map(|l| l.trim().parse::<u64>().ok())
        .map(|k| (k ^ (k >> 32)) as u32)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_both_formats() {
        assert_eq!(
            decode_be32(&[0, 0, 1, 2, 0xff, 0, 0, 0, 9]),
            [258, 0xff00_0000]
        );
        assert_eq!(decode_lines("12\n*\n 7 \nx\n4294967296\n"), [12, 7, 1]);
    }

    #[test]
    fn refuses_unknown_names_and_missing_files() {
        let e = load(Path::new("a.txt")).unwrap_err().to_string();
        assert_eq!(e, "trace \"a.txt\" must end in .xz or .gz");
        let e = load(Path::new("/nonexistent/t.gz"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("cannot read trace \"/nonexistent/t.gz\": "),
            "{e}"
        );
    }
}
