//! Per-row counters and the batch format.

use std::collections::VecDeque;
use std::fmt;

/// One listener change. Encoded as `op | n << 2` in the second word of a
/// record: `Add` and `Remove` are single listeners, `Drop(n)` is `n`
/// listeners that vanished with their collected emitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Add,
    Remove,
    Drop(u32),
}

impl Op {
    pub fn encode(self) -> u32 {
        match self {
            Op::Add => 0,
            Op::Remove => 1,
            Op::Drop(n) => 2 | (n << 2),
        }
    }

    pub fn decode(word: u32) -> Result<Op, OpError> {
        match word & 3 {
            0 => Ok(Op::Add),
            1 => Ok(Op::Remove),
            2 => Ok(Op::Drop(word >> 2)),
            _ => Err(OpError::BadOp(word)),
        }
    }
}

/// A malformed batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpError {
    BadOp(u32),
    OddLength(usize),
    RowTooLarge(u32),
}

impl fmt::Display for OpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpError::BadOp(w) => write!(f, "op word {w} has an unknown op code"),
            OpError::OddLength(n) => write!(f, "batch length {n} is not a whole number of records"),
            OpError::RowTooLarge(r) => write!(f, "row {r} exceeds the row limit {MAX_ROWS}"),
        }
    }
}

impl std::error::Error for OpError {}

/// Row numbers are dense indices chosen by the caller; this bounds a bad one.
pub const MAX_ROWS: u32 = 1 << 22;

/// Counters of one (call site × emitter class × event).
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub added: u64,
    pub removed: u64,
    /// Listeners that went away with their collected emitter.
    pub dropped: u64,
    /// Listeners attached now (never below zero: removals of listeners whose
    /// add was not seen are counted but do not go negative).
    pub live: u64,
    pub peak: u64,
    /// Live count at the end of each closed window, oldest first.
    pub history: VecDeque<u64>,
    /// Live count when last reported as a suspect (0: never).
    pub reported_at: u64,
    pub exempt: bool,
}

impl Row {
    fn apply(&mut self, op: Op) {
        match op {
            Op::Add => {
                self.added += 1;
                self.live += 1;
                self.peak = self.peak.max(self.live);
            }
            Op::Remove => {
                self.removed += 1;
                self.live = self.live.saturating_sub(1);
            }
            Op::Drop(n) => {
                self.dropped += u64::from(n);
                self.live = self.live.saturating_sub(u64::from(n));
            }
        }
    }

    pub(crate) fn close_window(&mut self, keep: usize) {
        self.history.push_back(self.live);
        while self.history.len() > keep {
            self.history.pop_front();
        }
    }

    /// Live-count change over each of the closed windows, oldest first.
    pub fn growth(&self) -> Vec<i64> {
        let h = &self.history;
        h.iter()
            .zip(h.iter().skip(1))
            .map(|(a, b)| *b as i64 - *a as i64)
            .collect()
    }
}

/// All rows, indexed by row number.
#[derive(Debug, Default)]
pub struct Rows {
    rows: Vec<Row>,
    history: usize,
}

impl Rows {
    pub fn new(history: usize) -> Self {
        Rows {
            rows: Vec::new(),
            history,
        }
    }

    pub fn apply(&mut self, batch: &[u32]) -> Result<(), OpError> {
        if !batch.len().is_multiple_of(2) {
            return Err(OpError::OddLength(batch.len()));
        }
        // Validate first so a bad batch changes nothing.
        for rec in batch.chunks_exact(2) {
            if rec[0] >= MAX_ROWS {
                return Err(OpError::RowTooLarge(rec[0]));
            }
            Op::decode(rec[1])?;
        }
        for rec in batch.chunks_exact(2) {
            let op = Op::decode(rec[1])?;
            self.get_or_grow(rec[0]).apply(op);
        }
        Ok(())
    }

    pub fn get_or_grow(&mut self, row: u32) -> &mut Row {
        let i = row as usize;
        if i >= self.rows.len() {
            self.rows.resize_with(i + 1, Row::default);
        }
        &mut self.rows[i]
    }

    pub fn get(&self, row: u32) -> Option<&Row> {
        self.rows.get(row as usize)
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter()
    }

    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = &mut Row> {
        self.rows.iter_mut()
    }

    pub fn history(&self) -> usize {
        self.history
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_round_trip() {
        for op in [Op::Add, Op::Remove, Op::Drop(0), Op::Drop(12345)] {
            assert_eq!(Op::decode(op.encode()), Ok(op));
        }
        assert_eq!(Op::decode(3), Err(OpError::BadOp(3)));
    }

    #[test]
    fn counts_peak_and_drops_follow_the_batch_order() {
        let mut rows = Rows::new(4);
        let add = Op::Add.encode();
        let rem = Op::Remove.encode();
        rows.apply(&[1, add, 1, add, 1, add, 1, rem, 1, Op::Drop(1).encode()])
            .unwrap();
        let r = rows.get(1).unwrap();
        assert_eq!(
            (r.added, r.removed, r.dropped, r.live, r.peak),
            (3, 1, 1, 1, 3)
        );
        assert_eq!(rows.len(), 2);
        // a removal whose add was never seen does not go negative
        rows.apply(&[0, rem]).unwrap();
        assert_eq!(rows.get(0).unwrap().live, 0);
        assert_eq!(rows.get(0).unwrap().removed, 1);
    }

    #[test]
    fn a_bad_batch_changes_nothing() {
        let mut rows = Rows::new(4);
        assert_eq!(rows.apply(&[0, 0, 1]), Err(OpError::OddLength(3)));
        assert_eq!(rows.apply(&[0, 0, 1, 7]), Err(OpError::BadOp(7)));
        assert_eq!(
            rows.apply(&[0, 0, MAX_ROWS, 0]),
            Err(OpError::RowTooLarge(MAX_ROWS))
        );
        assert!(rows.is_empty());
    }

    #[test]
    fn growth_is_the_difference_between_window_ends() {
        let mut row = Row::default();
        for live in [2, 5, 5, 9] {
            row.live = live;
            row.close_window(3);
        }
        assert_eq!(row.history, [5, 5, 9]);
        assert_eq!(row.growth(), vec![0, 4]);
    }
}
