//! Rooms as groups: who holds which role, and the changes made to a room.
//!
//! A change to a room (a kick, a new topic, a rename) is stored in the room's history as a
//! message whose body is a [`RoomEvent`], sent by whoever made the change. It reaches
//! members live like any message, and a client that was away learns of it when it catches
//! up, so one mechanism keeps both history and every client's view of the room current.

use serde::{Deserialize, Serialize};

use crate::names::{RoomName, UserName};

/// Longest room topic, in bytes of UTF-8: enough for a line of text, and small enough that
/// a login listing the most rooms a user may be in, with their topics, fits in one frame.
pub const MAX_TOPIC_LEN: usize = 256;

/// Longest reason given for a kick or a ban, in bytes of UTF-8.
pub const MAX_REASON_LEN: usize = 256;

/// A member's role in a room, from most to least powerful.
///
/// Every room has exactly one owner. Owners and admins moderate; only the owner deletes the
/// room or hands ownership on.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Role {
    Owner,
    Admin,
    Member,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Member => "member",
        }
    }

    /// Whether this role may act on someone holding `other`: only on a lower role.
    pub fn outranks(self, other: Role) -> bool {
        self < other
    }
}

/// An invitation to a room, waiting for the invitee to accept or decline it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    pub room: RoomName,
    pub by: UserName,
}

/// A change to a room, made by the sender of the message that carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RoomEvent {
    Created {
        private: bool,
    },
    Invited {
        user: UserName,
    },
    /// The sender declined their invitation.
    Declined,
    /// Removed from the room; they may join again (by invitation, if it is private).
    Kicked {
        user: UserName,
        reason: String,
    },
    /// Removed from the room and kept out until unbanned.
    Banned {
        user: UserName,
        reason: String,
    },
    Unbanned {
        user: UserName,
    },
    /// `user` now holds `role`. Handing on ownership is two such changes: the new owner's,
    /// then the old owner's to admin.
    RoleChanged {
        user: UserName,
        role: Role,
    },
    /// The room is now called `to`; its messages, old ones too, are addressed to `to`.
    Renamed {
        from: RoomName,
        to: RoomName,
    },
    /// An empty topic clears it.
    TopicChanged {
        topic: String,
    },
}

impl RoomEvent {
    /// The user this change removes from the room, if any.
    pub fn removes(&self) -> Option<&UserName> {
        match self {
            Self::Kicked { user, .. } | Self::Banned { user, .. } => Some(user),
            _ => None,
        }
    }
}
