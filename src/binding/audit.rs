//! `AuditCore`: the JS face of [`crate::audit::Aggregator`].
//!
//! The JS hooks write `[row, op]` records into a `Uint32Array` handed over once
//! at construction; `apply(pending)` reads the first `pending` words, so a
//! whole batch of listener changes costs one call.

use super::error::{throw, Kind};
use crate::audit::{Aggregator, SuspectRule};
use napi::bindgen_prelude::Uint32Array;
use napi::{Env, Result};
use napi_derive::napi;

/// Options of the audit core (validated first by the JS wrapper, which owns
/// the user-facing messages).
#[napi(object)]
pub struct AuditCoreOptions {
    /// Live count a row needs before it can be a suspect.
    pub suspect_live: u32,
    /// Consecutive growing windows that make a suspect.
    pub suspect_windows: u32,
    /// Window ends kept per row (growth covers one fewer windows).
    pub windows: u32,
}

/// Counters of one audit row.
#[napi(object)]
pub struct AuditRowStats {
    /// The row number the JS side assigned.
    pub row: u32,
    pub added: f64,
    pub removed: f64,
    /// Listeners that went away with their collected emitter.
    pub dropped: f64,
    pub live: f64,
    pub peak: f64,
    /// Live-count change over each closed window, oldest first.
    pub growth: Vec<f64>,
}

/// The aggregation of one listener audit.
#[napi]
pub struct AuditCore {
    agg: Aggregator,
    batch: Uint32Array,
}

#[napi]
impl AuditCore {
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env, options: AuditCoreOptions, batch: Uint32Array) -> Result<Self> {
        let rule = SuspectRule::new(
            u64::from(options.suspect_live),
            options.suspect_windows as usize,
            options.windows as usize,
        )
        .map_err(|e| throw(&env, Kind::Range, "ERR_LEAKGUARD_OPTION", &e.to_string()))?;
        Ok(AuditCore {
            agg: Aggregator::new(rule),
            batch,
        })
    }

    /// Applies the first `pending` words of the batch buffer.
    #[napi(catch_unwind)]
    pub fn apply(&mut self, env: Env, pending: u32) -> Result<()> {
        let words: &[u32] = self.batch.as_ref();
        let Some(batch) = words.get(..pending as usize) else {
            let msg = format!("pending {pending} exceeds the batch length {}", words.len());
            return Err(throw(&env, Kind::Range, "ERR_LEAKGUARD_AUDIT", &msg));
        };
        self.agg
            .apply(batch)
            .map_err(|e| throw(&env, Kind::Range, "ERR_LEAKGUARD_AUDIT", &e.to_string()))
    }

    /// Closes the current window; returns the rows that became suspects.
    #[napi(catch_unwind)]
    pub fn tick(&mut self) -> Vec<u32> {
        self.agg.tick()
    }

    /// Marks a row as never suspect (listeners counted without a call site).
    #[napi(catch_unwind)]
    pub fn exempt(&mut self, row: u32) {
        self.agg.exempt(row);
    }

    /// Counters of every row that saw a change.
    #[napi(catch_unwind)]
    pub fn rows(&self) -> Vec<AuditRowStats> {
        self.agg
            .rows()
            .iter()
            .enumerate()
            .filter(|(_, r)| r.added + r.removed + r.dropped > 0)
            .map(|(i, r)| AuditRowStats {
                row: i as u32,
                added: r.added as f64,
                removed: r.removed as f64,
                dropped: r.dropped as f64,
                live: r.live as f64,
                peak: r.peak as f64,
                growth: r.growth().into_iter().map(|d| d as f64).collect(),
            })
            .collect()
    }
}
