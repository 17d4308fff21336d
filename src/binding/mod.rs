//! The only place N-API appears: each file converts between JS and one core
//! module's types and maps its errors.

mod audit;
mod cache;
mod error;
mod heap;
mod monitor;
mod raw;
mod snapshot;
mod trace;
