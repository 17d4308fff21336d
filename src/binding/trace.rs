//! `loadTraceSync`: decodes a recorded cache trace for the hit-ratio benchmark.

use super::error::{throw, Kind};
use crate::cache::trace::{self, TraceError};
use napi::bindgen_prelude::Uint32Array;
use napi::{Env, Result};
use napi_derive::napi;

/// Reads a cache access trace (`.xz`: big-endian u32 keys; `.gz`: one decimal
/// key per line) into its keys, in order. Blocks while it decodes (about 0.1 s
/// for 5 million keys): meant for benchmarks, not request paths.
#[napi(catch_unwind)]
pub fn load_trace_sync(env: Env, path: String) -> Result<Uint32Array> {
    match trace::load(std::path::Path::new(&path)) {
        Ok(keys) => Ok(Uint32Array::new(keys)),
        Err(e) => {
            let kind = match e {
                TraceError::Format(_) => Kind::Range,
                TraceError::Io(..) => Kind::Plain,
            };
            Err(throw(&env, kind, "ERR_LEAKGUARD_TRACE", &e.to_string()))
        }
    }
}
