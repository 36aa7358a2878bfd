//! From a parsed command to the request it makes and the lines its answer prints.
//!
//! Each command becomes a future that resolves to its output lines: zero or more messages,
//! then exactly one `ok` or `error`. The future owns what it needs, so that the IO loop can
//! keep many in flight and print them in the order the commands came.

use chat_proto::{RoomName, Target};
use futures::FutureExt;
use futures::future::{self, BoxFuture, Shared};
use tokio::sync::{mpsc, oneshot};

use super::output::{Done, MemberInfo, Output, RoomInfo};
use super::transfers::Files;
use crate::client::{Client, ClientError, RoomChange};
use crate::commands::{self, ACTION_PREFIX, Command, HELP, ParseError};

/// The lines one command prints, once its reply is in.
pub type Reply = BoxFuture<'static, Vec<Output>>;

/// Where plain text goes, once the commands before it have been answered.
pub type Current = Shared<BoxFuture<'static, Option<Target>>>;

/// Turns commands into requests, keeping track of the current conversation.
pub struct Dispatcher {
    client: Client,
    /// Where plain text goes: the room last joined or the peer last messaged, if that
    /// command succeeded; a failed `/msg @nobody` leaves it where it was. A script may
    /// write its next line before the answer comes, so this is a future: a command that
    /// uses it waits for the commands that set it, and answers still print in order.
    current: Current,
    files: Files,
}

impl Dispatcher {
    /// Progress lines of transfers go to `progress_tx`.
    pub fn new(client: Client, progress_tx: mpsc::Sender<Output>) -> Self {
        Self {
            files: Files::new(client.clone(), progress_tx),
            client,
            current: future::ready(None).boxed().shared(),
        }
    }

    pub fn dispatch(&mut self, parsed: Result<Command, ParseError>) -> Reply {
        match parsed {
            Ok(command) => self.command(command),
            Err(err) => now(Output::bad_command(&err)),
        }
    }

    fn command(&mut self, command: Command) -> Reply {
        match command {
            Command::Say(text) => self.say(text),
            Command::Me(text) => self.say(format!("{ACTION_PREFIX}{text}")),
            Command::Msg { to, text } => {
                let (succeeded_tx, succeeded_rx) = oneshot::channel();
                self.point_at_if(to.clone(), succeeded_rx);
                self.send(to, text, Some(succeeded_tx))
            }
            Command::Query(to) => {
                let target = to.to_string();
                self.current = future::ready(Some(to)).boxed().shared();
                now(Output::done(Done::Query { target }))
            }
            Command::Help => now(Output::done(Done::Help {
                commands: HELP.iter().map(|(usage, _)| (*usage).to_owned()).collect(),
            })),
            Command::Join(room) => {
                let (succeeded_tx, succeeded_rx) = oneshot::channel();
                self.point_at_if(Target::Room(room.clone()), succeeded_rx);
                self.join(room, succeeded_tx)
            }
            Command::Part(room) => self.part(room),
            Command::History { target, limit } => self.history(target, limit),
            Command::Who(room) => self.who(room),
            Command::Rooms => self.rooms(),
            Command::Create { room, private } => {
                let (succeeded_tx, succeeded_rx) = oneshot::channel();
                self.point_at_if(Target::Room(room.clone()), succeeded_rx);
                self.create(room, private, succeeded_tx)
            }
            Command::Change { room, change } => self.change(room, change),
            Command::Accept(room) => {
                let (succeeded_tx, succeeded_rx) = oneshot::channel();
                self.point_at_if(Target::Room(room.clone()), succeeded_rx);
                self.accept(room, succeeded_tx)
            }
            Command::Topic(room) => self.topic(room),
            Command::Send(path) => self.files.send(self.current.clone(), path),
            Command::Download { file, path } => self.files.download(file, path),
            Command::Cancel(number) => self.files.cancel(number),
            // A preview draws in a terminal; JSON lines have nowhere to show one.
            Command::View(_) => now(Output::error(
                "unsupported",
                "no images in headless mode; use /download",
                Some("view"),
            )),
            Command::Quit => now(Output::done(Done::Quit)),
        }
    }

    /// The current room follows a room renamed, by this client or by anyone.
    pub fn follow_rename(&mut self, from: RoomName, to: RoomName) {
        self.retarget(move |current| match current {
            Some(Target::Room(room)) if room == from => Some(Target::Room(to)),
            other => other,
        });
    }

    /// Changes the current target once the commands before have set it.
    fn retarget(&mut self, map: impl FnOnce(Option<Target>) -> Option<Target> + Send + 'static) {
        let previous = self.current.clone();
        self.current = async move { map(previous.await) }.boxed().shared();
    }

    /// Makes `to` the current target once `succeeded` says the command setting it worked.
    fn point_at_if(&mut self, to: Target, succeeded: oneshot::Receiver<bool>) {
        let previous = self.current.clone();
        self.current = async move {
            if succeeded.await.unwrap_or(false) {
                Some(to)
            } else {
                previous.await
            }
        }
        .boxed()
        .shared();
    }

    /// The room a command acts on: the one named, else the current target if it is a room.
    /// Fails with the words saying why there is none.
    fn room_for(
        &self,
        command: &'static str,
        room: Option<RoomName>,
    ) -> BoxFuture<'static, Result<RoomName, Output>> {
        let current = self.current.clone();
        async move {
            if let Some(room) = room {
                return Ok(room);
            }
            match current.await {
                Some(Target::Room(room)) => Ok(room),
                current => {
                    let direct = matches!(current, Some(Target::User(_)));
                    Err(no_target(command, &commands::no_room(command, direct)))
                }
            }
        }
        .boxed()
    }

    /// The current room, for commands whose room is optional.
    fn room_or_current(&self, room: Option<RoomName>) -> BoxFuture<'static, Option<RoomName>> {
        let current = self.current.clone();
        async move {
            match room {
                Some(room) => Some(room),
                None => match current.await {
                    Some(Target::Room(room)) => Some(room),
                    _ => None,
                },
            }
        }
        .boxed()
    }

    fn say(&self, text: String) -> Reply {
        let current = self.current.clone();
        let client = self.client.clone();
        async move {
            match current.await {
                Some(to) => sent(&client, to, text, None).await,
                None => vec![no_target(
                    "msg",
                    "nowhere to send: /join a room or /msg someone first",
                )],
            }
        }
        .boxed()
    }

    fn send(&self, to: Target, text: String, succeeded: Option<oneshot::Sender<bool>>) -> Reply {
        let client = self.client.clone();
        async move { sent(&client, to, text, succeeded).await }.boxed()
    }

    fn join(&self, room: RoomName, succeeded: oneshot::Sender<bool>) -> Reply {
        let client = self.client.clone();
        async move {
            let joined = client.join(room).await;
            let _ = succeeded.send(joined.is_ok());
            one(
                joined.map(|r| Done::Join {
                    room: r.name.to_string(),
                    members: r.members,
                }),
                "join",
            )
        }
        .boxed()
    }

    fn part(&mut self, room: Option<RoomName>) -> Reply {
        let room = self.room_or_current(room).shared();
        let previous = self.current.clone();
        let parted = room.clone();
        // Parting the current room leaves no current target.
        self.current = async move {
            let previous = previous.await;
            match (&previous, parted.await) {
                (Some(Target::Room(current)), Some(room)) if *current == room => None,
                _ => previous,
            }
        }
        .boxed()
        .shared();
        let client = self.client.clone();
        async move {
            let Some(room) = room.await else {
                return vec![no_target("part", "no current room: /part #room")];
            };
            let name = room.to_string();
            one(
                client.leave(room).await.map(|()| Done::Part { room: name }),
                "part",
            )
        }
        .boxed()
    }

    fn history(&self, target: Option<Target>, limit: u16) -> Reply {
        let client = self.client.clone();
        let current = self.current.clone();
        async move {
            let Some(target) = (match target {
                Some(target) => Some(target),
                None => current.await,
            }) else {
                return vec![no_target(
                    "history",
                    "no current conversation: /history #room",
                )];
            };
            let page = match client.history(target.clone(), None, limit).await {
                Ok(page) => page,
                Err(err) => return vec![Output::failed(&err, "history")],
            };
            let done = Done::History {
                target: target.to_string(),
                count: page.messages.len(),
                complete: page.complete,
            };
            let me = client.user();
            let mut lines: Vec<Output> = page
                .messages
                .into_iter()
                .map(|m| Output::history_message(m, me))
                .collect();
            lines.push(Output::done(done));
            lines
        }
        .boxed()
    }

    fn who(&self, room: Option<RoomName>) -> Reply {
        let client = self.client.clone();
        let room = self.room_or_current(room);
        async move {
            let Some(room) = room.await else {
                return vec![no_target("who", "no current room: /who #room")];
            };
            let members = client.members(room.clone()).await.map(|members| Done::Who {
                room: room.to_string(),
                members: members.iter().map(MemberInfo::from).collect(),
            });
            one(members, "who")
        }
        .boxed()
    }

    /// Makes a change to a room, the current one unless named.
    fn change(&mut self, room: Option<RoomName>, change: RoomChange) -> Reply {
        let command = change.command();
        let room = self.room_for(command, room).shared();
        let (succeeded_tx, succeeded_rx) = oneshot::channel();
        self.follow_change(room.clone(), &change, succeeded_rx);
        let client = self.client.clone();
        async move {
            let room = match room.await {
                Ok(room) => room,
                Err(output) => return vec![output],
            };
            let done = Done::changed(&room, &change);
            let result = client.change(room, change).await;
            let _ = succeeded_tx.send(result.is_ok());
            one(result.map(|()| done), command)
        }
        .boxed()
    }

    /// Where the current target goes once a change succeeds: to the new name of a room
    /// renamed, and nowhere after the current room is deleted. Other changes leave it be,
    /// and the commands after them need not wait.
    fn follow_change(
        &mut self,
        room: Shared<BoxFuture<'static, Result<RoomName, Output>>>,
        change: &RoomChange,
        succeeded: oneshot::Receiver<bool>,
    ) {
        if !matches!(change, RoomChange::Rename(_) | RoomChange::Delete) {
            return;
        }
        let change = change.clone();
        let previous = self.current.clone();
        self.current = async move {
            let current = previous.await;
            let Ok(room) = room.await else {
                return current;
            };
            if !succeeded.await.unwrap_or(false) {
                return current;
            }
            let was_current = current == Some(Target::Room(room.clone()));
            match change {
                RoomChange::Rename(to) if was_current => Some(Target::Room(to)),
                RoomChange::Delete if was_current => None,
                _ => current,
            }
        }
        .boxed()
        .shared();
    }

    /// `/create`: answered as a join is, so its line names the room the server made.
    fn create(&self, room: RoomName, private: bool, succeeded: oneshot::Sender<bool>) -> Reply {
        let client = self.client.clone();
        async move {
            let created = client.create(room, private).await;
            let _ = succeeded.send(created.is_ok());
            one(
                created.map(|r| Done::Create {
                    room: r.name.to_string(),
                    private: r.private,
                }),
                "create",
            )
        }
        .boxed()
    }

    fn accept(&self, room: RoomName, succeeded: oneshot::Sender<bool>) -> Reply {
        let client = self.client.clone();
        async move {
            let joined = client.accept(room).await;
            let _ = succeeded.send(joined.is_ok());
            one(
                joined.map(|r| Done::Accept {
                    room: r.name.to_string(),
                    members: r.members,
                }),
                "accept",
            )
        }
        .boxed()
    }

    /// `/topic` without text: the topic as the room list has it.
    fn topic(&self, room: Option<RoomName>) -> Reply {
        let client = self.client.clone();
        let room = self.room_for("topic", room);
        async move {
            let room = match room.await {
                Ok(room) => room,
                Err(output) => return vec![output],
            };
            let rooms = match client.rooms().await {
                Ok(rooms) => rooms,
                Err(err) => return vec![Output::failed(&err, "topic")],
            };
            let Some(found) = rooms.into_iter().find(|r| r.name == room) else {
                let err = ClientError::Server(chat_proto::ErrorCode::NoSuchRoom.into());
                return vec![Output::failed(&err, "topic")];
            };
            vec![Output::done(Done::Topic {
                room: room.to_string(),
                topic: found.topic,
            })]
        }
        .boxed()
    }

    fn rooms(&self) -> Reply {
        let client = self.client.clone();
        async move {
            let rooms = client.rooms().await;
            one(
                rooms.map(|rooms| Done::Rooms {
                    rooms: rooms.iter().map(RoomInfo::from).collect(),
                }),
                "rooms",
            )
        }
        .boxed()
    }
}

/// Sends, and says whether it worked to whoever waits on that.
async fn sent(
    client: &Client,
    to: Target,
    text: String,
    succeeded: Option<oneshot::Sender<bool>>,
) -> Vec<Output> {
    let target = to.to_string();
    let result = client.send(to, text).await;
    if let Some(succeeded) = succeeded {
        let _ = succeeded.send(result.is_ok());
    }
    one(
        result.map(|(id, duplicate)| Done::Msg {
            id: id.0,
            target,
            duplicate,
        }),
        "msg",
    )
}

/// A reply known without asking the server.
fn now(output: Output) -> Reply {
    futures::future::ready(vec![output]).boxed()
}

fn one(result: Result<Done, ClientError>, command: &'static str) -> Vec<Output> {
    vec![match result {
        Ok(done) => Output::done(done),
        Err(err) => Output::failed(&err, command),
    }]
}

pub(super) fn no_target(command: &'static str, message: &str) -> Output {
    Output::error("no_target", message, Some(command))
}
