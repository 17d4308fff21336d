//! Synthetic series through the whole detector: what must alarm, what must not.

use super::*;

const MB: f64 = 1024.0 * 1024.0;
const S: f64 = 1000.0;
const MIN: f64 = 60_000.0;

fn settings() -> Settings {
    Settings {
        window_ms: 10.0 * MIN,
        bucket_ms: 6.0 * S,
        min_samples: 12,
        confidence: 0.99,
        threshold_bytes_per_minute: MB,
    }
}

/// Deterministic uniform noise in [-1, 1) (xorshift64).
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

/// What a simulated process looks like at time `t`: the live heap, and how
/// much garbage sits on top of it (collected at each GC).
struct Sim {
    /// Live JS heap at `t`.
    live: Box<dyn Fn(f64) -> f64>,
    /// Live external memory at `t`.
    external: Box<dyn Fn(f64) -> f64>,
    /// Resident memory outside the heap at `t`.
    native: Box<dyn Fn(f64) -> f64>,
    /// Time between minor GCs and between full GCs, and of the first full GC.
    minor_every: f64,
    major_every: f64,
    first_major: f64,
    /// Garbage promoted per ms between full GCs (the old-space sawtooth).
    promoted_per_ms: f64,
    /// Noise amplitude of each reading, bytes.
    noise: f64,
}

impl Sim {
    fn flat(level: f64) -> Sim {
        Sim {
            live: Box::new(move |_| level),
            external: Box::new(|_| 2.0 * MB),
            native: Box::new(|_| 40.0 * MB),
            minor_every: 2.0 * S,
            major_every: 30.0 * S,
            first_major: 0.0,
            promoted_per_ms: 0.0,
            noise: 3.0 * MB,
        }
    }

    /// Runs from 0 to `end`, sampling every 5 s and evaluating after each
    /// sample; returns the events with the time they were raised.
    fn run(&self, m: &mut Monitor, end: f64) -> Vec<(f64, Event)> {
        let mut rng = Noise(0x9e37_79b9_7f4a_7c15);
        let mut out = Vec::new();
        let step = 100.0;
        let mut t = 0.0;
        let (mut next_minor, mut next_major, mut next_sample) = (0.0, self.first_major, 0.0);
        let mut last_major = 0.0;
        while t <= end {
            let live = (self.live)(t);
            let promoted = self.promoted_per_ms * (t - last_major);
            let reading = |kind, garbage: f64, rng: &mut Noise| Reading {
                t,
                kind,
                rss: live + garbage + 20.0 * MB + (self.native)(t),
                heap_used: live + garbage + self.noise * rng.next().abs(),
                heap_total: live + garbage + 20.0 * MB,
                external: (self.external)(t) + self.noise * 0.1 * rng.next().abs(),
                array_buffers: (self.external)(t) * 0.9,
            };
            if t >= next_major {
                last_major = t;
                next_major += self.major_every;
                next_minor = t + self.minor_every;
                m.add(&reading(ReadingKind::AfterMajorGc, 0.0, &mut rng));
            } else if t >= next_minor {
                next_minor += self.minor_every;
                m.add(&reading(ReadingKind::AfterMinorGc, promoted, &mut rng));
            }
            if t >= next_sample {
                next_sample += 5.0 * S;
                // Between GCs the heap carries up to 80 MB of young garbage.
                let young = 80.0 * MB * ((t % self.minor_every) / self.minor_every);
                m.add(&reading(ReadingKind::Periodic, promoted + young, &mut rng));
                out.extend(m.evaluate(t).into_iter().map(|e| (t, e)));
            }
            t += step;
        }
        out
    }
}

fn leaks(events: &[(f64, Event)]) -> Vec<(f64, Metric, f64)> {
    events
        .iter()
        .filter_map(|&(t, e)| match e {
            Event::Leak {
                metric,
                bytes_per_minute,
                ..
            } => Some((t, metric, bytes_per_minute)),
            _ => None,
        })
        .collect()
}

/// The kinds of the events, in order.
fn kinds(events: &[(f64, Event)]) -> Vec<&'static str> {
    events
        .iter()
        .map(|(_, e)| match e {
            Event::Leak { .. } => "leak",
            Event::Recovered { .. } => "recovered",
        })
        .collect()
}

#[test]
fn a_linear_heap_leak_under_noise_alarms_within_about_half_a_window() {
    let mut m = Monitor::new(settings()).unwrap();
    let mut sim = Sim::flat(0.0);
    sim.live = Box::new(|t| 50.0 * MB + 2.0 * MB * t / MIN);
    let ev = sim.run(&mut m, 30.0 * MIN);
    let l = leaks(&ev);
    assert_eq!(l.len(), 1, "{ev:?}");
    let (t, metric, rate) = l[0];
    assert_eq!(metric, Metric::HeapUsed);
    assert!((5.0 * MIN..=6.0 * MIN).contains(&t), "alarm at {t}");
    assert!((rate / (2.0 * MB) - 1.0).abs() < 0.1, "rate {rate}");
    let Event::Leak {
        since, confidence, ..
    } = ev[0].1
    else {
        unreachable!()
    };
    assert!(
        since < 10.0 * S && confidence >= 0.99,
        "{since} {confidence}"
    );
    let st = m.status();
    assert!(st[0].suspected && st[0].judged && st[0].alarms == 1);
    assert!(!st[1].suspected && !st[3].suspected);
}

#[test]
fn a_healthy_sawtooth_never_alarms() {
    // Periodic readings climb 80 MB between GCs; the floor is flat.
    let mut m = Monitor::new(settings()).unwrap();
    let ev = Sim::flat(60.0 * MB).run(&mut m, 60.0 * MIN);
    assert_eq!(ev, vec![]);
    let st = m.status();
    assert!(st[0].judged && st[0].bytes_per_minute.unwrap().abs() < 0.2 * MB);
}

#[test]
fn churn_with_promoted_garbage_between_full_gcs_never_alarms() {
    // Minor-GC floors climb 40 MB between full GCs. Frequent full GCs: the
    // major floor is judged alone.
    let mut sim = Sim::flat(60.0 * MB);
    sim.promoted_per_ms = 40.0 * MB / (25.0 * S);
    sim.major_every = 25.0 * S;
    let mut m = Monitor::new(settings()).unwrap();
    assert_eq!(sim.run(&mut m, 60.0 * MIN), vec![]);
    // Rarer full GCs (every 150 s, four teeth per window): too few to judge
    // on alone, but their flat floors overrule the climbing minor floors.
    sim.promoted_per_ms = 40.0 * MB / (150.0 * S);
    sim.major_every = 150.0 * S;
    let mut m = Monitor::new(settings()).unwrap();
    assert_eq!(sim.run(&mut m, 60.0 * MIN), vec![]);
    // Two teeth per window, likewise.
    sim.promoted_per_ms = 40.0 * MB / (280.0 * S);
    sim.major_every = 280.0 * S;
    let mut m = Monitor::new(settings()).unwrap();
    assert_eq!(sim.run(&mut m, 60.0 * MIN), vec![]);
}

#[test]
fn a_leak_with_rare_full_gcs_alarms_on_the_minor_floors() {
    // A growing heap makes full GCs rarer: one every 150 s is too few to judge
    // on alone, and they rise with the leak, so they do not overrule it.
    let mut sim = Sim::flat(0.0);
    sim.live = Box::new(|t| 50.0 * MB + 3.0 * MB * t / MIN);
    sim.major_every = 150.0 * S;
    sim.promoted_per_ms = 10.0 * MB / (150.0 * S);
    let mut m = Monitor::new(settings()).unwrap();
    let l = leaks(&sim.run(&mut m, 20.0 * MIN));
    assert_eq!(l.len(), 1, "{l:?}");
    assert_eq!(l[0].1, Metric::HeapUsed);
    assert!(l[0].0 <= 7.0 * MIN, "alarm at {}", l[0].0);
}

#[test]
fn a_steady_leak_with_one_full_gc_per_window_alarms_once_and_stays() {
    // What a leaking service under load looks like with a short window: the
    // minor-GC floors climb with promoted garbage (2.5 times the leak) and
    // drop back at each full GC, about once per window. A full GC inside the
    // window bends the minor floors down, so they no longer look like a leak,
    // but the full-GC floors keep rising: growth has not stopped.
    let mut sim = Sim::flat(0.0);
    sim.live = Box::new(|t| 50.0 * MB + 3.0 * MB * t / MIN);
    sim.promoted_per_ms = 7.5 * MB / MIN;
    for every in [7.0, 9.0, 11.0] {
        sim.major_every = every * MIN;
        let mut m = Monitor::new(settings()).unwrap();
        let ev = sim.run(&mut m, 60.0 * MIN);
        assert_eq!(kinds(&ev), ["leak"], "full GC every {every} min: {ev:?}");
        assert!(m.status()[0].suspected);
    }
}

#[test]
fn a_step_then_a_plateau_never_alarms() {
    // A cache fills 200 MB in one minute, at 20 min, then stays.
    let mut sim = Sim::flat(0.0);
    sim.live = Box::new(|t| 50.0 * MB + 200.0 * MB * ((t - 20.0 * MIN) / MIN).clamp(0.0, 1.0));
    let mut m = Monitor::new(settings()).unwrap();
    assert_eq!(sim.run(&mut m, 60.0 * MIN), vec![]);
    // A slow fill over 4 minutes, crossing quarter boundaries, likewise.
    sim.live =
        Box::new(|t| 50.0 * MB + 100.0 * MB * ((t - 20.0 * MIN) / (4.0 * MIN)).clamp(0.0, 1.0));
    let mut m = Monitor::new(settings()).unwrap();
    assert_eq!(sim.run(&mut m, 60.0 * MIN), vec![]);
}

#[test]
fn a_leak_that_stops_recovers_and_a_new_one_alarms_again() {
    let mut sim = Sim::flat(0.0);
    // Grows 3 MB/min for 15 min, flat for 15, grows again.
    sim.live = Box::new(|t| {
        let growing = t.min(15.0 * MIN) + (t - 30.0 * MIN).max(0.0);
        50.0 * MB + 3.0 * MB * growing / MIN
    });
    let mut m = Monitor::new(settings()).unwrap();
    let ev = sim.run(&mut m, 45.0 * MIN);
    assert_eq!(kinds(&ev), ["leak", "recovered", "leak"], "{ev:?}");
    let (
        t,
        Event::Recovered {
            since,
            bytes_per_minute,
            ..
        },
    ) = ev[1]
    else {
        unreachable!()
    };
    assert!((17.0 * MIN..=21.0 * MIN).contains(&t), "recovered at {t}");
    assert!(
        since < 10.0 * S && bytes_per_minute.abs() < 0.5 * MB,
        "{since} {bytes_per_minute}"
    );
    assert_eq!(m.status()[0].alarms, 2);
}

#[test]
fn a_buffer_leak_shows_in_external_while_the_heap_stays_flat() {
    let mut sim = Sim::flat(60.0 * MB);
    sim.external = Box::new(|t| 5.0 * MB + 4.0 * MB * t / MIN);
    // Buffers are resident too: rss outside the heap grows with them.
    sim.native = Box::new(|t| 40.0 * MB + 4.0 * MB * t / MIN);
    let mut m = Monitor::new(settings()).unwrap();
    let l = leaks(&sim.run(&mut m, 20.0 * MIN));
    let metrics: Vec<Metric> = l.iter().map(|x| x.1).collect();
    assert_eq!(metrics, [Metric::External, Metric::ArrayBuffers]);
    assert!((l[0].2 / (4.0 * MB) - 1.0).abs() < 0.1);
}

#[test]
fn native_growth_outside_heap_and_buffers_shows_in_rss() {
    let mut sim = Sim::flat(60.0 * MB);
    sim.native = Box::new(|t| 40.0 * MB + 5.0 * MB * t / MIN);
    let mut m = Monitor::new(settings()).unwrap();
    let l = leaks(&sim.run(&mut m, 20.0 * MIN));
    assert_eq!(l.len(), 1);
    assert_eq!(l[0].1, Metric::Rss);
}

#[test]
fn growth_below_the_threshold_never_alarms() {
    let mut sim = Sim::flat(0.0);
    sim.noise = 0.0;
    sim.live = Box::new(|t| 50.0 * MB + 0.5 * MB * t / MIN);
    let mut m = Monitor::new(settings()).unwrap();
    assert_eq!(sim.run(&mut m, 30.0 * MIN), vec![]);
    let st = m.status()[0];
    assert!(st.confidence.unwrap() > 0.999, "a real trend, just small");
    assert!((st.bytes_per_minute.unwrap() / (0.5 * MB) - 1.0).abs() < 0.01);
}

#[test]
fn settings_are_checked_with_messages_naming_the_value() {
    let bad = |f: fn(&mut Settings)| {
        let mut s = settings();
        f(&mut s);
        Monitor::new(s).unwrap_err().to_string()
    };
    assert_eq!(
        bad(|s| s.window_ms = 0.0),
        "windowMs must be a positive finite number, got 0"
    );
    assert_eq!(
        bad(|s| s.bucket_ms = 1e9),
        "bucketMs must be positive and at most windowMs, got 1000000000"
    );
    assert_eq!(
        bad(|s| s.min_samples = 3),
        "minSamples must be at least 8, got 3"
    );
    assert_eq!(
        bad(|s| s.confidence = 1.0),
        "confidence must be between 0.5 and 1 (exclusive), got 1"
    );
    assert_eq!(
        bad(|s| s.threshold_bytes_per_minute = f64::NAN),
        "thresholdBytesPerMinute must be a positive finite number, got NaN"
    );
}

/// The review's service: from the end of the warm-up (t = 0) a cache grows
/// `rate` MB/min for `fill` seconds (forever if `None`), then stays; the floor
/// wobbles by 5 MB every 20 s, full GCs come every `major` s from `first` s.
fn warm_cache(rate: f64, fill: Option<f64>, major: f64, first: f64) -> Sim {
    let end = fill.map_or(f64::INFINITY, |f| f * S);
    let mut sim = Sim::flat(0.0);
    sim.live = Box::new(move |t: f64| {
        let wobble = if (t / (20.0 * S)) as i64 % 2 == 0 {
            0.0
        } else {
            5.0 * MB
        };
        20.0 * MB + rate * MB * t.min(end) / MIN + wobble
    });
    sim.major_every = major * S;
    sim.first_major = first * S;
    sim.noise = 2.0 * MB;
    sim
}

#[test]
fn a_cache_that_fills_for_most_of_half_a_window_after_the_warm_up_never_alarms() {
    // 12 MB/min for 250 s (210–260 s), then level: at the first judgements,
    // 5 min after the warm-up, most of the judged span is the fill, and its
    // newest quarter is level for about a minute.
    for (fill, major, first) in [
        (250.0, 15.0, 30.0),
        (250.0, 20.0, 35.0),
        (250.0, 25.0, 10.0),
        (210.0, 15.0, 0.0),
        (260.0, 15.0, 40.0),
    ] {
        let mut m = Monitor::new(settings()).unwrap();
        let ev = warm_cache(12.0, Some(fill), major, first).run(&mut m, 20.0 * MIN);
        assert_eq!(
            ev,
            vec![],
            "fill {fill} s, full GC every {major} s from {first} s"
        );
    }
}

#[test]
fn a_steady_leak_under_the_same_floors_alarms_at_the_first_judgements() {
    // The same wobbling floors, growing for good: slow (about 30 KB/s) and fast.
    for (rate, major) in [(1.8, 15.0), (1.8, 40.0), (3.0, 25.0), (57.0, 15.0)] {
        let mut m = Monitor::new(settings()).unwrap();
        let ev = warm_cache(rate, None, major, 0.0).run(&mut m, 20.0 * MIN);
        let l = leaks(&ev);
        assert_eq!(
            kinds(&ev),
            ["leak"],
            "{rate} MB/min, full GC every {major} s"
        );
        assert!(
            (5.0 * MIN..=6.5 * MIN).contains(&l[0].0),
            "{rate} MB/min: alarm at {}",
            l[0].0
        );
    }
}

#[test]
fn the_reported_growth_is_the_full_gc_floors_when_promoted_garbage_inflates_the_minor_ones() {
    // Full GCs every minute: ten per window, too few to judge on alone. The
    // minor floors climb 30 MB per tooth with promoted garbage; the live heap
    // grows 3 MB/min. The alarm and status() should give the live growth, not
    // a slope of the sawtooth the full GCs overrule.
    let mut sim = Sim::flat(0.0);
    sim.live = Box::new(|t| 50.0 * MB + 3.0 * MB * t / MIN);
    sim.major_every = MIN;
    sim.promoted_per_ms = 30.0 * MB / MIN;
    let mut m = Monitor::new(settings()).unwrap();
    let l = leaks(&sim.run(&mut m, 20.0 * MIN));
    assert_eq!(l.len(), 1, "{l:?}");
    let rate = l[0].2 / MB;
    assert!(
        (2.4..=3.6).contains(&rate),
        "alarm at {rate} MB/min, live growth 3"
    );
    let st = m.status()[0].bytes_per_minute.unwrap() / MB;
    assert!(
        (2.4..=3.6).contains(&st),
        "status {st} MB/min, live growth 3"
    );
    // A flat live heap under the same churn: no alarm, and no growth shown.
    sim.live = Box::new(|_| 60.0 * MB);
    let mut m = Monitor::new(settings()).unwrap();
    assert_eq!(sim.run(&mut m, 20.0 * MIN), vec![]);
    let st = m.status()[0].bytes_per_minute.unwrap() / MB;
    assert!(st.abs() < 0.5, "status {st} MB/min on a flat live heap");
}
