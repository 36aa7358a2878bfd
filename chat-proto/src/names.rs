//! Names of users and rooms, and message targets.
//!
//! A name is normalised before it is checked: Unicode compatibility normalisation (NFKC)
//! folds look-alike forms into their plain ones (fullwidth `Ｂｏｂ`, the Kelvin sign `K`,
//! ligatures), and case folding makes `Alice` and `alice` one account. What remains must
//! be ASCII letters, digits, `_`, `-` (and `.` in room names): a deliberately small set in
//! which no two different names look alike, so that no one can pass for someone else with a
//! Cyrillic `а` or a zero-width space.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// Longest user name, in characters.
pub const MAX_USER_NAME: usize = 32;

/// Longest room name without its `#`, in characters.
pub const MAX_ROOM_NAME: usize = 48;

/// Why a name was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("name is empty")]
    Empty,
    #[error("name is longer than {max} characters")]
    TooLong { max: usize },
    #[error("name may only contain letters, digits, '_' and '-'{extra}")]
    BadCharacter { extra: &'static str },
    #[error("name must start with a letter or digit")]
    BadStart,
    #[error("room names start with '#'")]
    MissingHash,
    #[error("targets are '#room' or '@user'")]
    BadTarget,
}

fn check(raw: &str, max: usize, extra: &[char]) -> Result<String, NameError> {
    let name: String = raw.nfkc().flat_map(char::to_lowercase).collect();
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.chars().count() > max {
        return Err(NameError::TooLong { max });
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-' || extra.contains(&c);
    if !name.chars().all(allowed) {
        let extra = if extra.is_empty() { "" } else { " and '.'" };
        return Err(NameError::BadCharacter { extra });
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(NameError::BadStart);
    }
    Ok(name)
}

/// A user's account name, lower case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UserName(String);

impl UserName {
    pub fn new(name: &str) -> Result<Self, NameError> {
        check(name, MAX_USER_NAME, &[]).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A room's name, lower case, without the leading `#`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RoomName(String);

impl RoomName {
    /// Takes a name with or without its leading `#`.
    pub fn new(name: &str) -> Result<Self, NameError> {
        let bare = name.strip_prefix('#').unwrap_or(name);
        check(bare, MAX_ROOM_NAME, &['.']).map(Self)
    }

    /// The name without `#`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where a message goes: a room, or a direct conversation with one user.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Target {
    Room(RoomName),
    User(UserName),
}

impl Target {
    /// The conversation as seen by `reader` when a message went from `from` to `self`: a room
    /// stays itself, and a direct message is named after the other person.
    #[must_use]
    pub fn seen_by(&self, reader: &UserName, from: &UserName) -> Target {
        match self {
            Target::User(to) if to == reader => Target::User(from.clone()),
            other => other.clone(),
        }
    }
}

macro_rules! string_conversions {
    ($ty:ty) => {
        impl TryFrom<String> for $ty {
            type Error = NameError;
            fn try_from(s: String) -> Result<Self, NameError> {
                Self::new(&s)
            }
        }

        impl From<$ty> for String {
            fn from(name: $ty) -> String {
                name.0
            }
        }

        impl FromStr for $ty {
            type Err = NameError;
            fn from_str(s: &str) -> Result<Self, NameError> {
                Self::new(s)
            }
        }
    };
}

string_conversions!(UserName);
string_conversions!(RoomName);

impl fmt::Display for UserName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for RoomName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Room(room) => room.fmt(f),
            Target::User(user) => write!(f, "@{user}"),
        }
    }
}

impl FromStr for Target {
    type Err = NameError;

    /// Parses `#room` or `@user`.
    fn from_str(s: &str) -> Result<Self, NameError> {
        if s.starts_with('#') {
            RoomName::new(s).map(Target::Room)
        } else if let Some(user) = s.strip_prefix('@') {
            UserName::new(user).map(Target::User)
        } else {
            Err(NameError::BadTarget)
        }
    }
}

/// Arbitrary names are valid ones: the fuzzer then reaches past decoding into the handlers.
/// An arbitrary string that is not a valid name becomes a short valid one made from it.
#[cfg(feature = "arbitrary")]
mod arbitrary_names {
    use super::{RoomName, UserName};
    use arbitrary::{Arbitrary, Unstructured};

    fn name(u: &mut Unstructured<'_>) -> arbitrary::Result<String> {
        let raw = String::arbitrary(u)?;
        let plain: String = raw
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(8)
            .collect();
        Ok(if plain.is_empty() { "x".into() } else { plain })
    }

    impl<'a> Arbitrary<'a> for UserName {
        fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
            UserName::new(&name(u)?).map_err(|_| arbitrary::Error::IncorrectFormat)
        }
    }

    impl<'a> Arbitrary<'a> for RoomName {
        fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
            RoomName::new(&name(u)?).map_err(|_| arbitrary::Error::IncorrectFormat)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn user_names_fold_case() {
        assert_eq!(
            UserName::new("Alice").unwrap(),
            UserName::new("alice").unwrap()
        );
        assert_eq!(UserName::new("Bob_2").unwrap().as_str(), "bob_2");
    }

    #[test]
    fn user_names_reject_bad_input() {
        assert_eq!(UserName::new(""), Err(NameError::Empty));
        assert_eq!(UserName::new("-bob"), Err(NameError::BadStart));
        assert!(matches!(
            UserName::new("bo b"),
            Err(NameError::BadCharacter { .. })
        ));
        assert!(matches!(
            UserName::new("bob.x"),
            Err(NameError::BadCharacter { .. })
        ));
        assert!(matches!(
            UserName::new("élodie"),
            Err(NameError::BadCharacter { .. })
        ));
        assert!(matches!(
            UserName::new("b\u{1b}[31m"),
            Err(NameError::BadCharacter { .. })
        ));
        assert_eq!(
            UserName::new(&"a".repeat(33)),
            Err(NameError::TooLong { max: 32 })
        );
        assert!(UserName::new(&"a".repeat(32)).is_ok());
    }

    #[test]
    fn look_alike_forms_fold_into_the_plain_name() {
        let bob = UserName::new("bob").unwrap();
        assert_eq!(UserName::new("Ｂｏｂ").unwrap(), bob, "fullwidth letters");
        assert_eq!(UserName::new("BOB").unwrap(), bob);
        assert_eq!(
            UserName::new("\u{212A}elvin").unwrap().as_str(),
            "kelvin",
            "Kelvin sign"
        );
        assert_eq!(RoomName::new("#ﬁsh").unwrap().as_str(), "fish", "ligature");
    }

    #[test]
    fn confusable_and_invisible_characters_are_refused() {
        // Cyrillic а, zero-width space, right-to-left override.
        for name in ["\u{430}lice", "al\u{200b}ice", "\u{202e}ecila"] {
            assert!(
                matches!(UserName::new(name), Err(NameError::BadCharacter { .. })),
                "{name}"
            );
        }
    }

    #[test]
    fn room_names_take_an_optional_hash() {
        assert_eq!(RoomName::new("#Rust.Lang").unwrap().as_str(), "rust.lang");
        assert_eq!(RoomName::new("general").unwrap().to_string(), "#general");
        assert_eq!(RoomName::new("#"), Err(NameError::Empty));
        assert_eq!(RoomName::new("#.x"), Err(NameError::BadStart));
    }

    #[test]
    fn targets_parse_and_print() {
        let room: Target = "#General".parse().unwrap();
        assert_eq!(room.to_string(), "#general");
        let user: Target = "@Bob".parse().unwrap();
        assert_eq!(user.to_string(), "@bob");
        assert_eq!("bob".parse::<Target>(), Err(NameError::BadTarget));
    }

    #[test]
    fn a_direct_message_is_named_after_the_other_person() {
        let alice = UserName::new("alice").unwrap();
        let bob = UserName::new("bob").unwrap();
        let to_bob = Target::User(bob.clone());
        assert_eq!(to_bob.seen_by(&bob, &alice), Target::User(alice.clone()));
        assert_eq!(to_bob.seen_by(&alice, &alice), Target::User(bob));
    }

    proptest! {
        #[test]
        fn valid_names_are_stable_under_normalisation(name in "[a-zA-Z0-9][a-zA-Z0-9_-]{0,31}") {
            let once = UserName::new(&name).unwrap();
            let twice = UserName::new(once.as_str()).unwrap();
            prop_assert_eq!(once, twice);
        }

        #[test]
        fn any_string_is_accepted_or_rejected_without_panic(name in ".*") {
            if let Ok(user) = UserName::new(&name) {
                prop_assert!(user.as_str().len() <= MAX_USER_NAME);
                prop_assert!(user.as_str().chars().all(|c| c.is_ascii() && !c.is_ascii_uppercase()));
            }
            let _ = RoomName::new(&name);
            let _ = name.parse::<Target>();
        }
    }
}
