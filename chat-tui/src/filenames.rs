//! File names from the network made safe to save under, and where downloads go.
//!
//! A posted file's name is chosen by its sender, so it is never used as a path as it is:
//! only its last component is kept, without control characters, separators or the
//! characters that reorder text, with a length cap, and never `.` or `..`. A download never
//! overwrites anything: a name already taken becomes `name (1).ext`, `name (2).ext`...

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};

use crate::sanitize;

/// Longest name a download is saved under, in bytes: well under the usual 255-byte limit,
/// leaving room for a ` (12)` and for the temporary name made from it.
pub const MAX_SAVED_NAME: usize = 200;

/// The name used when nothing of the sender's is left.
const FALLBACK: &str = "download";

/// Extensions longer than this are not kept apart when a long name is cut.
const MAX_EXTENSION: usize = 16;

/// How many `name (n).ext` variants are tried before giving up.
const MAX_VARIANTS: u32 = 10_000;

/// A file name from the network, made safe to create in a directory of the reader's.
pub fn safe_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|&c| !c.is_control() && !sanitize::reorders(c))
        .collect();
    // Leading dots would hide the file, trailing dots and spaces trouble some systems.
    let trimmed = cleaned
        .trim_start_matches(['.', ' '])
        .trim_end_matches(['.', ' ']);
    if trimmed.is_empty() {
        return FALLBACK.to_owned();
    }
    cap(trimmed, MAX_SAVED_NAME)
}

/// `name` cut to at most `max` bytes on a character boundary, its extension kept.
fn cap(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_owned();
    }
    let (stem, extension) = split_extension(name);
    let extension = if extension.len() <= MAX_EXTENSION {
        extension
    } else {
        ""
    };
    let mut end = max - extension.len();
    while !stem.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{extension}", &stem[..end])
}

/// `report.pdf` as `("report", ".pdf")`; a name without a dot, or only a leading one, has
/// no extension.
fn split_extension(name: &str) -> (&str, &str) {
    match name.rfind('.') {
        Some(dot) if dot > 0 => name.split_at(dot),
        _ => (name, ""),
    }
}

/// The `n`th variant of a name: `report (n).pdf`.
fn variant(name: &str, n: u32) -> String {
    let (stem, extension) = split_extension(name);
    format!("{stem} ({n}){extension}")
}

/// A path in `dir` for `name` where nothing exists yet: the name itself, or its first free
/// variant. A dangling link counts as taken: writing through it could land anywhere.
pub fn fresh_path(dir: &Path, name: &str) -> io::Result<PathBuf> {
    let taken = |path: &Path| path.symlink_metadata().is_ok();
    let first = dir.join(name);
    if !taken(&first) {
        return Ok(first);
    }
    (1..MAX_VARIANTS)
        .map(|n| dir.join(variant(name, n)))
        .find(|path| !taken(path))
        .ok_or_else(|| io::Error::new(io::ErrorKind::AlreadyExists, "no free name left"))
}

/// Where a download of a file the sender called `name` goes, given what the reader asked
/// for: into `requested` when it is a directory, under the sender's name made safe;
/// otherwise at `requested` itself, the reader's own choice of name, or a variant of it
/// when that is taken. A path ending in a separator must be an existing directory.
pub fn destination(requested: &Path, name: &str) -> io::Result<PathBuf> {
    if requested.is_dir() {
        return fresh_path(requested, &safe_name(name));
    }
    let names_a_directory = requested
        .as_os_str()
        .to_string_lossy()
        .ends_with(std::path::MAIN_SEPARATOR);
    let file_name = requested.file_name().filter(|_| !names_a_directory);
    let Some(file_name) = file_name else {
        let message = format!("{}: no such directory", requested.display());
        return Err(io::Error::new(io::ErrorKind::NotFound, message));
    };
    let dir = match requested.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    fresh_path(dir, &file_name.to_string_lossy())
}

/// The name an upload is announced with: the file's own name, without the control
/// characters the server refuses, cut to the protocol's limit. `None` for a path with no
/// file name (`/`, `..`).
pub fn upload_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_string_lossy();
    let cleaned: String = name.chars().filter(|c| !c.is_control()).collect();
    let cleaned = cleaned.trim();
    (!cleaned.is_empty()).then(|| cap(cleaned, chat_proto::files::MAX_FILE_NAME_LEN))
}

/// Where downloads go by default: `$XDG_DOWNLOAD_DIR`, else `~/Downloads` if it exists,
/// else the current directory.
pub fn download_dir() -> PathBuf {
    let home = directories::BaseDirs::new().map(|dirs| dirs.home_dir().to_owned());
    download_dir_from(std::env::var_os("XDG_DOWNLOAD_DIR"), home)
}

/// [`download_dir`] from the variable and the home directory given.
pub fn download_dir_from(xdg: Option<OsString>, home: Option<PathBuf>) -> PathBuf {
    if let Some(dir) = xdg.filter(|dir| !dir.is_empty()) {
        return PathBuf::from(dir);
    }
    home.map(|home| home.join("Downloads"))
        .filter(|dir| dir.is_dir())
        .unwrap_or_else(|| PathBuf::from("."))
}

/// A path typed by the user, with a leading `~/` meaning the home directory, as in a shell.
pub fn expand_home(path: &Path) -> PathBuf {
    let home = directories::BaseDirs::new().map(|dirs| dirs.home_dir().to_owned());
    match (path.strip_prefix("~"), home) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => path.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_last_component_of_a_name_is_kept() {
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_name("/abs/path/report.pdf"), "report.pdf");
        assert_eq!(safe_name("C:\\Users\\x\\evil.exe"), "evil.exe");
        assert_eq!(safe_name("dir/"), FALLBACK);
    }

    #[test]
    fn dots_and_empty_names_are_replaced() {
        for name in ["", ".", "..", "...", " . ", "/", "a/..", "\u{1b}\u{7}"] {
            assert_eq!(safe_name(name), FALLBACK, "{name:?}");
        }
        assert_eq!(safe_name(".bashrc"), "bashrc");
        assert_eq!(safe_name("notes. "), "notes");
    }

    #[test]
    fn control_and_reordering_characters_are_dropped() {
        assert_eq!(safe_name("a\u{0}b\nc\u{1b}[31m.txt"), "abc[31m.txt");
        assert_eq!(safe_name("invoice\u{202e}fdp.exe"), "invoicefdp.exe");
        assert_eq!(safe_name("ok\u{85}.txt"), "ok.txt");
    }

    #[test]
    fn long_names_are_cut_on_a_character_boundary_keeping_the_extension() {
        let long = format!("{}.pdf", "é".repeat(300));
        let safe = safe_name(&long);
        assert!(safe.len() <= MAX_SAVED_NAME, "{}", safe.len());
        assert!(safe.ends_with("é.pdf"), "{safe}");
        let odd = format!("{}.{}", "a".repeat(250), "x".repeat(40));
        assert_eq!(safe_name(&odd).len(), MAX_SAVED_NAME);
    }

    #[test]
    fn a_taken_name_gets_the_first_free_variant() {
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str| dir.path().join(name);
        assert_eq!(fresh_path(dir.path(), "a.txt").unwrap(), path("a.txt"));
        std::fs::write(path("a.txt"), "x").unwrap();
        std::fs::write(path("a (1).txt"), "x").unwrap();
        assert_eq!(fresh_path(dir.path(), "a.txt").unwrap(), path("a (2).txt"));
        std::fs::write(path("README"), "x").unwrap();
        assert_eq!(
            fresh_path(dir.path(), "README").unwrap(),
            path("README (1)")
        );
        assert_eq!(std::fs::read_to_string(path("a.txt")).unwrap(), "x");
    }

    #[cfg(unix)]
    #[test]
    fn a_dangling_link_counts_as_taken() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("/nonexistent/x", dir.path().join("x")).unwrap();
        assert_eq!(
            fresh_path(dir.path(), "x").unwrap(),
            dir.path().join("x (1)")
        );
    }

    #[test]
    fn a_directory_takes_the_senders_name_and_a_file_path_the_readers() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        assert_eq!(destination(d, "../x.png").unwrap(), d.join("x.png"));
        let chosen = d.join("mine.bin");
        assert_eq!(destination(&chosen, "theirs.png").unwrap(), chosen);
        std::fs::write(&chosen, "keep").unwrap();
        assert_eq!(
            destination(&chosen, "theirs.png").unwrap(),
            d.join("mine (1).bin")
        );
        let missing = d.join("nowhere").join("");
        assert!(destination(&missing, "x").is_err());
    }

    #[test]
    fn upload_names_are_the_files_own_within_the_protocols_limit() {
        assert_eq!(
            upload_name(Path::new("/tmp/report 2.pdf")).as_deref(),
            Some("report 2.pdf")
        );
        assert_eq!(upload_name(Path::new("/")), None);
        assert_eq!(upload_name(Path::new("..")), None);
        let long = format!("/tmp/{}.txt", "b".repeat(400));
        assert_eq!(upload_name(Path::new(&long)).unwrap().len(), 255);
    }

    #[test]
    fn downloads_go_to_the_xdg_directory_then_downloads_then_here() {
        let home = tempfile::tempdir().unwrap();
        let xdg = Some(OsString::from("/srv/dl"));
        let home_path = Some(home.path().to_owned());
        assert_eq!(
            download_dir_from(xdg, home_path.clone()),
            PathBuf::from("/srv/dl")
        );
        assert_eq!(
            download_dir_from(Some(OsString::new()), home_path.clone()),
            PathBuf::from(".")
        );
        std::fs::create_dir(home.path().join("Downloads")).unwrap();
        assert_eq!(
            download_dir_from(None, home_path),
            home.path().join("Downloads")
        );
        assert_eq!(download_dir_from(None, None), PathBuf::from("."));
    }
}
