//! The terminal client's settings: the config file, merged under the command line.
//!
//! The file is TOML, at `config.toml` in the XDG config folder
//! (`~/.config/chat-tui/config.toml` on Linux) unless `--config` names another. Every key
//! is optional; a flag given on the command line wins over the file, and the file over the
//! defaults. Unknown keys are refused, so that a typo does not pass silently.

use std::path::PathBuf;

use chat_proto::UserName;
use crossterm::event::KeyModifiers;
use directories::ProjectDirs;
use ratatui::style::Color;
use serde::Deserialize;

use crate::app::{KeySpec, Keymap};
use crate::cli::{Cli, DEFAULT_SERVER};
use crate::theme::Theme;

/// Entries kept in memory per conversation unless the file says otherwise.
pub const DEFAULT_SCROLLBACK: usize = 5000;

/// The config file, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub server: Option<String>,
    pub user: Option<String>,
    /// A CA file; without one, servers are trusted on first use.
    pub ca: Option<PathBuf>,
    pub known_servers: Option<PathBuf>,
    pub log_file: Option<PathBuf>,
    pub scrollback: Option<usize>,
    /// Whether the mouse wheel scrolls (mouse capture also stops the terminal's own text
    /// selection, which Shift usually brings back).
    pub mouse: Option<bool>,
    #[serde(default, alias = "colors")]
    pub colours: Colours,
    #[serde(default)]
    pub keys: Keys,
}

/// `[colours]`: names like `lightblue`, numbers 0-255, or `#rrggbb`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Colours {
    pub own: Option<String>,
    pub mention: Option<String>,
    pub accent: Option<String>,
    pub names: Option<Vec<String>>,
}

/// `[keys]`: each binding a list of keys like `ctrl-n`, `alt-right`, `f2`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Keys {
    pub next: Option<Vec<String>>,
    pub previous: Option<Vec<String>>,
    pub help: Option<Vec<String>>,
    pub rooms: Option<Vec<String>>,
    pub members: Option<Vec<String>>,
    pub files: Option<Vec<String>>,
    /// The modifier held with 1-9 to jump to a conversation: `alt` or `ctrl`.
    pub jump: Option<String>,
}

/// How the server is verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustChoice {
    CaFile(PathBuf),
    /// Trust on first use, remembering servers in this file.
    KnownServers(PathBuf),
}

/// Everything the terminal client runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub server: String,
    pub user: Option<UserName>,
    pub register: bool,
    pub trust: TrustChoice,
    pub log_file: PathBuf,
    pub scrollback: usize,
    pub mouse: bool,
    /// Image previews in half blocks, without asking the terminal for better.
    pub halfblocks: bool,
    pub theme: Theme,
    pub keys: Keymap,
}

/// Why the settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    Parse {
        path: PathBuf,
        source: toml::de::Error,
    },
    #[error("config: {0}")]
    Invalid(String),
}

/// The folders the defaults live in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dirs {
    pub config: PathBuf,
    pub data: PathBuf,
    pub state: PathBuf,
}

impl Dirs {
    /// The XDG folders of this user (or the platform's equivalents); the current folder
    /// when there is no home to find them in.
    pub fn of_user() -> Self {
        match ProjectDirs::from("", "", "chat-tui") {
            Some(dirs) => Self {
                config: dirs.config_dir().to_owned(),
                data: dirs.data_dir().to_owned(),
                state: dirs.state_dir().unwrap_or(dirs.data_local_dir()).to_owned(),
            },
            None => Self {
                config: PathBuf::from("."),
                data: PathBuf::from("."),
                state: PathBuf::from("."),
            },
        }
    }
}

impl FileConfig {
    /// Reads the file `--config` names, or the default one if it exists.
    pub fn load(cli: &Cli, dirs: &Dirs) -> Result<Self, ConfigError> {
        let (path, required) = match &cli.config {
            Some(path) => (path.clone(), true),
            None => (dirs.config.join("config.toml"), false),
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if !required && err.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Self::default());
            }
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        toml::from_str(&text).map_err(|source| ConfigError::Parse { path, source })
    }
}

impl Settings {
    /// Flags over the file over the defaults.
    pub fn merge(cli: &Cli, file: FileConfig, dirs: &Dirs) -> Result<Self, ConfigError> {
        let user = match (&cli.user, &file.user) {
            (Some(user), _) => Some(user.clone()),
            (None, Some(name)) => {
                Some(UserName::new(name).map_err(|e| ConfigError::Invalid(format!("user: {e}")))?)
            }
            (None, None) => None,
        };
        let trust = match cli.ca.clone().or(file.ca) {
            Some(ca) => TrustChoice::CaFile(ca),
            None => TrustChoice::KnownServers(
                cli.known_servers
                    .clone()
                    .or(file.known_servers)
                    .unwrap_or_else(|| dirs.data.join("known_servers")),
            ),
        };
        Ok(Self {
            server: cli
                .server
                .clone()
                .or(file.server)
                .unwrap_or_else(|| DEFAULT_SERVER.into()),
            user,
            register: cli.register,
            halfblocks: cli.halfblocks,
            trust,
            log_file: cli
                .log_file
                .clone()
                .or(file.log_file)
                .unwrap_or_else(|| dirs.state.join("chat-tui.log")),
            scrollback: file.scrollback.unwrap_or(DEFAULT_SCROLLBACK),
            mouse: file.mouse.unwrap_or(true),
            theme: theme(file.colours)?,
            keys: keymap(file.keys)?,
        })
    }
}

fn colour(text: &str) -> Result<Color, ConfigError> {
    text.parse()
        .map_err(|_| ConfigError::Invalid(format!("colour {text:?}: use a name, 0-255 or #rrggbb")))
}

fn theme(colours: Colours) -> Result<Theme, ConfigError> {
    let mut theme = Theme::default();
    if let Some(own) = colours.own {
        theme.own = colour(&own)?;
    }
    if let Some(mention) = colours.mention {
        theme.mention = colour(&mention)?;
    }
    if let Some(accent) = colours.accent {
        theme.accent = colour(&accent)?;
    }
    if let Some(names) = colours.names {
        theme.names = names.iter().map(|n| colour(n)).collect::<Result<_, _>>()?;
    }
    Ok(theme)
}

fn keymap(keys: Keys) -> Result<Keymap, ConfigError> {
    let specs = |list: Option<Vec<String>>, default: Vec<KeySpec>| match list {
        Some(list) => list
            .iter()
            .map(|k| {
                k.parse()
                    .map_err(|e: crate::app::BadKey| ConfigError::Invalid(e.to_string()))
            })
            .collect::<Result<Vec<KeySpec>, _>>(),
        None => Ok(default),
    };
    let defaults = Keymap::default();
    let jump = match keys.jump.as_deref() {
        None => defaults.jump,
        Some("alt") => KeyModifiers::ALT,
        Some("ctrl") => KeyModifiers::CONTROL,
        Some(other) => {
            return Err(ConfigError::Invalid(format!(
                "keys.jump {other:?}: use alt or ctrl"
            )));
        }
    };
    Ok(Keymap {
        next: specs(keys.next, defaults.next)?,
        previous: specs(keys.previous, defaults.previous)?,
        help: specs(keys.help, defaults.help)?,
        focus_rooms: specs(keys.rooms, defaults.focus_rooms)?,
        focus_members: specs(keys.members, defaults.focus_members)?,
        focus_files: specs(keys.files, defaults.focus_files)?,
        jump,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn dirs() -> Dirs {
        Dirs {
            config: "/cfg".into(),
            data: "/data".into(),
            state: "/state".into(),
        }
    }

    fn cli(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("chat-tui").chain(args.iter().copied())).unwrap()
    }

    fn file(text: &str) -> FileConfig {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn defaults_trust_on_first_use() {
        let settings = Settings::merge(&cli(&[]), FileConfig::default(), &dirs()).unwrap();
        assert_eq!(settings.server, DEFAULT_SERVER);
        assert_eq!(settings.user, None);
        assert_eq!(
            settings.trust,
            TrustChoice::KnownServers("/data/known_servers".into())
        );
        assert_eq!(settings.log_file, PathBuf::from("/state/chat-tui.log"));
        assert_eq!(settings.scrollback, DEFAULT_SCROLLBACK);
        assert_eq!(settings.keys, Keymap::default());
        assert!(!settings.halfblocks);
    }

    #[test]
    fn halfblocks_skips_asking_the_terminal_about_images() {
        let settings =
            Settings::merge(&cli(&["--halfblocks"]), FileConfig::default(), &dirs()).unwrap();
        assert!(settings.halfblocks);
    }

    #[test]
    fn the_file_fills_in_what_flags_leave_out() {
        let config = file(
            r##"
            server = "chat.example:7878"
            user = "Alice"
            ca = "/etc/chat/ca.pem"
            scrollback = 2000
            [colours]
            own = "green"
            names = ["red", "#00ff00"]
            [keys]
            next = ["f6"]
            jump = "ctrl"
            "##,
        );
        let settings = Settings::merge(&cli(&[]), config, &dirs()).unwrap();
        assert_eq!(settings.server, "chat.example:7878");
        assert_eq!(settings.user.unwrap().as_str(), "alice");
        assert_eq!(
            settings.trust,
            TrustChoice::CaFile("/etc/chat/ca.pem".into())
        );
        assert_eq!(settings.scrollback, 2000);
        assert_eq!(settings.theme.own, Color::Green);
        assert_eq!(settings.theme.names, [Color::Red, Color::Rgb(0, 255, 0)]);
        assert_eq!(settings.keys.next, ["f6".parse().unwrap()]);
        assert_eq!(settings.keys.previous, Keymap::default().previous);
        assert_eq!(settings.keys.jump, KeyModifiers::CONTROL);
    }

    #[test]
    fn flags_win_over_the_file() {
        let config = file("server = \"file:1\"\nuser = \"fromfile\"\nca = \"file.pem\"\n");
        let flags = cli(&[
            "--server", "flag:2", "--user", "fromflag", "--ca", "flag.pem",
        ]);
        let settings = Settings::merge(&flags, config, &dirs()).unwrap();
        assert_eq!(settings.server, "flag:2");
        assert_eq!(settings.user.unwrap().as_str(), "fromflag");
        assert_eq!(settings.trust, TrustChoice::CaFile("flag.pem".into()));
    }

    #[test]
    fn mistakes_in_the_file_are_reported() {
        assert!(toml::from_str::<FileConfig>("sever = \"typo\"").is_err());
        let bad_colour = file("[colours]\nown = \"ultraviolet\"");
        let err = Settings::merge(&cli(&[]), bad_colour, &dirs()).unwrap_err();
        assert!(err.to_string().contains("ultraviolet"), "{err}");
        let bad_key = file("[keys]\nhelp = [\"hyper-x\"]");
        assert!(Settings::merge(&cli(&[]), bad_key, &dirs()).is_err());
        let bad_user = file("user = \"no spaces\"");
        assert!(Settings::merge(&cli(&[]), bad_user, &dirs()).is_err());
    }

    #[test]
    fn a_missing_default_file_is_no_error_but_a_missing_named_one_is() {
        let nowhere = Dirs {
            config: "/nonexistent/chat-tui".into(),
            ..dirs()
        };
        assert!(FileConfig::load(&cli(&[]), &nowhere).is_ok());
        assert!(FileConfig::load(&cli(&["--config", "/nonexistent/c.toml"]), &nowhere).is_err());
    }
}
