//! Decoding of recorded cache access traces into integer key streams, for the
//! hit-ratio harnesses (the Rust replay example and the JS benchmark).
//!
//! The traces' README names two formats: xz-compressed unsigned 32-bit
//! big-endian keys back to back, and gzip-compressed text with one decimal
//! integer key per line. The compression is recognised by its magic bytes
//! (gzip, xz, or none), not by the file's name, and the encoding by content:
//! a stream of printable text is one key per line (lines that are not a number
//! are skipped; keys past `u32` are folded, high word xor low), anything else
//! is big-endian `u32`s. So an uncompressed or differently named copy of
//! either format reads the same.

use flate2::read::GzDecoder;
use std::fmt;
use std::io::{BufReader, Read};
use std::path::Path;

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const XZ_MAGIC: &[u8] = &[0xfd, b'7', b'z', b'X', b'Z', 0];

/// A trace that could not be read or decompressed: its path and why.
#[derive(Debug)]
pub struct TraceError {
    pub path: String,
    pub reason: String,
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot read trace {:?}: {}", self.path, self.reason)
    }
}

impl std::error::Error for TraceError {}

/// Reads a whole trace file into its key stream.
pub fn load(path: &Path) -> Result<Vec<u32>, TraceError> {
    let io = |e: &dyn fmt::Display| TraceError {
        path: path.to_string_lossy().into_owned(),
        reason: e.to_string(),
    };
    let file = std::fs::read(path).map_err(|e| io(&e))?;
    let raw = if file.starts_with(GZIP_MAGIC) {
        let mut out = Vec::new();
        GzDecoder::new(&file[..])
            .read_to_end(&mut out)
            .map_err(|e| io(&e))?;
        out
    } else if file.starts_with(XZ_MAGIC) {
        let mut out = Vec::new();
        lzma_rs::xz_decompress(&mut BufReader::new(&file[..]), &mut out).map_err(|e| io(&e))?;
        out
    } else {
        file
    };
    Ok(decode(&raw))
}

/// Text keys if the stream is printable text, else big-endian `u32`s.
pub fn decode(raw: &[u8]) -> Vec<u32> {
    let printable = |b: &u8| matches!(b, b' '..=b'~' | b'\n' | b'\r' | b'\t');
    match std::str::from_utf8(raw) {
        Ok(text) if raw.iter().all(printable) => decode_lines(text),
        _ => decode_be32(raw),
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
    fn recognises_formats_by_content_not_name() {
        let dir = std::env::temp_dir().join(format!("leakguard-trace-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let text = "5\n*\n6\n5\n";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, text.as_bytes()).unwrap();
        let mut xz = Vec::new();
        lzma_rs::xz_compress(&mut &[0u8, 0, 0, 5, 0, 0, 1, 0][..], &mut xz).unwrap();
        for (name, bytes, keys) in [
            ("a.trace.gz", gz.finish().unwrap(), vec![5, 6, 5]),
            ("b.trace.xz", xz.clone(), vec![5, 256]),
            ("c.trace", text.as_bytes().to_vec(), vec![5, 6, 5]),
            ("d.bin", xz, vec![5, 256]),
            ("e.raw", vec![0, 0, 0, 9, 0, 0], vec![9]),
        ] {
            let path = dir.join(name);
            std::fs::write(&path, bytes).unwrap();
            assert_eq!(load(&path).unwrap(), keys, "{name}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn names_the_file_it_cannot_read() {
        let e = load(Path::new("/nonexistent/t.gz"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("cannot read trace \"/nonexistent/t.gz\": "),
            "{e}"
        );
        let dir = std::env::temp_dir().join(format!("leakguard-trace-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("broken.gz");
        std::fs::write(&path, [0x1f, 0x8b, 8, 0, 0]).unwrap();
        let e = load(&path).unwrap_err().to_string();
        assert!(e.starts_with("cannot read trace "), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
