//! The interactive client's runtime: the terminal, the event loop, and the network work
//! the app asks for.
//!
//! - `terminal`: raw mode and the alternate screen, put back on exit and on panic.
//! - `event_loop`: one `select!` over keys, client events and replies; a frame after each
//!   batch.
//! - `connect`: the first connection, with trust on first use.
//! - `worker`: carries out the app's effects with the client, in order, and turns their
//!   replies into actions.

pub mod connect;
mod event_loop;
mod terminal;
pub mod worker;

use crate::app::{self, App, Login, Start};
use crate::config::Settings;
use crate::text::clock::Clock;

pub use event_loop::EventLoop;

/// Runs the interactive client until the user quits.
pub async fn run(settings: Settings, password: Option<String>) -> anyhow::Result<()> {
    let start = match (&settings.user, password) {
        (Some(user), Some(password)) => Start::Connect(Login {
            user: user.clone(),
            password,
            register: settings.register,
        }),
        (user, _) => Start::Ask {
            user: user.clone(),
            register: settings.register,
        },
    };
    let app_settings = app::Settings {
        server: settings.server.clone(),
        keys: settings.keys.clone(),
        theme: settings.theme.clone(),
        clock: Clock::local(),
        scrollback: settings.scrollback,
    };
    let (app, effects) = App::new(app_settings, start);

    let (terminal, _restore_on_drop) = terminal::setup(settings.mouse)?;
    let events = crossterm::event::EventStream::new();
    let mut event_loop = EventLoop::new(terminal, app, settings.server, settings.trust);
    event_loop.run(events, effects).await
}
