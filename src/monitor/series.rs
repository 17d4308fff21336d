//! A time series reduced to its lower envelope: readings fall into fixed-width
//! time buckets and each bucket keeps only its lowest reading.
//!
//! Memory in a collected heap rises between collections and falls at each one,
//! so the lowest reading of a stretch of time is the closest to what is really
//! live. Keeping one point per bucket also bounds the series (window / bucket
//! points) whatever the reading rate, which keeps the quadratic statistics cheap.

use super::stats::Point;
use std::collections::VecDeque;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    index: i64,
    t: f64,
    v: f64,
}

/// Bucket minima in time order.
#[derive(Debug, Clone)]
pub struct FloorSeries {
    bucket_ms: f64,
    buckets: VecDeque<Bucket>,
}

impl FloorSeries {
    /// `bucket_ms` must be positive and finite.
    pub fn new(bucket_ms: f64) -> Self {
        FloorSeries {
            bucket_ms,
            buckets: VecDeque::new(),
        }
    }

    /// Adds a reading; non-finite times or values are ignored.
    pub fn push(&mut self, t: f64, v: f64) {
        if !t.is_finite() || !v.is_finite() {
            return;
        }
        let index = (t / self.bucket_ms).floor() as i64;
        // Readings arrive in time order, so the match is almost always the last.
        match self.buckets.iter().rposition(|b| b.index <= index) {
            Some(i) if self.buckets[i].index == index => {
                let b = &mut self.buckets[i];
                if v < b.v {
                    b.t = t;
                    b.v = v;
                }
            }
            Some(i) => self.buckets.insert(i + 1, Bucket { index, t, v }),
            None => self.buckets.push_front(Bucket { index, t, v }),
        }
    }

    /// Drops every point older than `cutoff`; returns the newest one dropped.
    pub fn prune(&mut self, cutoff: f64) -> Option<Point> {
        let mut newest = None;
        while self.buckets.front().is_some_and(|b| b.t < cutoff) {
            newest = self.buckets.pop_front().map(|b| (b.t, b.v));
        }
        newest
    }

    /// The points, oldest first.
    pub fn points(&self) -> Vec<Point> {
        self.buckets.iter().map(|b| (b.t, b.v)).collect()
    }

    pub fn len(&self) -> usize {
        self.buckets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }

    /// The newest point.
    pub fn last(&self) -> Option<Point> {
        self.buckets.back().map(|b| (b.t, b.v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_lowest_reading_of_each_bucket_with_its_time() {
        let mut s = FloorSeries::new(10.0);
        for (t, v) in [(0.0, 5.0), (3.0, 2.0), (9.0, 4.0), (12.0, 8.0), (25.0, 1.0)] {
            s.push(t, v);
        }
        assert_eq!(s.points(), vec![(3.0, 2.0), (12.0, 8.0), (25.0, 1.0)]);
        s.push(15.0, 7.0); // a late, lower reading still lowers its bucket
        s.push(f64::NAN, 0.0);
        s.push(16.0, f64::INFINITY);
        assert_eq!(s.points(), vec![(3.0, 2.0), (15.0, 7.0), (25.0, 1.0)]);
        s.push(-15.0, 3.0);
        assert_eq!(s.points()[0], (-15.0, 3.0));
        s.prune(4.0);
        assert_eq!(s.points(), vec![(15.0, 7.0), (25.0, 1.0)]);
        assert_eq!(s.last(), Some((25.0, 1.0)));
        assert_eq!(s.len(), 2);
    }
}
