//! The load generator behind `chat-load`: many clients over real TLS against a chat-server
//! process, with the server's own CPU time and memory read from outside it.
//!
//! - `process`: starting the server binary, and reading its CPU time and RSS from /proc.
//! - `conn`: a lean protocol client (the raw codec, no client core) for thousands of
//!   connections.
//! - `scenarios`: fan-out, latency, ingest, idle and history.
//! - `transfer`: one large file up and down, with chat timed alongside.
//! - `report`: one result as a table row and as a JSON line.

// Counts and times become f64 only for the reported ratios, far below 2^52.
#![allow(clippy::cast_precision_loss)]

pub mod conn;
pub mod process;
pub mod report;
pub mod scenarios;
pub mod transfer;
