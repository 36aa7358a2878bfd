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

    /// The server to connect to.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:7878")]
    pub server: String,

    /// PEM file with the CA certificate that signed the server's certificate.
    #[arg(long, value_name = "FILE", default_value = "certs/ca.pem")]
    pub ca: PathBuf,

    /// The password. Prefer the environment variable: other users of the machine can read
    /// command lines.
    #[arg(long, env = "CHAT_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,

    /// Read the password from the first line of this file instead.
    #[arg(long, value_name = "PATH")]
    pub password_file: Option<PathBuf>,
}

impl Cli {
    /// The client configuration these arguments describe, or why there is none.
    pub fn client_config(&self) -> Result<ClientConfig, String> {
        let user = self.user.clone().ok_or("no user: pass --user NAME")?;
        Ok(ClientConfig {
            server: self.server.clone(),
            ca_file: self.ca.clone(),
            user,
            password: self.password()?,
            register: self.register,
        })
    }

    /// The password file wins over the variable, as the more deliberate of the two.
    fn password(&self) -> Result<String, String> {
        if let Some(path) = &self.password_file {
            let contents = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read password file {}: {e}", path.display()))?;
            let first = contents.lines().next().unwrap_or_default();
            return Ok(first.to_owned());
        }
        self.password
            .clone()
            .ok_or_else(|| "no password: set CHAT_PASSWORD or pass --password-file PATH".into())
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
