//! The memory trend monitor: keeps the memory series of one process and decides
//! when it leaks.
//!
//! # What is judged
//! A healthy collected heap is a sawtooth: it climbs while the program allocates
//! and drops at each collection. Its *peaks* say nothing about leaks; its
//! *floor* (what survives a collection) does. So the heap, `external` and
//! `arrayBuffers` are judged only on readings taken right after a GC, reduced to
//! the lowest reading per time bucket ([`series::FloorSeries`]). Floors after
//! full (mark-compact) collections are the truest, and decide alone when there
//! are enough of them to judge (`min_samples` spanning half the window). Until
//! then the floors after any collection are judged; but these also climb with
//! garbage promoted to old space between full collections, a sawtooth with one
//! tooth per full collection, so full collections that show less than a third
//! of the climb overrule them, over a quarter window or more or over the newer
//! half of the window (under a leak both see the same growth). A single old-space cycle longer than the whole window
//! cannot be told from a leak: choose a window that spans several of them.
//!
//! `rss` is judged on the lower envelope of the periodic samples, and only
//! while the heap floor, `heapTotal` (the heap's capacity, which V8 grows under
//! churn) and `external` are neither suspected nor growing at half the
//! threshold, since their growth would explain it: what rss adds is native
//! memory outside V8's books.
//!
//! # The test
//! For each series over the last `window_ms`, a leak is suspected when all of:
//! 1. the series holds at least `min_samples` points spanning at least half the
//!    window (so a judgement never rests on a few seconds of warm-up);
//! 2. its Theil–Sen slope is at least `threshold_bytes_per_minute`;
//! 3. a one-sided Mann–Kendall test rejects "no upward trend" at `confidence`;
//! 4. persistence: the median of each quarter of the window exceeds the one
//!    before, and the newest quarter alone still grows, each at no less than
//!    half the threshold and a third of the overall slope (growth spread over
//!    the whole window, not bunched in one part of it), and has not fallen
//!    behind the trend of the three older quarters (growth still going on at
//!    the time of the alarm).
//!
//! Why these: memory readings are not Gaussian. A GC that ran late, a burst of
//! in-flight requests or a cache fill puts single readings far off the line.
//! Theil–Sen (the median pairwise slope) ignores up to 29% of such points;
//! Mann–Kendall is a rank test, so it asks only "do later floors exceed earlier
//! ones more often than chance allows", whatever the size of the noise. Its
//! variance is widened for ties and for serial correlation (Hamed & Rao), as
//! consecutive floors are never independent ([`stats`]).
//!
//! `confidence` is the probability that a series with no upward trend would
//! have shown a weaker one than observed: at 0.99, about one judgement in a
//! hundred on a trendless series would pass step 3 by chance. Steps 2 and 4 are
//! what keep such a chance pass from becoming an alarm: on a flat floor the
//! slope is near zero, far below any useful threshold. Step 4 rejects a step
//! followed by a plateau (a cache warming up, a deploy): its overall slope is
//! steep and significant, but a rise shorter than half the window leaves two
//! neighbouring quarters level, and once it is over the newest quarter is flat.
//! Right after the warm-up the first judgements cover only half the window, so
//! a fill can take up most of the span: its newest quarter then holds a few
//! noisy points, still above the quarter before. It lies below the fill's
//! trend, extended, once the plateau has lasted about three quarters of a
//! quarter (about a minute with the defaults): a fill that goes on for more
//! than about 0.4 × the window after the warm-up can still alarm.
//!
//! # The growth reported
//! A leak event's and [`MetricStatus`]'s `bytes_per_minute` is the Theil–Sen
//! slope of the judged series, except for a floor judged on the minor-GC
//! readings while at least three full-GC floors span half the window: their
//! slope is given then, as the minor floors also climb with promoted garbage
//! (under churn they showed a flat heap growing, and a leak growing at three
//! times its rate). Which verdict is reached does not depend on it.
//!
//! # Recovery
//! An alarmed metric recovers when it is no longer suspected and the slope of
//! the newer half of its window is below half the threshold (growth has stopped
//! for most of the last half window), so a noisy judgement does not flap the
//! alarm. For the heap, `external` and `arrayBuffers`, the full-GC floors must
//! agree, the last one before the window included: a full collection in the
//! window drops the minor-GC floors back to the live heap, which bends their
//! newer half flat or down under a leak too. (A busy leaking service with one
//! full GC per window alarmed, recovered and alarmed again every few teeth.)
//! Full-GC floors rising at the threshold or faster also never overrule the
//! minor floors' alarm, however much faster those climb with promoted garbage.
//!
//! # Time to alarm
//! For a leak well above the threshold (1 MB/s against the default 1 MiB/min),
//! the alarm comes at the first evaluation after the series spans half the
//! window: about `window_ms / 2` plus one sampling interval.

mod detector;
pub mod series;
pub mod stats;
#[cfg(test)]
mod tests;

pub use detector::{
    Event, Metric, MetricStatus, Monitor, Reading, ReadingKind, Settings, SettingsError,
};
