//! The command line of the `chat-tui` binary.

use std::path::PathBuf;

use chat_proto::UserName;
use clap::Parser;

use crate::client::ClientConfig;

/// A terminal chat client.
#[derive(Debug, Parser)]
#[command(name = "chat-tui", version, about)]
pub struct Cli {
    /// Read commands from stdin and print events and replies as JSON lines, for scripts.
    #[arg(long, requires = "user")]
    pub headless: bool,

    /// The account to use.
    #[arg(long, value_name = "NAME")]
    pub user: Option<UserName>,

    /// Create the account on this first connection instead of logging in.
    #[arg(long)]
    pub register: bool,

    /// The server to connect to [default: the config file's, or 127.0.0.1:7878].
    #[arg(long, value_name = "HOST:PORT")]
    pub server: Option<String>,

    /// PEM file with the CA certificate that signed the server's certificate. Without it
    /// (and without `ca` in the config file) the terminal client trusts on first use, as
    /// SSH does; headless mode uses certs/ca.pem.
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,

    /// The config file [default: config.toml in the XDG config folder, e.g.
    /// ~/.config/chat-tui/config.toml].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Where the terminal client writes its log [default: chat-tui.log in the XDG state
    /// folder, e.g. ~/.local/state/chat-tui/].
    #[arg(long, value_name = "FILE")]
    pub log_file: Option<PathBuf>,

    /// The file of servers trusted on first use [default: `known_servers` in the XDG data
    /// folder, e.g. ~/.local/share/chat-tui/].
    #[arg(long, value_name = "FILE")]
    pub known_servers: Option<PathBuf>,

    /// Draw image previews in half blocks without asking the terminal which image protocol
    /// it speaks: for terminals, or detached tmux sessions, that leave the question
    /// unanswered (the first keys typed are then lost to it).
    #[arg(long, env = "CHAT_TUI_HALFBLOCKS", value_parser = clap::builder::BoolishValueParser::new())]
    pub halfblocks: bool,

    /// The password. Prefer the environment variable: other users of the machine can read
    /// command lines.
    #[arg(long, env = "CHAT_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,

    /// Read the password from the first line of this file instead.
    #[arg(long, value_name = "PATH")]
    pub password_file: Option<PathBuf>,
}

/// The server dialled when neither a flag nor the config file names one.
pub const DEFAULT_SERVER: &str = "127.0.0.1:7878";

/// The CA file of headless mode when no `--ca` is given.
pub const DEFAULT_CA: &str = "certs/ca.pem";

impl Cli {
    /// The client configuration of headless mode, or why there is none.
    pub fn client_config(&self) -> Result<ClientConfig, String> {
        let user = self.user.clone().ok_or("no user: pass --user NAME")?;
        Ok(ClientConfig {
            server: self.server.clone().unwrap_or_else(|| DEFAULT_SERVER.into()),
            ca_file: self.ca.clone().unwrap_or_else(|| DEFAULT_CA.into()),
            user,
            password: self
                .password()?
                .ok_or("no password: set CHAT_PASSWORD or pass --password-file PATH")?,
            register: self.register,
        })
    }

    /// The password, if one was given. The password file wins over the variable, as the
    /// more deliberate of the two.
    pub fn password(&self) -> Result<Option<String>, String> {
        if let Some(path) = &self.password_file {
            let contents = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read password file {}: {e}", path.display()))?;
            let first = contents.lines().next().unwrap_or_default();
            return Ok(Some(first.to_owned()));
        }
        Ok(self.password.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("chat-tui").chain(args.iter().copied()))
    }

    #[test]
    fn defaults() {
        let cli = parse(&["--headless", "--user", "Alice", "--password", "pw"]).unwrap();
        let config = cli.client_config().unwrap();
        assert_eq!(config.server, "127.0.0.1:7878");
        assert_eq!(config.ca_file, PathBuf::from("certs/ca.pem"));
        assert_eq!(config.user.as_str(), "alice");
        assert_eq!(config.password, "pw");
        assert!(!config.register);
    }

    #[test]
    fn headless_needs_a_user() {
        assert!(parse(&["--headless"]).is_err());
    }

    #[test]
    fn bad_user_names_are_refused_by_clap() {
        assert!(parse(&["--headless", "--user", "no spaces"]).is_err());
    }

    #[test]
    fn the_password_file_gives_its_first_line() {
        let path = std::env::temp_dir().join(format!("chat-tui-pw-{}", std::process::id()));
        std::fs::write(&path, "s3cret\r\nignored\n").unwrap();
        let cli = parse(&["--user", "a", "--password-file", path.to_str().unwrap()]).unwrap();
        assert_eq!(cli.client_config().unwrap().password, "s3cret");
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn a_missing_password_file_is_reported() {
        let cli = parse(&["--user", "a", "--password-file", "/nonexistent/pw"]).unwrap();
        assert!(cli.client_config().unwrap_err().contains("/nonexistent/pw"));
    }
}
