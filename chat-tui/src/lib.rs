//! The terminal chat client, as a library that its binary and the end-to-end tests share.
//!
//! - [`client`]: the networking core, free of any UI: connect, log in, requests and
//!   replies, events, reconnect and resume.
//! - [`commands`]: the one parser of the input line, for headless mode and the TUI alike.
//! - [`headless`]: JSON lines on stdin and stdout, for scripts and bots.
//! - [`app`]: the interactive client's state and its update function, free of IO.
//! - [`ui`]: one view per pane, drawing that state with ratatui.
//! - [`tui`]: the terminal, the event loop, and the network work the app asks for.
//! - [`cli`], [`config`]: the command line and the config file, merged into settings.
//! - [`known_servers`]: trust on first use: the certificates the user has accepted.
//! - [`room_event`]: changes to rooms in words, for the terminal and headless mode alike.
//! - [`file_text`]: posted files in words: sizes, and the line a file message shows.
//! - [`preview`]: image previews: which files, decoding, and the picture the TUI draws.
//! - [`filenames`], [`media_type`]: names from the network made safe to save under, where
//!   downloads go, and the type an upload is announced with.
//! - [`sanitize`], [`emoji`], [`text`], [`layout`], [`theme`]: what the views build on.

pub mod app;
pub mod cli;
pub mod client;
pub mod commands;
pub mod config;
pub mod emoji;
pub mod file_text;
pub mod filenames;
pub mod headless;
pub mod known_servers;
pub mod layout;
pub mod media_type;
pub mod preview;
pub mod room_event;
pub mod sanitize;
pub mod text;
pub mod theme;
pub mod tui;
pub mod ui;

pub use client::{Client, ClientConfig, ClientError, ClientEvent, RoomChange};
