//! Requests of a logged-in session, each authorised here against the hub and the store.
//!
//! A request starts in [`begin`], in the order the client sent it: checks run and writes
//! are queued there. What remains (waiting for a commit, reading pages) is the returned
//! [`Reply`], which the connection awaits alongside other requests.

use std::sync::Arc;

use chat_proto::{
    ClientMsgId, ErrorCode, ErrorReply, MAX_PAGE, MAX_REASON_LEN, MAX_TOPIC_LEN, Message,
    MessageId, Page, Request, Response, ResumePoint, RoomName, Target,
};
use futures::future::BoxFuture;

use crate::permissions::Action;
use crate::session::LoggedIn;
use crate::shared::Shared;
use crate::store::{Budget, Change, Destination, JoinMode, NewMessage, message_bytes};
use crate::transfers;

/// Most conversations one catch-up may name; each costs a query.
const MAX_CATCH_UP_POINTS: usize = 4096;

/// The rest of a request, resolving to its reply.
pub type Reply = BoxFuture<'static, Result<Response, ErrorReply>>;

pub type Started = Result<Reply, ErrorReply>;

pub async fn begin(shared: &Arc<Shared>, session: &Arc<LoggedIn>, request: Request) -> Reply {
    let started = match request {
        Request::Join { room } => join(shared, session, room, JoinMode::JoinOrCreate).await,
        Request::Create { room, private } => {
            join(shared, session, room, JoinMode::Create { private }).await
        }
        Request::Accept { room } => join(shared, session, room, JoinMode::Accept).await,
        Request::Leave { room } => leave(shared, session, room).await,
        Request::ListRooms => Ok(done(Response::Rooms(
            shared.hub.visible_rooms(&session.name),
        ))),
        Request::Members { room } => members(shared, session, &room),
        Request::Decline { room } => manage(shared, session, room, Change::Decline).await,
        Request::Invite { room, user } => {
            let max_pending = shared.config.limits.max_pending_invitations;
            manage(shared, session, room, Change::Invite { user, max_pending }).await
        }
        Request::Kick { room, user, reason } => {
            manage(shared, session, room, Change::Kick { user, reason }).await
        }
        Request::Ban { room, user, reason } => {
            manage(shared, session, room, Change::Ban { user, reason }).await
        }
        Request::Unban { room, user } => manage(shared, session, room, Change::Unban(user)).await,
        Request::SetRole { room, user, role } => {
            manage(shared, session, room, Change::SetRole { user, role }).await
        }
        Request::Rename { room, to } => manage(shared, session, room, Change::Rename(to)).await,
        Request::SetTopic { room, topic } => {
            manage(shared, session, room, Change::SetTopic(topic)).await
        }
        Request::Delete { room } => manage(shared, session, room, Change::Delete).await,
        Request::StartUpload {
            to,
            client_id,
            name,
            size,
            media_type,
            sha256,
        } => {
            let announced = transfers::Announced {
                to,
                client_id,
                name,
                size,
                media_type,
                sha256,
            };
            transfers::start(shared, session, announced).await
        }
        Request::UploadChunk {
            upload,
            offset,
            data,
        } => transfers::chunk(shared, session, upload, offset, data).await,
        Request::FinishUpload { upload } => transfers::finish(shared, session, upload).await,
        Request::CancelUpload { upload } => transfers::cancel(shared, session, upload).await,
        Request::FileInfo { file } => transfers::info(shared, session, file).await,
        Request::Download { file, offset, len } => {
            transfers::download(shared, session, file, offset, len).await
        }
        Request::Send {
            to,
            client_id,
            text,
        } => send(shared, session, to, client_id, text).await,
        Request::History {
            target,
            before,
            limit,
        } => history(shared, session, target, before, limit).await,
        Request::CatchUp { points } if points.len() > MAX_CATCH_UP_POINTS => Err(ErrorReply::new(
            ErrorCode::InvalidRequest,
            format!("at most {MAX_CATCH_UP_POINTS} resume points"),
        )),
        Request::CatchUp { points } => Ok(catch_up(shared.clone(), session.clone(), points)),
        Request::Ping => Ok(done(Response::Done)),
        Request::Register { .. } | Request::Login { .. } => Err(ErrorCode::AlreadyLoggedIn.into()),
    };
    started.unwrap_or_else(|err| Box::pin(std::future::ready(Err(err))))
}

pub fn done(response: Response) -> Reply {
    Box::pin(std::future::ready(Ok(response)))
}

async fn join(shared: &Arc<Shared>, session: &LoggedIn, room: RoomName, mode: JoinMode) -> Started {
    let limits = &shared.config.limits;
    shared.hub.may_join(
        &room,
        &session.name,
        limits.max_rooms_per_user,
        limits.max_members_per_room,
    )?;
    let ticket = shared
        .store
        .join(session.id, session.name.clone(), room.clone(), mode)
        .await?;
    let shared = shared.clone();
    Ok(Box::pin(async move {
        let joined = ticket.wait().await?;
        if joined.created.is_some() {
            tracing::info!(room = %room, private = joined.private, "room created");
        }
        let summary = shared
            .hub
            .room_summary(&room)
            .ok_or(ErrorCode::NoSuchRoom)?;
        Ok(Response::Joined {
            room: summary,
            latest: joined.latest,
        })
    }))
}

async fn leave(shared: &Arc<Shared>, session: &LoggedIn, room: RoomName) -> Started {
    let ticket = shared
        .store
        .leave(session.id, session.name.clone(), room)
        .await?;
    Ok(Box::pin(async move {
        ticket.wait().await?;
        Ok(Response::Done)
    }))
}

/// Queues a change to a room; the store checks that the caller may make it. Changes count
/// against the caller's message rate, as each is stored and sent like a message.
async fn manage(
    shared: &Arc<Shared>,
    session: &LoggedIn,
    room: RoomName,
    change: Change,
) -> Started {
    shared.rate.message(&session.name)?;
    check_lengths(&change)?;
    let ticket = shared
        .store
        .manage(session.id, session.name.clone(), room.clone(), change)
        .await?;
    let by = session.name.clone();
    Ok(Box::pin(async move {
        let managed = ticket.wait().await?;
        if managed.deleted {
            tracing::info!(room = %room, by = %by, "room deleted");
        }
        Ok(Response::Done)
    }))
}

/// Reasons and topics are bounded, so that every room event fits its page budget.
fn check_lengths(change: &Change) -> Result<(), ErrorReply> {
    let (what, text, limit) = match change {
        Change::Kick { reason, .. } | Change::Ban { reason, .. } => {
            ("a reason", reason, MAX_REASON_LEN)
        }
        Change::SetTopic(topic) => ("a topic", topic, MAX_TOPIC_LEN),
        _ => return Ok(()),
    };
    if text.len() > limit {
        return Err(ErrorReply::new(
            ErrorCode::InvalidRequest,
            format!("{what} is at most {limit} bytes"),
        ));
    }
    Ok(())
}

fn members(shared: &Shared, session: &LoggedIn, room: &RoomName) -> Started {
    shared.hub.access(room, &session.name, Action::Read)?;
    Ok(done(Response::Members(shared.hub.members(room))))
}

/// Resolves a target to a conversation the session may take `action` in.
pub async fn destination(
    shared: &Shared,
    session: &LoggedIn,
    target: Target,
    action: Action,
) -> Result<Destination, ErrorReply> {
    match target {
        Target::Room(name) => {
            let id = shared.hub.access(&name, &session.name, action)?;
            Ok(Destination::Room { id, name })
        }
        Target::User(peer_name) if peer_name == session.name => Err(ErrorReply::new(
            ErrorCode::InvalidRequest,
            "direct messages go to someone else",
        )),
        Target::User(peer_name) => {
            let peer = shared
                .store
                .user_id(peer_name.clone())
                .await?
                .ok_or(ErrorCode::UnknownUser)?;
            Ok(Destination::Direct {
                me: session.id,
                me_name: session.name.clone(),
                peer,
                peer_name,
            })
        }
    }
}

fn check_text(text: &str, max_len: usize) -> Result<(), ErrorReply> {
    if text.trim().is_empty() {
        return Err(ErrorCode::EmptyMessage.into());
    }
    if text.len() > max_len {
        return Err(ErrorCode::MessageTooLong {
            limit: max_len as u32,
        }
        .into());
    }
    Ok(())
}

async fn send(
    shared: &Shared,
    session: &LoggedIn,
    to: Target,
    client_id: ClientMsgId,
    text: String,
) -> Started {
    shared.rate.message(&session.name)?;
    check_text(&text, shared.config.limits.max_message_len)?;
    let destination = destination(shared, session, to, Action::Send).await?;
    let message = NewMessage {
        sender: session.id,
        from: session.name.clone(),
        destination,
        client_id,
        text,
    };
    let ticket = shared.store.append(message).await?;
    Ok(Box::pin(async move {
        let appended = ticket.wait().await?;
        let Message { id, ts_ms, .. } = appended.message;
        Ok(Response::Sent {
            id,
            ts_ms,
            duplicate: appended.duplicate,
        })
    }))
}

fn check_limit(limit: u16) -> Result<u16, ErrorReply> {
    if limit == 0 {
        return Err(ErrorReply::new(
            ErrorCode::InvalidRequest,
            "a page holds at least one message",
        ));
    }
    Ok(limit.min(MAX_PAGE))
}

async fn history(
    shared: &Arc<Shared>,
    session: &LoggedIn,
    target: Target,
    before: Option<MessageId>,
    limit: u16,
) -> Started {
    let limit = check_limit(limit)?;
    let destination = destination(shared, session, target, Action::Read).await?;
    let shared = shared.clone();
    Ok(Box::pin(async move {
        let budget = Budget::messages(limit);
        let (messages, complete) = shared
            .store
            .page_before(destination, before, budget)
            .await?;
        Ok(Response::History(Page { messages, complete }))
    }))
}

/// Messages after each point, up to one page in all. Rooms the user is no longer in (or
/// that are gone or renamed) are skipped rather than refused: a reconnecting client may
/// hold points for them.
fn catch_up(shared: Arc<Shared>, session: Arc<LoggedIn>, points: Vec<ResumePoint>) -> Reply {
    Box::pin(async move {
        let mut messages = Vec::new();
        let mut budget = Budget::messages(MAX_PAGE);
        for point in points {
            let destination = match destination(&shared, &session, point.target, Action::Read).await
            {
                Ok(destination) => destination,
                Err(err) if matches!(err.code, ErrorCode::Forbidden | ErrorCode::NoSuchRoom) => {
                    continue;
                }
                Err(err) => return Err(err),
            };
            let (page, more) = shared
                .store
                .page_after(destination, point.after, budget)
                .await?;
            budget.messages -= page.len() as u16;
            budget.bytes = budget
                .bytes
                .saturating_sub(page.iter().map(message_bytes).sum());
            messages.extend(page);
            if more || budget.messages == 0 || budget.bytes == 0 {
                return Ok(Response::CatchUp(Page {
                    messages,
                    complete: false,
                }));
            }
        }
        Ok(Response::CatchUp(Page {
            messages,
            complete: true,
        }))
    })
}
