//! Group management: making rooms, invitations, moderation, roles, names and topics.
//!
//! Every such request but making a room and accepting an invitation is answered with a
//! bare `Done`; what it changed reaches every member, the caller included, as a room event
//! in the room's history. Those two join the caller to the room, and are answered as a
//! join is, with the room's summary and its newest message, where the connection task
//! starts the room's cursor. [`RoomChange`] names the others apart from their room, so
//! that a command can be parsed before its room is known (the current one, in the
//! terminal and in headless mode alike).

use chat_proto::{Request, Response, Role, RoomName, RoomSummary, UserName};

use super::{Client, ClientError};

/// A change to a room that the server answers with `Done`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomChange {
    Invite(UserName),
    /// Turns down the caller's invitation.
    Decline,
    Kick {
        user: UserName,
        reason: String,
    },
    Ban {
        user: UserName,
        reason: String,
    },
    Unban(UserName),
    /// [`Role::Owner`] hands ownership on; the caller becomes an admin.
    SetRole {
        user: UserName,
        role: Role,
    },
    Rename(RoomName),
    /// An empty topic clears it.
    SetTopic(String),
    Delete,
}

impl RoomChange {
    /// The request that makes this change to `room`.
    pub fn request(self, room: RoomName) -> Request {
        match self {
            Self::Invite(user) => Request::Invite { room, user },
            Self::Decline => Request::Decline { room },
            Self::Kick { user, reason } => Request::Kick { room, user, reason },
            Self::Ban { user, reason } => Request::Ban { room, user, reason },
            Self::Unban(user) => Request::Unban { room, user },
            Self::SetRole { user, role } => Request::SetRole { room, user, role },
            Self::Rename(to) => Request::Rename { room, to },
            Self::SetTopic(topic) => Request::SetTopic { room, topic },
            Self::Delete => Request::Delete { room },
        }
    }

    /// The name of the command that asks for it, as typed after the `/`.
    pub fn command(&self) -> &'static str {
        match self {
            Self::Invite(_) => "invite",
            Self::Decline => "decline",
            Self::Kick { .. } => "kick",
            Self::Ban { .. } => "ban",
            Self::Unban(_) => "unban",
            Self::SetRole {
                role: Role::Owner, ..
            } => "transfer",
            Self::SetRole {
                role: Role::Admin, ..
            } => "op",
            Self::SetRole {
                role: Role::Member, ..
            } => "deop",
            Self::Rename(_) => "rename",
            Self::SetTopic(_) => "topic",
            Self::Delete => "delete",
        }
    }
}

impl Client {
    /// Makes a change to a room and waits until the server has made it.
    pub async fn change(&self, room: RoomName, change: RoomChange) -> Result<(), ClientError> {
        let what = change.command();
        match self.request(change.request(room)).await? {
            Response::Done => Ok(()),
            other => Err(ClientError::unexpected(what, &other)),
        }
    }

    /// Creates a room with the caller as its owner and only member; refused when the name
    /// is taken.
    pub async fn create(&self, room: RoomName, private: bool) -> Result<RoomSummary, ClientError> {
        match self.request(Request::Create { room, private }).await? {
            Response::Joined { room, .. } => Ok(room),
            other => Err(ClientError::unexpected("create", &other)),
        }
    }

    pub async fn invite(&self, room: RoomName, user: UserName) -> Result<(), ClientError> {
        self.change(room, RoomChange::Invite(user)).await
    }

    /// Joins a room the caller is invited to.
    pub async fn accept(&self, room: RoomName) -> Result<RoomSummary, ClientError> {
        match self.request(Request::Accept { room }).await? {
            Response::Joined { room, .. } => Ok(room),
            other => Err(ClientError::unexpected("accept", &other)),
        }
    }

    pub async fn decline(&self, room: RoomName) -> Result<(), ClientError> {
        self.change(room, RoomChange::Decline).await
    }

    pub async fn kick(
        &self,
        room: RoomName,
        user: UserName,
        reason: String,
    ) -> Result<(), ClientError> {
        self.change(room, RoomChange::Kick { user, reason }).await
    }

    pub async fn ban(
        &self,
        room: RoomName,
        user: UserName,
        reason: String,
    ) -> Result<(), ClientError> {
        self.change(room, RoomChange::Ban { user, reason }).await
    }

    pub async fn unban(&self, room: RoomName, user: UserName) -> Result<(), ClientError> {
        self.change(room, RoomChange::Unban(user)).await
    }

    /// Gives a member a role; [`Role::Owner`] hands ownership on.
    pub async fn set_role(
        &self,
        room: RoomName,
        user: UserName,
        role: Role,
    ) -> Result<(), ClientError> {
        self.change(room, RoomChange::SetRole { user, role }).await
    }

    pub async fn rename(&self, room: RoomName, to: RoomName) -> Result<(), ClientError> {
        self.change(room, RoomChange::Rename(to)).await
    }

    /// Sets the topic; an empty one clears it.
    pub async fn set_topic(&self, room: RoomName, topic: String) -> Result<(), ClientError> {
        self.change(room, RoomChange::SetTopic(topic)).await
    }

    /// Deletes a room with its history, for everyone.
    pub async fn delete(&self, room: RoomName) -> Result<(), ClientError> {
        self.change(room, RoomChange::Delete).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_changes_are_named_after_their_commands() {
        let bob = UserName::new("bob").unwrap();
        let set = |role| RoomChange::SetRole {
            user: bob.clone(),
            role,
        };
        assert_eq!(set(Role::Admin).command(), "op");
        assert_eq!(set(Role::Member).command(), "deop");
        assert_eq!(set(Role::Owner).command(), "transfer");
    }

    #[test]
    fn a_change_becomes_its_request_for_the_room() {
        let room = RoomName::new("x").unwrap();
        assert_eq!(
            RoomChange::SetTopic(String::new()).request(room.clone()),
            Request::SetTopic {
                room,
                topic: String::new()
            }
        );
    }
}
