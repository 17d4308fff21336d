//! The only place N-API appears: each file converts between JS and one core
//! module's types and maps its errors.

mod cache;
mod error;
mod monitor;
mod raw;
