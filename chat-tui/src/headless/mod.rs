//! Headless mode: commands on stdin, JSON lines on stdout, for scripts and bots.
//!
//! Every non-blank input line gets exactly one `ok` or `error` line, in input order, while
//! the requests themselves are pipelined: a script can write many lines without waiting.
//! Events are printed as they arrive, between those answers. A `/send` or `/download`
//! answers when its transfer ends, so the answers of the commands after it print after
//! that, though their requests go out at once; its progress lines print meanwhile.
//!
//! - `output`: the JSON shapes.
//! - `groups`: the JSON of room events and of the commands that change rooms.
//! - `dispatch`: commands to requests, and replies to output lines.
//! - `transfers`: `/send`, `/download` and `/cancel`, and their progress lines.

mod dispatch;
pub mod groups;
pub mod output;
mod transfers;

use std::io;

use chat_proto::{RoomEvent, RoomName};
use futures::StreamExt;
use futures::stream::FuturesOrdered;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

use crate::client::{Client, ClientConfig, ClientEvent};
use crate::commands::{self, Command};
use dispatch::{Dispatcher, Reply};
use output::Output;

/// How many commands may await their replies; past it, input is not read until some are in.
const MAX_PENDING: usize = 256;

/// Progress lines that may wait to be printed; past it, new ones are dropped.
const PROGRESS_QUEUE: usize = 64;

/// Runs headless mode on the process's stdin and stdout; returns the exit status.
pub async fn run_stdio(config: ClientConfig) -> u8 {
    let stdin = tokio::io::BufReader::new(tokio::io::stdin());
    match run(config, stdin, tokio::io::stdout()).await {
        Ok(status) => status,
        Err(err) => {
            tracing::debug!(error = %err, "stdout closed");
            1
        }
    }
}

/// Prints the error line for a configuration that cannot work; returns the exit status.
pub fn refuse(message: &str) -> u8 {
    use std::io::Write;

    let line = output::json_line(&Output::error("config", message, None))
        .unwrap_or_else(|_| String::from(r#"{"type":"error","code":"config"}"#));
    let _ = writeln!(std::io::stdout(), "{line}");
    1
}

/// Connects, prints `ready`, then serves commands until `/quit` or the end of the input.
///
/// After `ready` come an `invited` line per open invitation, then a `room_event` line per
/// kick or ban that removed the user while away (the client core hands those over first),
/// then what the catch-up brought.
///
/// Exits with 0 then, and with 1 when the first connection fails or the client stops for
/// good (a login refused on reconnect). An error is returned only when output fails.
pub async fn run<R, W>(config: ClientConfig, input: R, output: W) -> io::Result<u8>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut printer = Printer { out: output };
    let (client, events_rx) = match Client::connect(config).await {
        Ok(connected) => connected,
        Err(err) => {
            printer.print(&Output::connect_failed(&err)).await?;
            return Ok(1);
        }
    };
    let session = client.session();
    printer.print(&Output::ready(&session)).await?;
    for invitation in &session.invitations {
        printer.print(&Output::invited(invitation)).await?;
    }

    let status = serve(client.clone(), events_rx, input, &mut printer).await;
    client.close().await;
    status
}

/// The IO loop: input lines in, answers and events out.
async fn serve<R, W>(
    client: Client,
    mut events_rx: mpsc::Receiver<ClientEvent>,
    input: R,
    printer: &mut Printer<W>,
) -> io::Result<u8>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let (progress_tx, mut progress_rx) = mpsc::channel(PROGRESS_QUEUE);
    let mut dispatcher = Dispatcher::new(client, progress_tx);
    let mut lines = input.lines();
    let mut pending = FuturesOrdered::new();
    let mut reading = true;
    let mut status = 0;

    while reading || !pending.is_empty() {
        // Events first, so that one received before a reply is printed before its answer;
        // progress before answers, so that a transfer's last progress line precedes its
        // `ok`; input last, so that answers are not starved by a script that writes fast.
        tokio::select! {
            biased;
            event = events_rx.recv(), if status == 0 => {
                if let Some(event) = event {
                    if let Some((from, to)) = renamed(&event) {
                        dispatcher.follow_rename(from, to);
                    }
                    printer.print(&Output::from(event)).await?;
                } else {
                    // The client stopped for good: what is pending fails, and then we are done.
                    status = 1;
                    reading = false;
                }
            }
            Some(progress) = progress_rx.recv() => printer.print(&progress).await?,
            Some(answer) = pending.next(), if !pending.is_empty() => {
                // Progress reported on the way to this answer goes first.
                while let Ok(progress) = progress_rx.try_recv() {
                    printer.print(&progress).await?;
                }
                for output in answer {
                    printer.print(&output).await?;
                }
            }
            line = lines.next_line(), if reading && pending.len() < MAX_PENDING => {
                reading = match line? {
                    Some(line) => take_line(&line, &mut dispatcher, &mut pending),
                    None => false,
                };
            }
        }
    }
    Ok(status)
}

/// The old and new names of a room renamed, when that is what the event says.
fn renamed(event: &ClientEvent) -> Option<(RoomName, RoomName)> {
    match event {
        ClientEvent::Message { message, .. } => match message.event()? {
            RoomEvent::Renamed { from, to } => Some((from.clone(), to.clone())),
            _ => None,
        },
        _ => None,
    }
}

/// Dispatches one input line; returns whether to read on (false after `/quit`).
fn take_line(line: &str, dispatcher: &mut Dispatcher, pending: &mut FuturesOrdered<Reply>) -> bool {
    if line.trim().is_empty() {
        return true;
    }
    let parsed = commands::parse(line.strip_suffix('\r').unwrap_or(line));
    let quit = matches!(parsed, Ok(Command::Quit));
    pending.push_back(dispatcher.dispatch(parsed));
    !quit
}

/// Writes one JSON object per line, flushed at once so that a script reads it live.
struct Printer<W> {
    out: W,
}

impl<W: AsyncWrite + Unpin> Printer<W> {
    async fn print(&mut self, output: &Output) -> io::Result<()> {
        let mut line = output::json_line(output).map_err(io::Error::other)?;
        line.push('\n');
        self.out.write_all(line.as_bytes()).await?;
        self.out.flush().await
    }
}
