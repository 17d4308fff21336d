//! The leak detector: readings in, `Leak`/`Recovered` events out.

use super::series::FloorSeries;
use super::stats::{mann_kendall, median, theil_sen, Point};
use std::fmt;

const MS_PER_MINUTE: f64 = 60_000.0;

/// A memory figure the detector judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// The JS heap in use, judged on its post-GC floor.
    HeapUsed,
    /// Memory of C++ objects bound to JS objects (Buffers included), post-GC floor.
    External,
    /// The `ArrayBuffer`/`Buffer` backing stores (part of `External`), post-GC floor.
    ArrayBuffers,
    /// Resident memory, lower envelope of the periodic samples; judged only
    /// while neither the heap nor `External` is suspected (their growth would
    /// explain it), so it catches native leaks outside V8's accounting.
    Rss,
}

impl Metric {
    pub const ALL: [Metric; 4] = [
        Metric::HeapUsed,
        Metric::External,
        Metric::ArrayBuffers,
        Metric::Rss,
    ];

    /// The name used in events: the `process.memoryUsage()` key.
    pub fn name(self) -> &'static str {
        match self {
            Metric::HeapUsed => "heapUsed",
            Metric::External => "external",
            Metric::ArrayBuffers => "arrayBuffers",
            Metric::Rss => "rss",
        }
    }
}

/// When a reading was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadingKind {
    /// On the sampling timer: between collections, an upper bound of what is live.
    Periodic,
    /// Right after a scavenge (or another collection that is not a full one).
    AfterMinorGc,
    /// Right after a full mark-compact: the closest to what is really live.
    AfterMajorGc,
}

/// One `process.memoryUsage()` reading, in bytes, at `t` milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    pub t: f64,
    pub kind: ReadingKind,
    pub rss: f64,
    pub heap_used: f64,
    pub heap_total: f64,
    pub external: f64,
    pub array_buffers: f64,
}

/// Detector settings; see the module docs for how each one acts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// How far back the trend is judged, in ms.
    pub window_ms: f64,
    /// Width of the time buckets that reduce readings to their minimum, in ms.
    pub bucket_ms: f64,
    /// Fewest points (non-empty buckets) a series needs to be judged.
    pub min_samples: u32,
    /// One-sided Mann–Kendall confidence an upward trend needs, in (0.5, 1).
    pub confidence: f64,
    /// Smallest growth worth an alarm, in bytes per minute.
    pub threshold_bytes_per_minute: f64,
}

/// A setting out of range; the message names it and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingsError(pub String);

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SettingsError {}

impl Settings {
    pub fn validate(&self) -> Result<(), SettingsError> {
        let bad = |name: &str, v: f64, rule: &str| {
            Err(SettingsError(format!("{name} must be {rule}, got {v}")))
        };
        if !(self.window_ms.is_finite() && self.window_ms > 0.0) {
            return bad("windowMs", self.window_ms, "a positive finite number");
        }
        if !(self.bucket_ms.is_finite() && self.bucket_ms > 0.0 && self.bucket_ms <= self.window_ms)
        {
            return bad("bucketMs", self.bucket_ms, "positive and at most windowMs");
        }
        // Bounds the points per series, and so the quadratic statistics.
        if self.window_ms / self.bucket_ms > 1000.0 {
            return bad("bucketMs", self.bucket_ms, "at least windowMs / 1000");
        }
        if self.min_samples < 8 {
            return bad("minSamples", self.min_samples.into(), "at least 8");
        }
        if !(self.confidence > 0.5 && self.confidence < 1.0) {
            return bad(
                "confidence",
                self.confidence,
                "between 0.5 and 1 (exclusive)",
            );
        }
        if !(self.threshold_bytes_per_minute.is_finite() && self.threshold_bytes_per_minute > 0.0) {
            return bad(
                "thresholdBytesPerMinute",
                self.threshold_bytes_per_minute,
                "a positive finite number",
            );
        }
        Ok(())
    }

    fn threshold_per_ms(&self) -> f64 {
        self.threshold_bytes_per_minute / MS_PER_MINUTE
    }
}

/// What the detector concluded about one metric at the last evaluation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricStatus {
    pub metric: Metric,
    /// Points in the judged series.
    pub points: u32,
    /// The newest floor (lowest reading of the newest bucket), bytes.
    pub floor_bytes: Option<f64>,
    /// Theil–Sen slope over the window, bytes per minute.
    pub bytes_per_minute: Option<f64>,
    /// Mann–Kendall confidence of an upward trend, 0..1.
    pub confidence: Option<f64>,
    /// Whether the series had enough points and span to be judged at all.
    pub judged: bool,
    /// Whether a leak alarm is raised (between a `Leak` and a `Recovered`).
    pub suspected: bool,
    /// Start of the growth behind the raised alarm, ms.
    pub since: Option<f64>,
    /// Leak alarms raised so far.
    pub alarms: u64,
}

/// A change of verdict.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event {
    /// A metric grows with a significant trend above the threshold.
    Leak {
        metric: Metric,
        bytes_per_minute: f64,
        /// Start of the window the growth was measured over, ms.
        since: f64,
        confidence: f64,
    },
    /// A metric alarmed before has stopped growing.
    Recovered {
        metric: Metric,
        /// Slope over the newest half of the window, bytes per minute.
        bytes_per_minute: f64,
        /// The `since` of the alarm this ends.
        since: f64,
    },
}

#[derive(Debug, Clone, Copy, Default)]
struct Verdict {
    points: usize,
    judged: bool,
    slope: Option<f64>,
    /// The growth reported (leak events, status): `slope`, or for floors judged
    /// on the minor-GC readings, the full-GC floors' slope when there are
    /// enough of them to measure it (the minor floors also climb with promoted
    /// garbage, and show it as growth).
    rate: Option<f64>,
    confidence: Option<f64>,
    /// Slope over the newest half of the series.
    recent: Option<f64>,
    /// Enough evidence of growth for an alarm.
    suspect: bool,
    /// Clear evidence that growth stopped.
    flat: bool,
    start: f64,
    end: f64,
}

#[derive(Debug, Clone, Copy, Default)]
struct State {
    alarmed: bool,
    since: f64,
    alarms: u64,
    last: Verdict,
}

/// Persistence. A leak lifts every part of the window and is still growing at
/// its end; a one-off rise (a cache filling up, a deploy, a warm-up) does
/// neither. So the median of each quarter of the series (by time) must exceed
/// the previous one by at least `min_slope` times a quarter's length (a step or
/// a ramp shorter than half the window leaves a flat pair; a warm-up that levels
/// off, a small last step), and the Theil–Sen slope of the newest quarter must
/// be at least `min_slope` (a finished ramp is flat there). With `stall`, the
/// newest quarter must also not have fallen behind the older trend
/// ([`stalled`]).
fn persists(pts: &[Point], min_slope: f64, stall: bool) -> bool {
    let (first, last) = (pts[0].0, pts[pts.len() - 1].0);
    let quarter = (last - first) / 4.0;
    let mut medians = [0.0; 4];
    let mut newest: &[Point] = &[];
    for (q, m) in medians.iter_mut().enumerate() {
        let lo = first + quarter * q as f64;
        let start = pts.partition_point(|p| p.0 < lo);
        let end = if q == 3 {
            pts.len()
        } else {
            pts.partition_point(|p| p.0 < lo + quarter)
        };
        newest = &pts[start..end];
        let mut vals: Vec<f64> = newest.iter().map(|p| p.1).collect();
        match median(&mut vals) {
            Some(x) => *m = x,
            None => return false,
        }
    }
    let older = &pts[..pts.len() - newest.len()];
    medians
        .windows(2)
        .all(|w| w[1] - w[0] >= min_slope * quarter)
        && theil_sen(newest).is_some_and(|s| s >= min_slope)
        && !(stall && stalled(older, newest, quarter))
}

/// Whether growth has stopped within the newest quarter: its points lie below
/// the trend of the three older quarters, extended, by more than that trend
/// gains in a quarter of a quarter and by more than twice the standard error
/// of their median. A cache that fills for most of the judged span and then
/// levels off passes the quarter tests on the fill alone (its newest quarter
/// holds a few noisy points, still above the quarter before); it fails this
/// one once its plateau has lasted about three quarters of a quarter. Under a
/// steady leak, slow or fast, the newest quarter stays on the trend.
fn stalled(older: &[Point], newest: &[Point], quarter: f64) -> bool {
    let Some(slope) = theil_sen(older) else {
        return false;
    };
    let resid = |pts: &[Point]| -> Vec<f64> { pts.iter().map(|&(t, v)| v - slope * t).collect() };
    let mut old = resid(older);
    let mut new = resid(newest);
    let (Some(base), Some(level)) = (median(&mut old), median(&mut new)) else {
        return false;
    };
    let mut dev: Vec<f64> = old.iter().map(|r| (r - base).abs()).collect();
    // 1.4826 · MAD estimates σ; the median of n points has a standard error
    // of about 1.25 σ / √n.
    let sigma = 1.4826 * median(&mut dev).unwrap_or(0.0);
    let se = 1.25 * sigma / (newest.len() as f64).sqrt();
    base - level > (slope * quarter / 4.0).max(2.0 * se)
}

/// Keeps the series of one process and decides.
#[derive(Debug, Clone)]
pub struct Monitor {
    settings: Settings,
    /// Post-GC floors of heapUsed, external, arrayBuffers after any collection…
    after_any: [FloorSeries; 3],
    /// …and after full collections only,
    after_major: [FloorSeries; 3],
    /// with the newest full-GC floor that has left the window.
    major_before: [Option<Point>; 3],
    /// rss and heapTotal from the periodic samples.
    rss: FloorSeries,
    heap_total: FloorSeries,
    states: [State; 4],
}

impl Monitor {
    pub fn new(settings: Settings) -> Result<Self, SettingsError> {
        settings.validate()?;
        let s = || FloorSeries::new(settings.bucket_ms);
        Ok(Monitor {
            settings,
            after_any: [s(), s(), s()],
            after_major: [s(), s(), s()],
            major_before: [None; 3],
            rss: s(),
            heap_total: s(),
            states: [State::default(); 4],
        })
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Records one reading.
    pub fn add(&mut self, r: &Reading) {
        let floors = [r.heap_used, r.external, r.array_buffers];
        match r.kind {
            ReadingKind::Periodic => {
                self.rss.push(r.t, r.rss);
                self.heap_total.push(r.t, r.heap_total);
            }
            ReadingKind::AfterMinorGc => {
                for (s, v) in self.after_any.iter_mut().zip(floors) {
                    s.push(r.t, v);
                }
            }
            ReadingKind::AfterMajorGc => {
                for (i, v) in floors.into_iter().enumerate() {
                    self.after_any[i].push(r.t, v);
                    self.after_major[i].push(r.t, v);
                }
            }
        }
    }

    /// Judges every metric on the window ending at `now` (ms) and returns the
    /// verdicts that changed.
    pub fn evaluate(&mut self, now: f64) -> Vec<Event> {
        let cutoff = now - self.settings.window_ms;
        for s in &mut self.after_any {
            s.prune(cutoff);
        }
        for (s, before) in self.after_major.iter_mut().zip(&mut self.major_before) {
            if let Some(p) = s.prune(cutoff) {
                *before = Some(p);
            }
        }
        self.rss.prune(cutoff);
        self.heap_total.prune(cutoff);

        let mut events = Vec::new();
        for i in 0..3 {
            let v = self.judge_floor(i);
            self.apply(i, v, &mut events);
        }
        // Growth of rss the heap or Buffers explain is theirs to report: rss is
        // judged only while the heap floor, the heap's capacity (heapTotal) and
        // external are neither suspected nor visibly growing.
        let half = self.settings.threshold_per_ms() / 2.0;
        let explained = self.states[..2]
            .iter()
            .any(|s| s.last.suspect || s.last.slope.is_some_and(|x| x >= half))
            || theil_sen(&self.heap_total.points()).is_some_and(|x| x >= half);
        if explained {
            // Not judged: the alarm state stands until rss can be judged again.
            self.states[3].last = Verdict::default();
        } else {
            let v = self.judge(&self.rss.points(), true);
            self.apply(3, v, &mut events);
        }
        events
    }

    fn judge_floor(&self, i: usize) -> Verdict {
        // Full-GC floors are the truest; they decide alone when there are
        // enough of them to judge.
        let major = self.after_major[i].points();
        let by_major = self.judge(&major, true);
        if by_major.judged {
            return by_major;
        }
        let mut v = self.judge(&self.after_any[i].points(), false);
        // Between full collections, minor-GC floors also climb with garbage
        // promoted to old space: a sawtooth with one tooth per full collection.
        // Under a leak the full-GC floors rise as fast; so full collections
        // showing less than a third of the minor floors' climb (or less than
        // half the threshold) overrule it: over a quarter window or more, or
        // over the newer half of the window (a warm-up that has levelled off).
        if v.suspect && major.len() >= 2 {
            // Full-GC floors rising at the threshold or faster are a leak of
            // their own, however much faster the minor floors climb.
            let limit = self.settings.threshold_per_ms();
            let least = (limit / 2.0).max((v.slope.unwrap_or(0.0) / 3.0).min(limit));
            let slow = |pts: &[Point]| pts.len() >= 2 && theil_sen(pts).is_some_and(|s| s < least);
            let span = major[major.len() - 1].0 - major[0].0;
            let mid = v.end - self.settings.window_ms / 2.0;
            let recent = &major[major.partition_point(|p| p.0 < mid)..];
            if (span >= self.settings.window_ms / 4.0 && slow(&major)) || slow(recent) {
                v.suspect = false;
                v.flat = true;
            }
        }
        // Growth must still be going on at the end. A full collection in the
        // newest quarter drops the minor floors below their trend under a
        // leak too, so their stall counts only if the full-GC floors of that
        // quarter have fallen behind their own older trend as well.
        if v.suspect {
            let any = self.after_any[i].points();
            let quarter = (v.end - v.start) / 4.0;
            let q4 = v.end - quarter;
            let split = any.partition_point(|p| p.0 < q4);
            let k = major.partition_point(|p| p.0 < q4);
            if stalled(&any[..split], &any[split..], quarter)
                && stalled(&major[..k], &major[k..], quarter)
            {
                v.suspect = false;
            }
        }
        // A full collection in the newer half of the window bends the minor
        // floors down, leak or not, so their flat newer half says nothing on
        // its own: growth has stopped only if the full-GC floors agree, the
        // last one before the window included (with one full GC per window
        // or fewer, the window alone never holds two).
        // The growth to report: under promoted garbage the minor floors' slope
        // overstates it (a tooth per full collection), so the full-GC floors
        // give it when at least three span half the window.
        if major.len() >= 3
            && major[major.len() - 1].0 - major[0].0 >= self.settings.window_ms / 2.0
        {
            v.rate = theil_sen(&major).or(v.rate);
        }
        if v.flat && !v.suspect {
            let mut pts: Vec<Point> = self.major_before[i].into_iter().collect();
            pts.extend(&major);
            let half = self.settings.threshold_per_ms() / 2.0;
            if pts.len() >= 2 && theil_sen(&pts).is_some_and(|s| s >= half) {
                v.flat = false;
            }
        }
        v
    }

    /// `stall`: whether a newest quarter below the older trend vetoes the
    /// alarm; not for the minor-GC floors, which a full collection in that
    /// quarter drops back to the live heap under a leak too.
    fn judge(&self, pts: &[Point], stall: bool) -> Verdict {
        let st = &self.settings;
        let mut v = Verdict {
            points: pts.len(),
            start: pts.first().map_or(0.0, |p| p.0),
            end: pts.last().map_or(0.0, |p| p.0),
            ..Verdict::default()
        };
        if pts.len() < 3 {
            return v;
        }
        let slope = theil_sen(pts).unwrap_or(0.0);
        let mk = mann_kendall(pts, slope);
        v.slope = Some(slope);
        v.rate = v.slope;
        v.confidence = mk.map(|m| m.confidence);
        let (first, last) = (pts[0].0, pts[pts.len() - 1].0);
        let span = last - first;
        let newer = &pts[pts.partition_point(|p| p.0 < first + span / 2.0)..];
        v.recent = if newer.len() >= 3 {
            theil_sen(newer)
        } else {
            None
        };
        let limit = st.threshold_per_ms();
        v.judged = pts.len() >= st.min_samples as usize && span >= st.window_ms / 2.0;
        v.suspect = v.judged
            && slope >= limit
            && v.confidence.is_some_and(|c| c >= st.confidence)
            && persists(pts, (limit / 2.0).max(slope / 3.0), stall);
        v.flat = v.recent.is_some_and(|s| s < limit / 2.0);
        v
    }

    fn apply(&mut self, i: usize, v: Verdict, events: &mut Vec<Event>) {
        let metric = Metric::ALL[i];
        let st = &mut self.states[i];
        st.last = v;
        if !st.alarmed && v.suspect {
            st.alarmed = true;
            st.since = v.start;
            st.alarms += 1;
            events.push(Event::Leak {
                metric,
                bytes_per_minute: v.rate.unwrap_or(0.0) * MS_PER_MINUTE,
                since: v.start,
                confidence: v.confidence.unwrap_or(0.0),
            });
        } else if st.alarmed && !v.suspect && v.flat {
            st.alarmed = false;
            events.push(Event::Recovered {
                metric,
                bytes_per_minute: v.recent.unwrap_or(0.0) * MS_PER_MINUTE,
                since: st.since,
            });
        }
    }

    /// The newest floor of metric `i`, as of the last reading.
    fn newest_floor(&self, i: usize) -> Option<f64> {
        let series = self.after_any.get(i).unwrap_or(&self.rss);
        series.last().map(|p| p.1)
    }

    /// The verdict on every metric as of the last evaluation (the floors as of
    /// the last reading).
    pub fn status(&self) -> [MetricStatus; 4] {
        std::array::from_fn(|i| {
            let st = &self.states[i];
            MetricStatus {
                metric: Metric::ALL[i],
                points: st.last.points as u32,
                floor_bytes: self.newest_floor(i),
                bytes_per_minute: st.last.rate.map(|s| s * MS_PER_MINUTE),
                confidence: st.last.confidence,
                judged: st.last.judged,
                suspected: st.alarmed,
                since: st.alarmed.then_some(st.since),
                alarms: st.alarms,
            }
        })
    }
}
