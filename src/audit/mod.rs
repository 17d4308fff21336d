//! The aggregation behind the listener audit.
//!
//! The JS hooks on `EventEmitter.prototype` / `EventTarget.prototype` turn every
//! listener change into a two-word record `[row, op]` in a shared `Uint32Array`
//! and hand the batch over in one call. A row is one (call site × emitter class
//! × event name); the JS side interns those and owns the strings, this module
//! only sees row numbers. Per row it keeps added / removed / dropped counts,
//! the live count and its peak, the live count at the end of each of the last
//! windows, and decides when a row is a suspect: its live count is past a
//! threshold and grew in every one of the last few windows (a leak grows
//! steadily; a busy but healthy site goes up and down).
//!
//! Memory: one [`Row`] (about 80 bytes plus its window history) per row; rows
//! are never freed, so the JS side bounds how many it hands out (at most
//! 64 event names per call site and class, 10,000 rows in all: see
//! lib/audit/recorder.js).

mod rows;
mod suspect;

pub use rows::{Op, OpError, Row, Rows};
pub use suspect::{SuspectRule, SuspectRuleError};

/// Rows plus the suspect rule and window bookkeeping.
#[derive(Debug)]
pub struct Aggregator {
    rows: Rows,
    rule: SuspectRule,
}

impl Aggregator {
    pub fn new(rule: SuspectRule) -> Self {
        Aggregator {
            rows: Rows::new(rule.history()),
            rule,
        }
    }

    /// Applies a batch of `[row, op]` pairs in order.
    pub fn apply(&mut self, batch: &[u32]) -> Result<(), OpError> {
        self.rows.apply(batch)
    }

    /// Closes the current window for every row and returns the rows that just
    /// became suspects (or doubled their live count since they were reported).
    pub fn tick(&mut self) -> Vec<u32> {
        let mut out = Vec::new();
        for (i, row) in self.rows.iter_mut().enumerate() {
            row.close_window(self.rule.history());
            if self.rule.judge(row) {
                out.push(i as u32);
            }
        }
        out
    }

    pub fn rows(&self) -> &Rows {
        &self.rows
    }

    /// Marks a row as never suspect (rows without a call site).
    pub fn exempt(&mut self, row: u32) {
        self.rows.get_or_grow(row).exempt = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(ops: &[(u32, Op)]) -> Vec<u32> {
        ops.iter().flat_map(|&(r, op)| [r, op.encode()]).collect()
    }

    #[test]
    fn steady_growth_becomes_a_suspect_once_then_again_when_doubled() {
        let rule = SuspectRule::new(5, 3, 6).unwrap();
        let mut agg = Aggregator::new(rule);
        let mut reported = Vec::new();
        for w in 0..8 {
            let adds: Vec<_> = (0..3).map(|_| (0, Op::Add)).collect();
            agg.apply(&batch(&adds)).unwrap();
            reported.push((w, agg.tick()));
        }
        // live after window w is 3(w+1); three growing windows need four window
        // ends, so the first report is at w=3 (live 12), the next at live 24.
        let fired: Vec<_> = reported
            .iter()
            .filter(|(_, s)| s == &vec![0])
            .map(|(w, _)| *w)
            .collect();
        assert_eq!(fired, vec![3, 7]);
    }

    #[test]
    fn a_row_that_goes_up_and_down_is_not_a_suspect() {
        let mut agg = Aggregator::new(SuspectRule::new(1, 2, 4).unwrap());
        for w in 0..10 {
            let op = if w % 2 == 0 { Op::Add } else { Op::Remove };
            agg.apply(&batch(&[(0, Op::Add), (0, Op::Add), (0, op)]))
                .unwrap();
            if w % 2 == 1 {
                agg.apply(&batch(&[(0, Op::Remove), (0, Op::Remove)]))
                    .unwrap();
            }
            assert!(agg.tick().is_empty(), "window {w}");
        }
    }

    #[test]
    fn exempt_rows_never_fire() {
        let mut agg = Aggregator::new(SuspectRule::new(1, 1, 2).unwrap());
        agg.exempt(2);
        for _ in 0..4 {
            agg.apply(&batch(&[(2, Op::Add)])).unwrap();
            assert!(agg.tick().is_empty());
        }
        assert_eq!(agg.rows().get(2).unwrap().live, 4);
    }
}
