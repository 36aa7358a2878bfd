//! Carries out the app's network effects with the client core.
//!
//! One task takes effects in the order the app made them and submits each to the core
//! before taking the next, so that messages typed one after the other reach the server in
//! that order; the replies are awaited in tasks of their own, so that a slow reply (a
//! message sent while offline waits for the reconnect) holds nothing else up. Each reply
//! comes back to the event loop as an [`Action`].

use chat_proto::{ClientMsgId, Request, Response, ResumePoint};
use ratatui_image::picker::Picker;
use tokio::sync::mpsc;

use super::transfers;
use crate::app::{Action, Effect, Failure, Reply};
use crate::client::{Client, ClientError, Transfers};

/// Messages in one page of history; a few screens' worth, so that scrolling back fetches
/// rarely but a page arrives quickly.
pub const HISTORY_PAGE: u16 = 200;

/// Runs until the event loop drops its end of `effects_rx`.
pub async fn run(
    client: Client,
    mut effects_rx: mpsc::Receiver<Effect>,
    replies_tx: mpsc::Sender<Action>,
    picker: Picker,
) {
    let transfers = Transfers::default();
    while let Some(effect) = effects_rx.recv().await {
        let carried = transfers::carry_out(&client, &transfers, &picker, effect, &replies_tx);
        let Some(effect) = carried else {
            continue;
        };
        let Some(request) = request_of(&effect) else {
            continue;
        };
        let submitted = client.submit(request).await;
        let replies_tx = replies_tx.clone();
        tokio::spawn(async move {
            let result = match submitted {
                Ok(pending) => pending.reply().await,
                Err(err) => Err(err),
            };
            if let Some(reply) = reply_of(effect, result) {
                // The loop is gone only when the app is quitting.
                let _ = replies_tx.send(Action::Reply(reply)).await;
            }
        });
    }
}

/// The request an effect makes; `None` for effects that are not requests.
pub fn request_of(effect: &Effect) -> Option<Request> {
    let request = match effect.clone() {
        Effect::Send { to, text, .. } => Request::Send {
            to,
            client_id: ClientMsgId(rand::random()),
            text,
        },
        Effect::Join(room) => Request::Join { room },
        Effect::Accept(room) => Request::Accept { room },
        Effect::Create { room, private } => Request::Create { room, private },
        Effect::Change { room, change } => change.request(room),
        Effect::Leave(room) => Request::Leave { room },
        Effect::Older { target, before, .. } => Request::History {
            target,
            before,
            limit: HISTORY_PAGE,
        },
        // The catch-up request reads forward from a point, which is what a page of newer
        // messages is; sent by the app, it does not move the core's resume cursors.
        Effect::Newer { target, after, .. } => Request::CatchUp {
            points: vec![ResumePoint { target, after }],
        },
        Effect::Members { room, .. } => Request::Members { room },
        Effect::Rooms { .. } => Request::ListRooms,
        Effect::Connect(_)
        | Effect::Trust(_)
        | Effect::Redraw
        | Effect::Upload { .. }
        | Effect::Download { .. }
        | Effect::Preview { .. }
        | Effect::Cancel(_) => return None,
    };
    Some(request)
}

/// How an effect turned out, from its reply.
pub fn reply_of(effect: Effect, result: Result<Response, ClientError>) -> Option<Reply> {
    let reply = match effect {
        Effect::Send { to, local, .. } => Reply::Sent {
            to,
            local,
            result: expect(result, "send", |r| match r {
                Response::Sent { id, .. } => Ok(id),
                other => Err(Box::new(other)),
            }),
        },
        Effect::Join(room) => Reply::Joined {
            room,
            result: expect(result, "join", |r| match r {
                Response::Joined { room, .. } => Ok(room),
                other => Err(Box::new(other)),
            }),
        },
        Effect::Accept(room) => Reply::Joined {
            room,
            result: expect(result, "accept", |r| match r {
                Response::Joined { room, .. } => Ok(room),
                other => Err(Box::new(other)),
            }),
        },
        Effect::Create { room, .. } => Reply::Created {
            room,
            result: expect(result, "create", |r| match r {
                Response::Joined { room, .. } => Ok(room),
                other => Err(Box::new(other)),
            }),
        },
        Effect::Change { room, change } => Reply::Changed {
            room,
            result: expect(result, change.command(), |r| match r {
                Response::Done => Ok(()),
                other => Err(Box::new(other)),
            }),
            change,
        },
        Effect::Leave(room) => Reply::Left {
            room,
            result: result.map(|_| ()).map_err(|err| Failure::from(&err)),
        },
        Effect::Older {
            target, request, ..
        } => Reply::Older {
            target,
            request,
            result: expect(result, "history", |r| match r {
                Response::History(page) => Ok(page),
                other => Err(Box::new(other)),
            }),
        },
        Effect::Newer {
            target, request, ..
        } => Reply::Newer {
            target,
            request,
            result: expect(result, "catch-up", |r| match r {
                Response::CatchUp(page) => Ok(page),
                other => Err(Box::new(other)),
            }),
        },
        Effect::Members { room, show } => Reply::Members {
            room,
            show,
            result: expect(result, "members", |r| match r {
                Response::Members(members) => Ok(members),
                other => Err(Box::new(other)),
            }),
        },
        Effect::Rooms { show } => Reply::Rooms {
            show,
            result: expect(result, "list rooms", |r| match r {
                Response::Rooms(rooms) => Ok(rooms),
                other => Err(Box::new(other)),
            }),
        },
        Effect::Connect(_)
        | Effect::Trust(_)
        | Effect::Redraw
        | Effect::Upload { .. }
        | Effect::Download { .. }
        | Effect::Preview { .. }
        | Effect::Cancel(_) => return None,
    };
    Some(reply)
}

/// What a reply carries, if it is the kind `what` expects: `pick` hands back any other
/// response, which is a protocol error, boxed, as responses are large.
fn expect<T>(
    result: Result<Response, ClientError>,
    what: &str,
    pick: impl FnOnce(Response) -> Result<T, Box<Response>>,
) -> Result<T, Failure> {
    result
        .and_then(|response| pick(response).map_err(|other| ClientError::unexpected(what, &other)))
        .map_err(|err| Failure::from(&err))
}

/// The reply of an effect that could not even be queued.
pub fn refused(effect: Effect, why: &str) -> Option<Reply> {
    if let Some(reply) = transfers::refused(&effect, why) {
        return Some(reply);
    }
    let err = ClientError::Io(std::io::Error::other(why.to_owned()));
    reply_of(effect, Err(err))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chat_proto::{MessageId, Page, RoomName, RoomSummary, Target};

    fn room() -> RoomName {
        RoomName::new("general").unwrap()
    }

    #[test]
    fn effects_become_requests() {
        let older = Effect::Older {
            target: Target::Room(room()),
            before: Some(MessageId(9)),
            request: 1,
        };
        assert_eq!(
            request_of(&older),
            Some(Request::History {
                target: Target::Room(room()),
                before: Some(MessageId(9)),
                limit: HISTORY_PAGE
            })
        );
        let newer = Effect::Newer {
            target: Target::Room(room()),
            after: MessageId(3),
            request: 2,
        };
        assert!(
            matches!(request_of(&newer), Some(Request::CatchUp { points }) if points.len() == 1)
        );
        assert_eq!(request_of(&Effect::Redraw), None);
    }

    #[test]
    fn sends_get_a_fresh_client_id_each() {
        let send = Effect::Send {
            to: Target::Room(room()),
            local: 1,
            text: "hi".into(),
        };
        let id = |r| match r {
            Some(Request::Send { client_id, .. }) => client_id,
            other => panic!("{other:?}"),
        };
        assert_ne!(id(request_of(&send)), id(request_of(&send)));
    }

    #[test]
    fn replies_are_matched_to_their_effects() {
        let page = Page {
            messages: vec![],
            complete: true,
        };
        let reply = reply_of(
            Effect::Older {
                target: Target::Room(room()),
                before: None,
                request: 4,
            },
            Ok(Response::History(page.clone())),
        );
        assert_eq!(
            reply,
            Some(Reply::Older {
                target: Target::Room(room()),
                request: 4,
                result: Ok(page)
            })
        );
        let summary = RoomSummary {
            name: room(),
            members: 2,
            private: false,
            topic: String::new(),
        };
        let joined = reply_of(
            Effect::Join(room()),
            Ok(Response::Joined {
                room: summary.clone(),
                latest: MessageId(0),
            }),
        );
        assert_eq!(
            joined,
            Some(Reply::Joined {
                room: room(),
                result: Ok(summary)
            })
        );
    }

    #[test]
    fn a_room_made_is_answered_as_a_join_is() {
        let create = Effect::Create {
            room: room(),
            private: true,
        };
        assert_eq!(
            request_of(&create),
            Some(Request::Create {
                room: room(),
                private: true
            })
        );
        let summary = RoomSummary {
            name: room(),
            members: 1,
            private: true,
            topic: String::new(),
        };
        let joined = Response::Joined {
            room: summary.clone(),
            latest: MessageId(7),
        };
        assert_eq!(
            reply_of(create.clone(), Ok(joined)),
            Some(Reply::Created {
                room: room(),
                result: Ok(summary)
            })
        );
        let done = reply_of(create, Ok(Response::Done));
        assert!(
            matches!(done, Some(Reply::Created { result: Err(f), .. }) if f.code == "protocol")
        );
    }

    #[test]
    fn failures_and_wrong_replies_become_failures() {
        let reply = reply_of(Effect::Rooms { show: true }, Ok(Response::Done));
        assert!(matches!(reply, Some(Reply::Rooms { result: Err(f), .. }) if f.code == "protocol"));
        let refused = refused(Effect::Leave(room()), "busy");
        assert!(matches!(refused, Some(Reply::Left { result: Err(f), .. }) if f.message == "busy"));
    }
}
