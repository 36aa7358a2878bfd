//! The commands that move files: `/send PATH`, `/download ID [PATH]`, `/view ID`,
//! `/cancel [N]`.
//!
//! A path is the rest of the line, as typed, so that names with spaces need no quoting;
//! quotes around the whole of it are taken off, for those used to a shell. A leading `~`
//! is left for the caller to expand, since the parser does no IO.

use std::path::PathBuf;

use chat_proto::FileId;

use super::{Command, ParseError};

pub fn send(args: &str) -> Result<Command, ParseError> {
    let path = path(args).ok_or(ParseError::Usage {
        command: "send",
        usage: "/send PATH",
    })?;
    Ok(Command::Send(path))
}

/// `/download ID [PATH]`.
pub fn download(args: &str) -> Result<Command, ParseError> {
    const USAGE: ParseError = ParseError::Usage {
        command: "download",
        usage: "/download ID [PATH]",
    };
    let args = args.trim();
    let (id, rest) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
    if id.is_empty() {
        return Err(USAGE);
    }
    Ok(Command::Download {
        file: FileId(number("download", "file id", id)?),
        path: path(rest),
    })
}

/// `/view ID`: an image shown in the terminal.
pub fn view(args: &str) -> Result<Command, ParseError> {
    match args.split_whitespace().collect::<Vec<_>>().as_slice() {
        [id] => Ok(Command::View(FileId(number("view", "file id", id)?))),
        _ => Err(ParseError::Usage {
            command: "view",
            usage: "/view ID",
        }),
    }
}

/// `/cancel [N]`: one transfer by its number, or all of them.
pub fn cancel(args: &str) -> Result<Command, ParseError> {
    match args.split_whitespace().collect::<Vec<_>>().as_slice() {
        [] => Ok(Command::Cancel(None)),
        [n] => Ok(Command::Cancel(Some(number(
            "cancel",
            "transfer number",
            n,
        )?))),
        _ => Err(ParseError::Usage {
            command: "cancel",
            usage: "/cancel [N]",
        }),
    }
}

fn number(command: &'static str, what: &'static str, word: &str) -> Result<u64, ParseError> {
    word.parse().map_err(|_| ParseError::BadNumber {
        command,
        what,
        value: word.to_owned(),
    })
}

/// The path the rest of the line names, if any.
fn path(rest: &str) -> Option<PathBuf> {
    let rest = rest.trim();
    let unquoted = ['"', '\'']
        .into_iter()
        .find_map(|quote| rest.strip_prefix(quote)?.strip_suffix(quote))
        .unwrap_or(rest);
    (!unquoted.is_empty()).then(|| PathBuf::from(unquoted))
}
