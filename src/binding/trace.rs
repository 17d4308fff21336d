//! `loadTraceSync`: decodes a recorded cache trace for the hit-ratio benchmark.

use super::error::{throw, Kind};
use crate::cache::trace;
use napi::bindgen_prelude::Uint32Array;
use napi::{Env, Result};
use napi_derive::napi;

/// Reads a cache access trace (gzip, xz or uncompressed; one decimal key per
/// line, or big-endian u32 keys back to back) into its keys, in order. Blocks
/// while it decodes (about 0.1 s for 5 million keys): meant for benchmarks,
/// not request paths.
#[napi(catch_unwind)]
pub fn load_trace_sync(env: Env, path: String) -> Result<Uint32Array> {
    match trace::load(std::path::Path::new(&path)) {
        Ok(keys) => Ok(Uint32Array::new(keys)),
        Err(e) => Err(throw(
            &env,
            Kind::Plain,
            "ERR_LEAKGUARD_TRACE",
            &e.to_string(),
        )),
    }
}
