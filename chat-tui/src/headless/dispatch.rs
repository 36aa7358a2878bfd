//! From a parsed command to the request it makes and the lines its answer prints.
//!
//! Each command becomes a future that resolves to its output lines: zero or more messages,
//! then exactly one `ok` or `error`. The future owns what it needs, so that the IO loop can
//! keep many in flight and print them in the order the commands came.

use chat_proto::{RoomName, Target};
use futures::FutureExt;
use futures::future::BoxFuture;

use super::output::{Done, MemberInfo, Output, RoomInfo};
use crate::client::{Client, ClientError};
use crate::commands::{ACTION_PREFIX, Command, HELP, ParseError};

/// The lines one command prints, once its reply is in.
pub type Reply = BoxFuture<'static, Vec<Output>>;

/// Turns commands into requests, keeping track of the current conversation.
pub struct Dispatcher {
    client: Client,
    /// Where plain text goes: the room last joined or the peer last messaged. Updated when
    /// a command is issued, not when its reply arrives, so that a script's next line
    /// already goes there.
    current: Option<Target>,
}

impl Dispatcher {
    pub fn new(client: Client) -> Self {
        Self {
            client,
            current: None,
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
            Command::Say(text) => match self.current.clone() {
                Some(to) => self.send(to, text),
                None => now(no_target(
                    "msg",
                    "nowhere to send: /join a room or /msg someone first",
                )),
            },
            Command::Msg { to, text } => {
                self.current = Some(to.clone());
                self.send(to, text)
            }
            Command::Me(text) => match self.current.clone() {
                Some(to) => self.send(to, format!("{ACTION_PREFIX}{text}")),
                None => now(no_target(
                    "msg",
                    "nowhere to send: /join a room or /msg someone first",
                )),
            },
            Command::Query(to) => {
                let target = to.to_string();
                self.current = Some(to);
                now(Output::done(Done::Query { target }))
            }
            Command::Help => now(Output::done(Done::Help {
                commands: HELP.iter().map(|(usage, _)| (*usage).to_owned()).collect(),
            })),
            Command::Join(room) => {
                self.current = Some(Target::Room(room.clone()));
                self.join(room)
            }
            Command::Part(room) => match room.or_else(|| self.current_room()) {
                Some(room) => self.part(room),
                None => now(no_target("part", "no current room: /part #room")),
            },
            Command::History { target, limit } => match target.or_else(|| self.current.clone()) {
                Some(target) => self.history(target, limit),
                None => now(no_target(
                    "history",
                    "no current conversation: /history #room",
                )),
            },
            Command::Who(room) => match room.or_else(|| self.current_room()) {
                Some(room) => self.who(room),
                None => now(no_target("who", "no current room: /who #room")),
            },
            Command::Rooms => self.rooms(),
            Command::Quit => now(Output::done(Done::Quit)),
        }
    }

    fn current_room(&self) -> Option<RoomName> {
        match &self.current {
            Some(Target::Room(room)) => Some(room.clone()),
            _ => None,
        }
    }

    fn send(&self, to: Target, text: String) -> Reply {
        let client = self.client.clone();
        async move {
            let target = to.to_string();
            let sent = client.send(to, text).await;
            one(
                sent.map(|(id, duplicate)| Done::Msg {
                    id: id.0,
                    target,
                    duplicate,
                }),
                "msg",
            )
        }
        .boxed()
    }

    fn join(&self, room: RoomName) -> Reply {
        let client = self.client.clone();
        async move {
            let joined = client.join(room).await;
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

    fn part(&mut self, room: RoomName) -> Reply {
        if self.current_room().as_ref() == Some(&room) {
            self.current = None;
        }
        let client = self.client.clone();
        async move {
            let name = room.to_string();
            one(
                client.leave(room).await.map(|()| Done::Part { room: name }),
                "part",
            )
        }
        .boxed()
    }

    fn history(&self, target: Target, limit: u16) -> Reply {
        let client = self.client.clone();
        async move {
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

    fn who(&self, room: RoomName) -> Reply {
        let client = self.client.clone();
        async move {
            let members = client.members(room.clone()).await.map(|members| Done::Who {
                room: room.to_string(),
                members: members.iter().map(MemberInfo::from).collect(),
            });
            one(members, "who")
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

fn no_target(command: &'static str, message: &str) -> Output {
    Output::error("no_target", message, Some(command))
}
