//! The interactive client's runtime: the terminal, the event loop, and the network work
//! the app asks for.
//!
//! - `terminal`: raw mode and the alternate screen, put back on exit, on panic, and on
//!   SIGTERM or SIGHUP.
//! - `event_loop`: one `select!` over keys, client events and replies; a frame after each
//!   batch.
//! - `connect`: the first connection, with trust on first use.
//! - `worker`: carries out the app's effects with the client, in order, and turns their
//!   replies into actions.
//! - `transfers`: uploads and downloads, each in a task of its own.
//! - `preview`: `/view`: an image fetched and decoded for the preview box.
//! - `graphics`: the terminal's image protocol, asked once at startup.

pub mod connect;
mod event_loop;
mod graphics;
mod preview;
mod terminal;
mod transfers;
pub mod worker;

use std::pin::Pin;

use futures::StreamExt;

use crate::app::{self, App, Exit, Login, Start};
use crate::config::Settings;
use crate::text::clock::Clock;

pub use event_loop::EventLoop;

/// Runs the interactive client until the user quits; says how it ended.
pub async fn run(settings: Settings, password: Option<String>) -> anyhow::Result<Exit> {
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

    let ended = ended_from_outside()?;
    let (terminal, _restore_on_drop) = terminal::setup(settings.mouse)?;
    // Before the event stream exists: the answers are read from stdin.
    let picker = graphics::detect(!settings.halfblocks);
    // The loop sees the end of its input, quits as it does when the terminal closes, and
    // the guard gives the terminal back.
    let events = crossterm::event::EventStream::new().take_until(ended);
    let mut event_loop = EventLoop::new(terminal, app, settings.server, settings.trust, picker);
    event_loop.run(events, effects).await?;
    Ok(event_loop.app().exit())
}

/// Resolves when the process is asked to end (SIGTERM) or its terminal hangs up (SIGHUP).
#[cfg(unix)]
fn ended_from_outside() -> std::io::Result<Pin<Box<dyn Future<Output = ()> + Send>>> {
    use tokio::signal::unix::{SignalKind, signal};

    let mut terminate = signal(SignalKind::terminate())?;
    let mut hangup = signal(SignalKind::hangup())?;
    Ok(Box::pin(async move {
        tokio::select! {
            _ = terminate.recv() => tracing::info!("terminated by a signal"),
            _ = hangup.recv() => tracing::info!("the terminal hung up"),
        }
    }))
}

/// Elsewhere only the keys end the client.
#[cfg(not(unix))]
fn ended_from_outside() -> std::io::Result<Pin<Box<dyn Future<Output = ()> + Send>>> {
    Ok(Box::pin(std::future::pending()))
}
