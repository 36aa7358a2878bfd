//! The interactive client's state, and the one function that changes it.
//!
//! [`App::update`] takes an [`Action`] (a key, an event from the client, the reply to an
//! earlier request) and returns the [`Effect`]s it needs carried out. It never waits and
//! never does IO, so the whole client can be driven in tests without a terminal or a
//! server, and the views can only read what it holds.
//!
//! - `action`: actions, effects and replies.
//! - `entry`, `conversation`, `scroll`: a conversation's scrollback and the reader's place.
//! - `input`, `complete`: the input line and its tab completion.
//! - `help`: the help box's text, wrapped to the terminal.
//! - `keys`: key bindings and what a key means.
//! - `login`: the login form and the certificate question.
//! - `chat`: events from the client and replies from the server.
//! - `groups`: room events, invitations and the commands that manage rooms.
//! - `intents`: what keys do on the chat screen.
//! - `run`: commands typed on the input line.
//! - `transfers`: files sent and fetched, and their progress.
//! - `files`: picking a posted file with the keys, to download or preview it.
//! - `preview`: `/view`: an image fetched and shown in a box.

mod action;
mod chat;
mod complete;
mod conversation;
mod entry;
mod files;
mod groups;
mod help;
mod input;
mod intents;
mod keys;
mod login;
mod preview;
mod run;
mod scroll;
mod transfers;

use std::collections::HashMap;

use chat_proto::{Invitation, Member, MessageId, RoomName, RoomSummary, Target, UserName};

pub use action::{Action, Effect, Failure, Login, Reply};
pub use complete::Completion;
pub use conversation::{Conversation, Fetching, PREFETCH, Pending, Side};
pub use entry::{Entry, EntryRows, Line, LineKind, NICK_WIDTH, PREFIX_WIDTH, text_width};
pub use groups::{role_mark, sort_members};
pub use help::HelpText;
pub use input::Input;
pub use keys::{BadKey, Edit, Intent, KeySpec, Keymap};
pub use login::{Field, LoginForm};
pub use scroll::Scroll;
pub use transfers::{Direction, Transfer};

use crate::client::Fingerprint;
use crate::commands::Command;
use crate::layout::Panes;
use crate::preview::Preview;
use crate::text::clock::Clock;
use crate::theme::Theme;

/// What the app is set up with; fixed for its lifetime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// "host:port", for the screens that name it.
    pub server: String,
    pub keys: Keymap,
    pub theme: Theme,
    pub clock: Clock,
    /// Entries kept in memory per conversation.
    pub scrollback: usize,
}

/// How the app starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// Credentials are known: connect at once.
    Connect(Login),
    /// Ask for them, with the user name filled in when known.
    Ask {
        user: Option<UserName>,
        register: bool,
    },
}

/// Which screen is up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    Login(LoginForm),
    Connecting {
        user: UserName,
    },
    /// The server's certificate is new: trust it? Only "yes" typed out, then Enter, says
    /// so, as with OpenSSH: a key typed ahead for another screen cannot.
    Trust {
        server: String,
        fingerprint: Fingerprint,
        /// Who logs in once it is trusted.
        user: UserName,
        /// The answer being typed.
        answer: Input,
    },
    /// The server's certificate changed: the warning, until the user quits.
    Refused(String),
    Chat,
}

/// Where keys go on the chat screen besides the input line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Input,
    /// Up and Down pick a conversation, Enter opens it.
    Rooms,
    /// Up and Down pick a member, Enter opens a DM.
    Members,
    /// Up and Down pick a file posted in the conversation; Enter or `d` downloads it.
    Files,
}

/// The state of the connection, for the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    Connecting,
    Online,
    Reconnecting(String),
    /// Stopped for good, with why.
    Offline(String),
}

/// How long an informational notice stays on the status line.
pub const INFO_LASTS_MS: i64 = 5_000;

/// How long an error stays: longer than news, so that it is read, but not for good.
pub const ERROR_LASTS_MS: i64 = 10_000;

/// A line of news for the status bar, until the next one, Esc, or its time is up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
    /// When it was given, Unix milliseconds (the app's clock, [`Action::Now`]).
    pub at_ms: i64,
    /// The conversation it is about, if any: leaving that conversation clears it, so that
    /// news of one conversation is not read as news of the next.
    pub about: Option<Target>,
}

impl Notice {
    /// Whether the notice has been up long enough at `now_ms`.
    pub fn expired(&self, now_ms: i64) -> bool {
        let lasts = if self.error {
            ERROR_LASTS_MS
        } else {
            INFO_LASTS_MS
        };
        now_ms - self.at_ms >= lasts
    }
}

/// How the client ended, for the process's exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The user quit, or the terminal went away.
    Quit,
    /// The client never got in: the user refused the server's certificate, the
    /// certificate had changed, or logging in failed and the user gave up.
    NeverConnected,
}

/// A box over the chat screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    /// The help, scrolled so that row `top` is the first shown.
    Help {
        top: usize,
    },
    List(ListOverlay),
    /// An image (`/view`).
    Preview(Preview),
}

/// A list to pick from: `/rooms` (Enter joins) or `/who` (Enter opens a DM).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListOverlay {
    pub title: String,
    pub items: Vec<ListItem>,
    pub selected: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListItem {
    pub label: String,
    /// Run when the item is picked.
    pub command: Option<Command>,
}

/// The whole state of the interactive client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    pub settings: Settings,
    pub phase: Phase,
    /// Who is logged in, once connected.
    pub me: Option<UserName>,
    /// Rooms first, then DMs, each in the order opened.
    pub conversations: Vec<Conversation>,
    pub current: usize,
    /// The conversation shown before the current one, to go back to when the current one
    /// turns out not to exist.
    pub previous: Option<Target>,
    /// Members of each room whose list has been fetched.
    pub members: HashMap<RoomName, Vec<Member>>,
    /// The reader's rooms as last heard of: whether each is private, and its topic. Kept
    /// current by the room's events; the member counts are those of the join.
    pub rooms: HashMap<RoomName, RoomSummary>,
    pub focus: Focus,
    /// The highlighted row of the focused rooms or members pane.
    pub selected: usize,
    /// The message whose file is picked while the files focus is on, and where it is.
    pub selected_file: Option<(Target, MessageId)>,
    pub input: Input,
    pub completion: Option<Completion>,
    pub overlay: Option<Overlay>,
    pub link: Link,
    pub notice: Option<Notice>,
    /// Every room on the server, as last listed; for completion.
    pub server_rooms: Vec<RoomSummary>,
    /// Invitations neither accepted nor declined yet, oldest first.
    pub invitations: Vec<Invitation>,
    /// Uploads and downloads under way, oldest first.
    pub transfers: Vec<Transfer>,
    /// The terminal's size, for paging by the message view's height.
    pub size: (u16, u16),
    /// The time of the latest [`Action::Now`], Unix milliseconds; notices expire by it.
    pub now_ms: i64,
    pub quit: bool,
    /// The last number given to a pending message or a page request; each is used once, so
    /// that a reply names what it answers.
    next_number: u64,
    /// The number of the latest transfer: transfers count from 1, apart from other
    /// numbers, as the user types theirs.
    latest_transfer: u64,
}

impl App {
    pub fn new(settings: Settings, start: Start) -> (Self, Vec<Effect>) {
        let (phase, effects) = match start {
            Start::Connect(login) => (
                Phase::Connecting {
                    user: login.user.clone(),
                },
                vec![Effect::Connect(login)],
            ),
            Start::Ask { user, register } => (Phase::Login(LoginForm::new(user, register)), vec![]),
        };
        let app = Self {
            settings,
            phase,
            me: None,
            conversations: Vec::new(),
            current: 0,
            previous: None,
            members: HashMap::new(),
            rooms: HashMap::new(),
            focus: Focus::Input,
            selected: 0,
            selected_file: None,
            input: Input::default(),
            completion: None,
            overlay: None,
            link: Link::Connecting,
            notice: None,
            server_rooms: Vec::new(),
            invitations: Vec::new(),
            transfers: Vec::new(),
            size: (80, 24),
            now_ms: 0,
            quit: false,
            next_number: 0,
            latest_transfer: 0,
        };
        (app, effects)
    }

    /// Applies one action; returns what must be done outside.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Resize { width, height } => {
                self.size = (width, height);
                Vec::new()
            }
            Action::Now(now_ms) => {
                self.now_ms = now_ms;
                if self.notice.as_ref().is_some_and(|n| n.expired(now_ms)) {
                    self.notice = None;
                }
                Vec::new()
            }
            Action::Key(key) => self.on_key(&key),
            Action::Paste(text) => self.on_paste(&text),
            Action::Wheel { up } => self.on_wheel(up),
            Action::Connected(session) => self.on_connected(&session),
            Action::ConnectFailed(failure) => self.on_connect_failed(&failure),
            Action::TrustUnknown {
                server,
                fingerprint,
            } => self.on_trust_unknown(server, fingerprint),
            Action::TrustChanged {
                server,
                known,
                presented,
                file,
            } => self.on_trust_changed(&server, known, presented, &file),
            Action::Client(event) => self.on_client_event(event),
            Action::Resumed(session) => self.on_resumed(&session),
            Action::ClientStopped => self.on_client_stopped(),
            Action::Reply(reply) => self.on_reply(reply),
        }
    }

    /// How the client ends if it ends now.
    pub fn exit(&self) -> Exit {
        let refused = match &self.phase {
            Phase::Refused(_) => true,
            Phase::Login(form) => form.error.is_some(),
            _ => false,
        };
        if self.me.is_none() && refused {
            Exit::NeverConnected
        } else {
            Exit::Quit
        }
    }

    /// The conversation shown, if any.
    pub fn current(&self) -> Option<&Conversation> {
        self.conversations.get(self.current)
    }

    fn current_mut(&mut self) -> Option<&mut Conversation> {
        self.conversations.get_mut(self.current)
    }

    pub fn position(&self, target: &Target) -> Option<usize> {
        self.conversations.iter().position(|c| &c.target == target)
    }

    /// The members of the current room: the owner, admins, then members, online first
    /// within each.
    pub fn current_members(&self) -> Vec<&Member> {
        let Some(Target::Room(room)) = self.current().map(|c| &c.target) else {
            return Vec::new();
        };
        let mut members: Vec<&Member> = self.members.get(room).into_iter().flatten().collect();
        groups::sort_members(&mut members);
        members
    }

    /// What is known of the current conversation's room, if it is one of the reader's.
    pub fn current_room_facts(&self) -> Option<&RoomSummary> {
        match self.current().map(|c| &c.target) {
            Some(Target::Room(room)) => self.rooms.get(room),
            _ => None,
        }
    }

    /// The message view's text width and height at the current terminal size.
    fn view_size(&self) -> (usize, usize) {
        let panes = Panes::of_size(self.size.0, self.size.1, self.transfers.len());
        (
            text_width(panes.messages.width),
            usize::from(panes.messages.height),
        )
    }

    /// The first help row shown when the help is scrolled to its end at the current size.
    fn help_last_top(&self) -> usize {
        let help = HelpText::new(&self.settings.keys, self.size.0);
        help.last_top(usize::from(self.size.1.saturating_sub(2)))
    }

    fn info(&mut self, text: impl Into<String>) {
        self.tell(text.into(), false, None);
    }

    fn error(&mut self, text: impl Into<String>) {
        self.tell(text.into(), true, None);
    }

    /// News about one conversation, cleared when the reader leaves it.
    fn info_about(&mut self, target: &Target, text: impl Into<String>) {
        self.tell(text.into(), false, Some(target.clone()));
    }

    /// An error about one conversation, cleared when the reader leaves it.
    fn error_about(&mut self, target: &Target, text: impl Into<String>) {
        self.tell(text.into(), true, Some(target.clone()));
    }

    fn tell(&mut self, text: String, error: bool, about: Option<Target>) {
        self.notice = Some(Notice {
            text,
            error,
            at_ms: self.now_ms,
            about,
        });
    }

    fn next_number(&mut self) -> u64 {
        self.next_number += 1;
        self.next_number
    }
}

#[cfg(test)]
mod tests;
