//! `MonitorCore`: the JS face of [`crate::monitor::Monitor`].
//!
//! Readings cross in batches: the JS wrapper packs them into a `Float64Array`,
//! seven numbers each, and hands over a batch per sampling tick (or when the
//! buffer fills), so a burst of GCs costs one call, not one per GC.

use super::error::{throw, Kind};
use crate::monitor::{Event, Monitor, Reading, ReadingKind, Settings};
use napi::bindgen_prelude::Float64Array;
use napi::{Env, Result};
use napi_derive::napi;

/// Numbers per reading in the batch passed to `ingest`.
const FIELDS: usize = 7;

/// Detector settings (validated again by the JS wrapper, which owns the
/// user-facing messages).
#[napi(object)]
pub struct MonitorSettings {
    /// How far back the trend is judged, ms.
    pub window_ms: f64,
    /// Width of the buckets readings are reduced to their minimum in, ms.
    pub bucket_ms: f64,
    /// Fewest points a series needs to be judged (at least 8).
    pub min_samples: u32,
    /// Mann–Kendall confidence an upward trend needs, in (0.5, 1).
    pub confidence: f64,
    /// Smallest growth worth an alarm, bytes per minute.
    pub threshold_bytes_per_minute: f64,
}

/// A change of verdict on one metric.
#[napi(object)]
pub struct MonitorEvent {
    /// `"leak"` or `"recovered"`.
    pub kind: String,
    /// `"heapUsed"`, `"external"`, `"arrayBuffers"` or `"rss"`.
    pub metric: String,
    /// Theil–Sen slope, bytes per minute (over the window for a leak, over its
    /// newer half for a recovery).
    pub bytes_per_minute: f64,
    /// Start of the growth the alarm is about, in the readings' clock (ms).
    pub since: f64,
    /// Mann–Kendall confidence of the trend (leaks only).
    pub confidence: Option<f64>,
}

/// The detector's current view of one metric.
#[napi(object)]
pub struct MetricVerdict {
    pub metric: String,
    /// Points in the judged series.
    pub points: u32,
    /// Newest floor, bytes (for `rss`: the lowest periodic reading).
    pub floor_bytes: Option<f64>,
    /// Theil–Sen slope over the window, bytes per minute.
    pub bytes_per_minute: Option<f64>,
    /// Mann–Kendall confidence of an upward trend.
    pub confidence: Option<f64>,
    /// Whether the series had enough points and span to be judged.
    pub judged: bool,
    /// Whether a leak alarm stands.
    pub suspected: bool,
    /// Start of the growth behind a standing alarm (readings' clock, ms).
    pub since: Option<f64>,
    /// Leak alarms raised so far.
    pub alarms: f64,
}

/// Keeps the memory series of one process and decides when it leaks.
#[napi]
pub struct MonitorCore {
    inner: Monitor,
}

fn reading_kind(k: f64) -> Option<ReadingKind> {
    [
        ReadingKind::Periodic,
        ReadingKind::AfterMinorGc,
        ReadingKind::AfterMajorGc,
    ]
    .into_iter()
    .zip([0.0, 1.0, 2.0])
    .find_map(|(kind, code)| (k == code).then_some(kind))
}

#[napi]
impl MonitorCore {
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env, settings: MonitorSettings) -> Result<Self> {
        let settings = Settings {
            window_ms: settings.window_ms,
            bucket_ms: settings.bucket_ms,
            min_samples: settings.min_samples,
            confidence: settings.confidence,
            threshold_bytes_per_minute: settings.threshold_bytes_per_minute,
        };
        let inner = Monitor::new(settings)
            .map_err(|e| throw(&env, Kind::Range, "ERR_LEAKGUARD_OPTION", &e.to_string()))?;
        Ok(MonitorCore { inner })
    }

    /// Records the first `count` readings of `records`, seven numbers each:
    /// time (ms), kind (0 periodic, 1 after a minor GC, 2 after a full GC),
    /// rss, heapUsed, heapTotal, external, arrayBuffers (bytes).
    #[napi(catch_unwind)]
    pub fn ingest(&mut self, env: Env, records: Float64Array, count: u32) -> Result<()> {
        let data: &[f64] = records.as_ref();
        let Some(batch) = data.get(..count as usize * FIELDS) else {
            let msg = format!(
                "count {count} exceeds the {} readings the batch holds",
                data.len() / FIELDS
            );
            return Err(throw(&env, Kind::Range, "ERR_LEAKGUARD_MONITOR", &msg));
        };
        for r in batch.chunks_exact(FIELDS) {
            let Some(kind) = reading_kind(r[1]) else {
                let msg = format!("reading kind must be 0, 1 or 2, got {}", r[1]);
                return Err(throw(&env, Kind::Range, "ERR_LEAKGUARD_MONITOR", &msg));
            };
            self.inner.add(&Reading {
                t: r[0],
                kind,
                rss: r[2],
                heap_used: r[3],
                heap_total: r[4],
                external: r[5],
                array_buffers: r[6],
            });
        }
        Ok(())
    }

    /// Judges every metric on the window ending at `now` (the readings' clock,
    /// ms) and returns the verdicts that changed.
    #[napi(catch_unwind)]
    pub fn evaluate(&mut self, now: f64) -> Vec<MonitorEvent> {
        self.inner
            .evaluate(now)
            .into_iter()
            .map(|e| match e {
                Event::Leak {
                    metric,
                    bytes_per_minute,
                    since,
                    confidence,
                } => MonitorEvent {
                    kind: "leak".into(),
                    metric: metric.name().into(),
                    bytes_per_minute,
                    since,
                    confidence: Some(confidence),
                },
                Event::Recovered {
                    metric,
                    bytes_per_minute,
                    since,
                } => MonitorEvent {
                    kind: "recovered".into(),
                    metric: metric.name().into(),
                    bytes_per_minute,
                    since,
                    confidence: None,
                },
            })
            .collect()
    }

    /// The verdict on every metric as of the last evaluation.
    #[napi(catch_unwind)]
    pub fn status(&self) -> Vec<MetricVerdict> {
        self.inner
            .status()
            .iter()
            .map(|s| MetricVerdict {
                metric: s.metric.name().into(),
                points: s.points,
                floor_bytes: s.floor_bytes,
                bytes_per_minute: s.bytes_per_minute,
                confidence: s.confidence,
                judged: s.judged,
                suspected: s.suspected,
                since: s.since,
                alarms: s.alarms as f64,
            })
            .collect()
    }
}
