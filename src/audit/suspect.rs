//! When a row counts as a leak suspect.
//!
//! A suspect's live count is at least `min_live` and grew in each of the last
//! `windows` windows. It is reported once, and again each time its live count
//! doubles since the last report, so a slow leak is not repeated every window.

use super::Row;
use std::fmt;

#[derive(Debug, Clone, Copy)]
pub struct SuspectRule {
    min_live: u64,
    windows: usize,
    history: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SuspectRuleError {
    ZeroWindows,
    HistoryTooShort { windows: usize, history: usize },
}

impl fmt::Display for SuspectRuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SuspectRuleError::ZeroWindows => write!(f, "suspectWindows must be at least 1, got 0"),
            SuspectRuleError::HistoryTooShort { windows, history } => write!(
                f,
                "windows ({history}) must exceed suspectWindows ({windows})"
            ),
        }
    }
}

impl std::error::Error for SuspectRuleError {}

impl SuspectRule {
    /// `history` window ends are kept per row, so growth covers `history - 1`
    /// windows; it must cover at least `windows`.
    pub fn new(min_live: u64, windows: usize, history: usize) -> Result<Self, SuspectRuleError> {
        if windows == 0 {
            return Err(SuspectRuleError::ZeroWindows);
        }
        if history <= windows {
            return Err(SuspectRuleError::HistoryTooShort { windows, history });
        }
        Ok(SuspectRule {
            min_live,
            windows,
            history,
        })
    }

    pub fn history(&self) -> usize {
        self.history
    }

    /// Whether `row` is to be reported now; records the report in the row.
    pub fn judge(&self, row: &mut Row) -> bool {
        if row.exempt || row.live < self.min_live.max(1) {
            return false;
        }
        let growth = row.growth();
        if growth.len() < self.windows
            || growth[growth.len() - self.windows..]
                .iter()
                .any(|&d| d <= 0)
        {
            return false;
        }
        if row.reported_at != 0 && row.live < row.reported_at.saturating_mul(2) {
            return false;
        }
        row.reported_at = row.live;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_rules_are_refused_with_a_message() {
        assert_eq!(
            SuspectRule::new(1, 0, 4).unwrap_err(),
            SuspectRuleError::ZeroWindows
        );
        let e = SuspectRule::new(1, 3, 3).unwrap_err();
        assert_eq!(e.to_string(), "windows (3) must exceed suspectWindows (3)");
    }

    #[test]
    fn one_flat_window_resets_the_streak() {
        let rule = SuspectRule::new(1, 2, 5).unwrap();
        let mut row = Row::default();
        let mut fired = Vec::new();
        for (w, live) in [1, 2, 2, 3, 4].into_iter().enumerate() {
            row.live = live;
            row.close_window(rule.history());
            if rule.judge(&mut row) {
                fired.push(w);
            }
        }
        assert_eq!(fired, vec![4]);
    }
}
