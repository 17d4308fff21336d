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
        /// `offset` counts bytes of the gzip stream's decompressed data.
        decompressed: bool,
    },
    /// The bytes are not a well-formed V8 heap snapshot.
    Format {
        path: String,
        section: &'static str,
        offset: u64,
        what: String,
        /// `offset` counts bytes of the gzip stream's decompressed data.
        decompressed: bool,
    },
}

impl HeapError {
    /// The offset that the message reports (0 for open errors).
    pub fn offset(&self) -> u64 {
        match self {
            HeapError::Io { offset, .. } | HeapError::Format { offset, .. } => *offset,
        }
    }

    /// The same error, read from a gzip file: its offset is one in the
    /// decompressed data (the file itself is shorter), and the message says so.
    pub fn decompressed(mut self) -> Self {
        match &mut self {
            HeapError::Io { decompressed, .. } | HeapError::Format { decompressed, .. } => {
                *decompressed = true
            }
        }
        self
    }
}

fn of_data(decompressed: bool) -> &'static str {
    if decompressed {
        " of the decompressed data"
    } else {
        ""
    }
}

impl fmt::Display for HeapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeapError::Io {
                path,
                offset,
                source,
                decompressed,
            } => {
                if *offset == 0 {
                    write!(f, "cannot read heap snapshot {path}: {source}")
                } else {
                    let of = of_data(*decompressed);
                    write!(
                        f,
                        "cannot read heap snapshot {path} at byte {offset}{of}: {source}"
                    )
                }
            }
            HeapError::Format {
                path,
                section,
                offset,
                what,
                decompressed,
            } => {
                let of = of_data(*decompressed);
                write!(
                    f,
                    "{path} is not a valid heap snapshot: {what} (section \"{section}\", byte {offset}{of})"
                )
            }
        }
    }
}

impl std::error::Error for HeapError {}
