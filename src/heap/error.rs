//! Errors of reading a snapshot: each names the file, the section and the byte
//! offset, so a truncated or foreign file says where it went wrong.

use std::fmt;
use std::io;

/// What went wrong while reading one snapshot file.
#[derive(Debug)]
pub enum HeapError {
    /// The file could not be opened or read (gzip errors arrive here too).
    Io {
        path: String,
        offset: u64,
        source: io::Error,
    },
    /// The bytes are not a well-formed V8 heap snapshot.
    Format {
        path: String,
        section: &'static str,
        offset: u64,
        what: String,
    },
}

impl HeapError {
    /// The offset that the message reports (0 for open errors).
    pub fn offset(&self) -> u64 {
        match self {
            HeapError::Io { offset, .. } | HeapError::Format { offset, .. } => *offset,
        }
    }
}

impl fmt::Display for HeapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeapError::Io {
                path,
                offset,
                source,
            } => {
                if *offset == 0 {
                    write!(f, "cannot read heap snapshot {path}: {source}")
                } else {
                    write!(
                        f,
                        "cannot read heap snapshot {path} at byte {offset}: {source}"
                    )
                }
            }
            HeapError::Format {
                path,
                section,
                offset,
                what,
            } => write!(
                f,
                "{path} is not a valid heap snapshot: {what} (section \"{section}\", byte {offset})"
            ),
        }
    }
}

impl std::error::Error for HeapError {}
