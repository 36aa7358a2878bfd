//! The terminal chat client, as a library that its binary and the end-to-end tests share.
//!
//! - [`client`]: the networking core, free of any UI: connect, log in, requests and
//!   replies, events, reconnect and resume.
//! - [`commands`]: the one parser of the input line, for headless mode and the TUI alike.
//! - [`headless`]: JSON lines on stdin and stdout, for scripts and bots.
//! - [`cli`]: the command-line arguments of the binary.

pub mod cli;
pub mod client;
pub mod commands;
pub mod headless;

pub use client::{Client, ClientConfig, ClientError, ClientEvent};
