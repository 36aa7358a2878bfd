//! The scenarios. Each starts from a fresh server, sets up its clients, then measures one
//! phase: the server's CPU time and the wall time over that phase only.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chat_proto::{
    ClientFrame, ClientMsgId, Event, MessageId, Request, RequestId, Response, RoomName,
    ServerFrame, Target, UserName,
};
use futures::{SinkExt, StreamExt, TryStreamExt};
use hdrhistogram::Histogram;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use super::conn::{Conn, Dialer, LoadError, Login, Reader, Sender};
use super::process::Probe;
use super::report::{Report, round2};

/// Registrations in flight at once: each costs the server a password hash.
const REGISTERING: usize = 8;

/// Where the load goes and whose CPU time is counted.
pub struct LoadTarget {
    pub dialer: Dialer,
    pub probe: Probe,
}

fn user(prefix: &str, n: usize) -> UserName {
    UserName::new(&format!("{prefix}{n}")).expect("load user names are valid")
}

pub(super) fn room(name: &str) -> RoomName {
    RoomName::new(name).expect("load room names are valid")
}

/// Registers `count` users named `prefix0..`, each joined to `room`, in that order.
pub(super) async fn members(
    target: &LoadTarget,
    prefix: &str,
    count: usize,
    room: &RoomName,
) -> Result<Vec<Conn>, LoadError> {
    futures::stream::iter(0..count)
        .map(|n| async move {
            let (mut conn, _) = target
                .dialer
                .session(&user(prefix, n), Login::Register("load-password"))
                .await?;
            conn.call(Request::Join { room: room.clone() }).await?;
            Ok::<_, LoadError>(conn)
        })
        .buffered(REGISTERING)
        .try_collect()
        .await
}

/// Waits for every task, failing as soon as one fails: a connection the server closed (as
/// too slow, say) ends the run with its reason, rather than leaving the other tasks to wait
/// for messages that will not come until the run's timeout.
async fn all<T>(tasks: Vec<JoinHandle<Result<T, LoadError>>>) -> Result<Vec<T>, LoadError> {
    futures::future::try_join_all(tasks.into_iter().map(|task| async move { task.await? })).await
}

/// Counts what one connection reads: messages until `expected`, and replies, each of which
/// frees a place in the sender's window.
async fn read_until(
    mut reader: Reader,
    expected: u64,
    window: Option<Arc<Semaphore>>,
) -> Result<Reader, LoadError> {
    let mut messages = 0;
    while messages < expected {
        match reader.next().await.ok_or("connection closed")?? {
            ServerFrame::Event(Event::Message(message)) if message.text().is_some() => {
                messages += 1;
            }
            ServerFrame::Reply { result, .. } => {
                result?;
                if let Some(window) = &window {
                    window.add_permits(1);
                }
            }
            ServerFrame::Closing(reason) => return Err(reason.into()),
            _ => {}
        }
    }
    Ok(reader)
}

/// Sends `count` messages to `to` with at most the window's permits unanswered.
async fn send_many(
    mut sender: Sender,
    mut id: u64,
    to: Target,
    count: u64,
    window: Arc<Semaphore>,
    salt: u64,
) -> Result<Sender, LoadError> {
    for n in 0..count {
        window.acquire().await?.forget();
        let request = Request::Send {
            to: to.clone(),
            client_id: ClientMsgId(salt << 32 | n),
            text: format!("load {n}"),
        };
        sender
            .send(ClientFrame::Request {
                id: RequestId(id),
                request,
            })
            .await?;
        id += 1;
    }
    Ok(sender)
}

/// Wall time and a process's CPU time over one measured phase.
pub(super) struct Phase {
    probe: Probe,
    cpu: u64,
    started: Instant,
}

impl Phase {
    pub(super) fn start(probe: Probe) -> Result<Self, LoadError> {
        Ok(Self {
            probe,
            cpu: probe.cpu_micros()?,
            started: Instant::now(),
        })
    }

    /// Seconds, and microseconds of the probed process's CPU time, since the start.
    pub(super) fn end(&self) -> Result<(f64, u64), LoadError> {
        let cpu = self.probe.cpu_micros()?.saturating_sub(self.cpu);
        Ok((self.started.elapsed().as_secs_f64(), cpu))
    }
}

/// N members in a room, S of them sending M messages each, at most W in flight per sender.
pub async fn fanout(
    target: &LoadTarget,
    members_n: usize,
    senders: usize,
    messages: u64,
    window: usize,
) -> Result<Report, LoadError> {
    let room = room("fanout");
    let conns = members(target, "fan", members_n, &room).await?;
    let expected = senders as u64 * messages;
    let phase = Phase::start(target.probe)?;
    let mut readers = Vec::new();
    let mut sending = Vec::new();
    for (n, conn) in conns.into_iter().enumerate() {
        let (sender, reader, id) = conn.split();
        let permits = (n < senders).then(|| Arc::new(Semaphore::new(window)));
        if let Some(permits) = &permits {
            sending.push(tokio::spawn(send_many(
                sender,
                id,
                Target::Room(room.clone()),
                messages,
                permits.clone(),
                n as u64,
            )));
        }
        readers.push(tokio::spawn(read_until(reader, expected, permits)));
    }
    all(readers).await?;
    let (seconds, cpu) = phase.end()?;
    all(sending).await?;
    let deliveries = expected * members_n as u64;
    Ok(Report::new("fanout")
        .add("members", members_n)
        .add("senders", senders)
        .add("messages_per_sender", messages)
        .add("deliveries", deliveries)
        .add("seconds", round2(seconds))
        .add("deliveries_per_s", (deliveries as f64 / seconds).round())
        .add(
            "server_cpu_us_per_delivery",
            round2(cpu as f64 / deliveries as f64),
        )
        .add("server_rss_kib", target.probe.rss_kib()?))
}

/// One sender at a fixed rate into a room of N; time from send to delivery at every member.
pub async fn latency(
    target: &LoadTarget,
    members_n: usize,
    rate: u64,
    seconds: u64,
) -> Result<Report, LoadError> {
    let room = room("latency");
    let conns = members(target, "lat", members_n, &room).await?;
    let expected = rate * seconds;
    let epoch = Instant::now();
    let phase = Phase::start(target.probe)?;
    let mut readers = Vec::new();
    let mut senders = Vec::new();
    for conn in conns {
        let (sender, reader, id) = conn.split();
        senders.push((sender, id));
        readers.push(tokio::spawn(record_latency(reader, expected, epoch)));
    }
    let (mut sender, mut id) = senders.swap_remove(0);
    let mut ticks = tokio::time::interval(Duration::from_secs(1) / u32::try_from(rate)?);
    for n in 0..expected {
        ticks.tick().await;
        let sent_at = epoch.elapsed().as_micros().to_string();
        let request = Request::Send {
            to: Target::Room(room.clone()),
            client_id: ClientMsgId(n),
            text: sent_at,
        };
        sender
            .send(ClientFrame::Request {
                id: RequestId(id),
                request,
            })
            .await?;
        id += 1;
    }
    let mut histogram = Histogram::<u64>::new(3)?;
    for delays in all(readers).await? {
        histogram.add(delays)?;
    }
    let (_, cpu) = phase.end()?;
    let ms = |q: f64| round2(histogram.value_at_quantile(q) as f64 / 1000.0);
    Ok(Report::new("latency")
        .add("members", members_n)
        .add("rate_per_s", rate)
        .add("deliveries", histogram.len())
        .add("p50_ms", ms(0.5))
        .add("p99_ms", ms(0.99))
        .add("p999_ms", ms(0.999))
        .add("max_ms", round2(histogram.max() as f64 / 1000.0))
        .add(
            "server_cpu_us_per_delivery",
            round2(cpu as f64 / histogram.len().max(1) as f64),
        ))
}

async fn record_latency(
    mut reader: Reader,
    expected: u64,
    epoch: Instant,
) -> Result<Histogram<u64>, LoadError> {
    let mut histogram = Histogram::<u64>::new(3)?;
    while histogram.len() < expected {
        match reader.next().await.ok_or("connection closed")?? {
            ServerFrame::Event(Event::Message(message)) => {
                let Some(text) = message.text() else { continue };
                let sent: u64 = text.parse()?;
                let now = u64::try_from(epoch.elapsed().as_micros())?;
                histogram.record(now.saturating_sub(sent))?;
            }
            ServerFrame::Closing(reason) => return Err(reason.into()),
            _ => {}
        }
    }
    Ok(histogram)
}

/// S senders, each alone in its own room, M messages each: persisted messages per second.
pub async fn ingest(
    target: &LoadTarget,
    senders: usize,
    messages: u64,
    window: usize,
) -> Result<Report, LoadError> {
    let mut conns = Vec::new();
    for n in 0..senders {
        conns.extend(members(target, &format!("ing{n}x"), 1, &room(&format!("ingest{n}"))).await?);
    }
    let phase = Phase::start(target.probe)?;
    let mut sending = Vec::new();
    let mut reading = Vec::new();
    for (n, conn) in conns.into_iter().enumerate() {
        let (sender, reader, id) = conn.split();
        let permits = Arc::new(Semaphore::new(window));
        let to = Target::Room(room(&format!("ingest{n}")));
        sending.push(tokio::spawn(send_many(
            sender,
            id,
            to,
            messages,
            permits.clone(),
            n as u64,
        )));
        // Each sender hears its own messages: wait for all of them and all replies.
        reading.push(tokio::spawn(async move {
            let mut reader = read_until(reader, messages, Some(permits.clone())).await?;
            drain_replies(&mut reader, &permits, window).await
        }));
    }
    futures::try_join!(all(sending), all(reading))?;
    let (seconds, cpu) = phase.end()?;
    let total = senders as u64 * messages;
    Ok(Report::new("ingest")
        .add("senders", senders)
        .add("messages", total)
        .add("seconds", round2(seconds))
        .add("persisted_per_s", (total as f64 / seconds).round())
        .add(
            "server_cpu_us_per_message",
            round2(cpu as f64 / total as f64),
        ))
}

/// Reads until every request of the window is answered again.
async fn drain_replies(
    reader: &mut Reader,
    window: &Semaphore,
    size: usize,
) -> Result<(), LoadError> {
    while window.available_permits() < size {
        match reader.next().await.ok_or("connection closed")?? {
            ServerFrame::Reply { result, .. } => {
                result?;
                window.add_permits(1);
            }
            ServerFrame::Closing(reason) => return Err(reason.into()),
            _ => {}
        }
    }
    Ok(())
}

/// K logged-in, idle connections: the server's memory per connection.
///
/// The baseline is taken after a first batch of connections, so that what a first login
/// leaves behind (the password hash's buffer, the allocator's first arenas) does not count
/// as the cost of the later ones.
pub async fn idle(target: &LoadTarget, connections: usize) -> Result<Report, LoadError> {
    let name = user("idle", 0);
    let (first, token) = target
        .dialer
        .session(&name, Login::Register("load-password"))
        .await?;
    let open = |count: usize| {
        let (name, token) = (name.clone(), token.clone());
        futures::stream::iter(0..count)
            .map(move |_| {
                let (name, token) = (name.clone(), token.clone());
                async move {
                    Ok::<_, LoadError>(target.dialer.session(&name, Login::Token(&token)).await?.0)
                }
            })
            .buffer_unordered(64)
            .try_collect::<Vec<Conn>>()
    };
    let warm = open(connections / 10 + 1).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = target.probe.rss_kib()?;
    let conns = open(connections).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = target.probe.rss_kib()?;
    drop((first, warm, conns));
    Ok(Report::new("idle")
        .add("connections", connections)
        .add("server_rss_before_kib", before)
        .add("server_rss_after_kib", after)
        .add(
            "kib_per_connection",
            round2(after.saturating_sub(before) as f64 / connections as f64),
        ))
}

/// A room filled with `fill` messages, then `pages` fetches of 100 from random places.
pub async fn history(target: &LoadTarget, fill: u64, pages: u64) -> Result<Report, LoadError> {
    let room = room("history");
    let conn = members(target, "hist", 1, &room)
        .await?
        .pop()
        .ok_or("no connection")?;
    let (sender, reader, id) = conn.split();
    let window = 512;
    let permits = Arc::new(Semaphore::new(window));
    let to = Target::Room(room.clone());
    let filling = tokio::spawn(send_many(sender, id, to.clone(), fill, permits.clone(), 0));
    let mut reader = read_until(reader, fill, Some(permits.clone())).await?;
    let sender = filling.await??;
    drain_replies(&mut reader, &permits, window).await?;
    let mut conn = Conn::rejoin(sender, reader, id + fill)?;

    let newest = match conn
        .call(Request::History {
            target: to.clone(),
            before: None,
            limit: 1,
        })
        .await?
    {
        Response::History(page) => page.messages.last().map_or(0, |m| m.id.0),
        other => return Err(format!("not history: {other:?}").into()),
    };
    let mut histogram = Histogram::<u64>::new(3)?;
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    for _ in 0..pages {
        // xorshift: places spread over the whole history, the same in every run.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let before = MessageId(seed % newest.max(1) + 1);
        let started = Instant::now();
        conn.call(Request::History {
            target: to.clone(),
            before: Some(before),
            limit: 100,
        })
        .await?;
        histogram.record(u64::try_from(started.elapsed().as_micros())?)?;
    }
    let ms = |q: f64| round2(histogram.value_at_quantile(q) as f64 / 1000.0);
    Ok(Report::new("history")
        .add("messages", fill)
        .add("pages", pages)
        .add("p50_ms", ms(0.5))
        .add("p99_ms", ms(0.99))
        .add("max_ms", round2(histogram.max() as f64 / 1000.0)))
}
