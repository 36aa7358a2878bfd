//! The event loop: keys, client events, replies and connection outcomes in one `select!`,
//! the app updated with each, and a frame drawn after each batch.
//!
//! Nothing here waits on the network: effects are handed to the worker with `try_send`,
//! and connecting runs in a task of its own, so a frame is never held up by a slow server.

use std::io;
use std::time::Duration;

use crossterm::event::{Event, KeyEventKind, MouseEventKind};
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui_image::picker::Picker;
use tokio::sync::mpsc;

use super::connect::{self, Outcome};
use super::worker;
use crate::app::{Action, App, Effect, Login};
use crate::client::{Client, ClientEvent};
use crate::config::TrustChoice;
use crate::ui;

/// Replies that may wait for the loop; past it, the worker's reply tasks wait.
const REPLY_QUEUE: usize = 256;

/// Effects that may wait for the worker; past it, new ones fail at once with "busy", so
/// that typing never blocks on a server that does not answer.
const EFFECT_QUEUE: usize = 256;

/// Actions applied before a frame is drawn, so that a burst of events (a catch-up after a
/// reconnect) costs a few frames rather than one each.
const BATCH: usize = 512;

/// How often the clock is sent to the app while a notice is up, so that it expires on time
/// when nothing else happens.
const TICK: Duration = Duration::from_secs(1);

/// A live connection and the worker that serves it.
struct Connection {
    client: Client,
    /// `None` once the client's event stream has ended.
    events_rx: Option<mpsc::Receiver<ClientEvent>>,
    effects_tx: mpsc::Sender<Effect>,
}

/// The interactive client's loop, generic over the terminal backend so that it can run on
/// a test backend.
pub struct EventLoop<B: Backend> {
    terminal: Terminal<B>,
    app: App,
    server: String,
    trust: TrustChoice,
    /// The login being attempted, kept to try again once a certificate is accepted.
    login: Option<Login>,
    connection: Option<Connection>,
    replies_tx: mpsc::Sender<Action>,
    replies_rx: mpsc::Receiver<Action>,
    outcome_tx: mpsc::Sender<Outcome>,
    outcome_rx: mpsc::Receiver<Outcome>,
    /// How pictures are drawn in this terminal, for the worker's previews.
    picker: Picker,
}

impl<B: Backend> EventLoop<B>
where
    B::Error: Send + Sync + 'static,
{
    pub fn new(
        terminal: Terminal<B>,
        app: App,
        server: String,
        trust: TrustChoice,
        picker: Picker,
    ) -> Self {
        let (replies_tx, replies_rx) = mpsc::channel(REPLY_QUEUE);
        let (outcome_tx, outcome_rx) = mpsc::channel(1);
        Self {
            terminal,
            app,
            server,
            trust,
            login: None,
            connection: None,
            replies_tx,
            replies_rx,
            outcome_tx,
            outcome_rx,
            picker,
        }
    }

    /// The app's state, as the loop left it.
    pub fn app(&self) -> &App {
        &self.app
    }

    /// Runs until the app quits or the terminal's input ends; `effects` are the app's first.
    pub async fn run<S>(&mut self, mut input: S, effects: Vec<Effect>) -> anyhow::Result<()>
    where
        S: Stream<Item = io::Result<Event>> + Unpin,
    {
        let size = self.terminal.size()?;
        self.apply(Action::Resize {
            width: size.width,
            height: size.height,
        });
        self.execute(effects)?;
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        while !self.app.quit {
            self.terminal.draw(|frame| ui::draw(frame, &self.app))?;
            let Some(action) = self.next(&mut input, &mut tick).await? else {
                break;
            };
            self.apply(Action::Now(unix_ms()));
            self.apply(action);
            for _ in 0..BATCH {
                match self.ready() {
                    Some(action) => self.apply(action),
                    None => break,
                }
            }
        }
        if let Some(connection) = self.connection.take() {
            connection.client.close().await;
        }
        Ok(())
    }

    /// Waits for the next action; `None` when the terminal's input has ended.
    async fn next<S>(
        &mut self,
        input: &mut S,
        tick: &mut tokio::time::Interval,
    ) -> io::Result<Option<Action>>
    where
        S: Stream<Item = io::Result<Event>> + Unpin,
    {
        loop {
            let events = self.connection.as_mut().and_then(|c| c.events_rx.as_mut());
            let action = tokio::select! {
                event = input.next() => match event {
                    Some(event) => action_of(event?),
                    None => return Ok(None),
                },
                event = recv_or_wait(events) => Some(self.on_client_event(event)),
                Some(action) = self.replies_rx.recv() => Some(action),
                Some(outcome) = self.outcome_rx.recv() => Some(self.on_outcome(outcome)),
                _ = tick.tick(), if self.app.notice.is_some() => Some(Action::Now(unix_ms())),
            };
            if action.is_some() {
                return Ok(action);
            }
        }
    }

    /// An action that is ready now, without waiting.
    fn ready(&mut self) -> Option<Action> {
        if let Ok(action) = self.replies_rx.try_recv() {
            return Some(action);
        }
        let events = self.connection.as_mut()?.events_rx.as_mut()?;
        match events.try_recv() {
            Ok(event) => Some(self.on_client_event(Some(event))),
            Err(mpsc::error::TryRecvError::Empty) => None,
            Err(mpsc::error::TryRecvError::Disconnected) => Some(self.on_client_event(None)),
        }
    }

    /// The action for an event of the client, or for the end of its events.
    ///
    /// A reconnect comes with the new session, whose rooms may differ from those before.
    fn on_client_event(&mut self, event: Option<ClientEvent>) -> Action {
        match (event, &self.connection) {
            (Some(ClientEvent::Reconnected), Some(connection)) => {
                return Action::Resumed(connection.client.session());
            }
            (Some(event), _) => return Action::Client(event),
            (None, _) => {}
        }
        if let Some(connection) = &mut self.connection {
            connection.events_rx = None;
        }
        Action::ClientStopped
    }

    fn on_outcome(&mut self, outcome: Outcome) -> Action {
        match outcome {
            Outcome::Ready {
                client,
                events_rx,
                session,
            } => {
                let (effects_tx, effects_rx) = mpsc::channel(EFFECT_QUEUE);
                tokio::spawn(worker::run(
                    client.clone(),
                    effects_rx,
                    self.replies_tx.clone(),
                    self.picker.clone(),
                ));
                self.connection = Some(Connection {
                    client,
                    events_rx: Some(events_rx),
                    effects_tx,
                });
                self.login = None;
                Action::Connected(session)
            }
            Outcome::Unknown { fingerprint } => Action::TrustUnknown {
                server: self.server.clone(),
                fingerprint,
            },
            Outcome::Changed {
                known,
                presented,
                file,
            } => Action::TrustChanged {
                server: self.server.clone(),
                known,
                presented,
                file,
            },
            Outcome::Failed(failure) => Action::ConnectFailed(failure),
        }
    }

    fn apply(&mut self, action: Action) {
        let effects = self.app.update(action);
        if let Err(err) = self.execute(effects) {
            tracing::warn!(error = %err, "cannot redraw");
        }
    }

    fn execute(&mut self, effects: Vec<Effect>) -> io::Result<()> {
        for effect in effects {
            match effect {
                Effect::Connect(login) => {
                    self.login = Some(login.clone());
                    self.start_connecting(login, None);
                }
                Effect::Trust(fingerprint) => {
                    if let Some(login) = self.login.clone() {
                        self.start_connecting(login, Some(fingerprint));
                    }
                }
                Effect::Redraw => self.terminal.clear().map_err(io::Error::other)?,
                other => self.submit(other),
            }
        }
        Ok(())
    }

    fn start_connecting(&self, login: Login, accepted: Option<crate::client::Fingerprint>) {
        let (server, trust) = (self.server.clone(), self.trust.clone());
        let outcome_tx = self.outcome_tx.clone();
        tokio::spawn(async move {
            let outcome = connect::connect(&server, &trust, login, accepted).await;
            // The loop has gone only if the user quit meanwhile.
            let _ = outcome_tx.send(outcome).await;
        });
    }

    /// Hands a network effect to the worker, or fails it at once if it cannot take it.
    fn submit(&mut self, effect: Effect) {
        let why = match &self.connection {
            Some(connection) => match connection.effects_tx.try_send(effect) {
                Ok(()) => return,
                Err(mpsc::error::TrySendError::Full(effect)) => (
                    effect,
                    "too many requests waiting for the server; try again",
                ),
                Err(mpsc::error::TrySendError::Closed(effect)) => (effect, "not connected"),
            },
            None => (effect, "not connected"),
        };
        if let Some(reply) = worker::refused(why.0, why.1) {
            self.apply(Action::Reply(reply));
        }
    }
}

/// The next event of a stream that may be absent; an absent one never yields.
async fn recv_or_wait(events: Option<&mut mpsc::Receiver<ClientEvent>>) -> Option<ClientEvent> {
    match events {
        Some(events) => events.recv().await,
        None => std::future::pending().await,
    }
}

/// The wall clock, Unix milliseconds.
fn unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as i64)
}

/// The action of a terminal event, if it means anything to the app.
fn action_of(event: Event) -> Option<Action> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => Some(Action::Key(key)),
        Event::Paste(text) => Some(Action::Paste(text)),
        Event::Resize(width, height) => Some(Action::Resize { width, height }),
        Event::Mouse(mouse) => match mouse.kind {
            MouseEventKind::ScrollUp => Some(Action::Wheel { up: true }),
            MouseEventKind::ScrollDown => Some(Action::Wheel { up: false }),
            _ => None,
        },
        _ => None,
    }
}
