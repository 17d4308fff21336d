//! Headless V8 heap-snapshot analysis: what `leakguard diff` and
//! `leakguard inspect` run.
//!
//! - [`reader`] streams a `.heapsnapshot` (plain or gzip) through a byte-level
//!   [`scanner`] into a columnar [`graph::Graph`]: 21 bytes per node and 9 per
//!   edge plus the string bytes, never a JSON document tree.
//! - [`dominators`] builds the dominator tree (Lengauer–Tarjan) for retained
//!   sizes; [`paths`] finds shortest retainer paths by breadth-first search.
//! - [`compare`] matches objects by node id as DevTools' Comparison view does;
//!   [`report`] assembles what the user sees.
//!
//! Peak memory is about 2× the graph columns (the dominator pass adds a few
//! u32 arrays per node and one per edge). Everything is single-owner data;
//! `diff` reads its two files on two threads.

pub mod compare;
pub mod dominators;
pub mod error;
pub mod graph;
pub mod paths;
pub mod reader;
pub mod report;
pub mod scanner;

pub use error::HeapError;
pub use report::{diff, inspect, DiffReport, InspectReport, Options};

#[cfg(test)]
mod tests;
