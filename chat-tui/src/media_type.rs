//! The media type an upload is announced with, guessed from the file's extension.
//!
//! A short table of the types people commonly send rather than a full registry: the type
//! only decides how a client shows the file (an image placeholder, a label), and anything
//! not listed goes as `application/octet-stream`, which every client handles.

use std::path::Path;

/// The type of a file whose content is unknown.
pub const UNKNOWN: &str = "application/octet-stream";

/// Extensions, lower case, and their types.
const TYPES: &[(&str, &str)] = &[
    ("7z", "application/x-7z-compressed"),
    ("avif", "image/avif"),
    ("bmp", "image/bmp"),
    ("c", "text/x-c"),
    ("css", "text/css"),
    ("csv", "text/csv"),
    ("doc", "application/msword"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("epub", "application/epub+zip"),
    ("flac", "audio/flac"),
    ("gif", "image/gif"),
    ("gz", "application/gzip"),
    ("heic", "image/heic"),
    ("htm", "text/html"),
    ("html", "text/html"),
    ("ico", "image/vnd.microsoft.icon"),
    ("jpeg", "image/jpeg"),
    ("jpg", "image/jpeg"),
    ("js", "text/javascript"),
    ("json", "application/json"),
    ("log", "text/plain"),
    ("md", "text/markdown"),
    ("mkv", "video/x-matroska"),
    ("mov", "video/quicktime"),
    ("mp3", "audio/mpeg"),
    ("mp4", "video/mp4"),
    ("odp", "application/vnd.oasis.opendocument.presentation"),
    ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
    ("odt", "application/vnd.oasis.opendocument.text"),
    ("ogg", "audio/ogg"),
    ("opus", "audio/opus"),
    ("pdf", "application/pdf"),
    ("png", "image/png"),
    ("ppt", "application/vnd.ms-powerpoint"),
    (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    ("py", "text/x-python"),
    ("rs", "text/x-rust"),
    ("svg", "image/svg+xml"),
    ("tar", "application/x-tar"),
    ("tif", "image/tiff"),
    ("tiff", "image/tiff"),
    ("toml", "application/toml"),
    ("txt", "text/plain"),
    ("wav", "audio/wav"),
    ("webm", "video/webm"),
    ("webp", "image/webp"),
    ("xls", "application/vnd.ms-excel"),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("xml", "application/xml"),
    ("yaml", "application/yaml"),
    ("yml", "application/yaml"),
    ("zip", "application/zip"),
];

/// The media type of `path` by its extension, in any case; [`UNKNOWN`] when unlisted.
pub fn guess(path: &Path) -> &'static str {
    let Some(extension) = path.extension().and_then(|e| e.to_str()) else {
        return UNKNOWN;
    };
    let extension = extension.to_ascii_lowercase();
    TYPES
        .binary_search_by(|(known, _)| (*known).cmp(extension.as_str()))
        .map_or(UNKNOWN, |found| TYPES[found].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_for_its_binary_search() {
        assert!(TYPES.windows(2).all(|pair| pair[0].0 < pair[1].0));
    }

    #[test]
    fn types_are_guessed_by_extension_in_any_case() {
        assert_eq!(guess(Path::new("cat.PNG")), "image/png");
        assert_eq!(guess(Path::new("/a/b/report.pdf")), "application/pdf");
        assert_eq!(guess(Path::new("archive.tar.gz")), "application/gzip");
        assert_eq!(guess(Path::new("Makefile")), UNKNOWN);
        assert_eq!(guess(Path::new("x.unknownext")), UNKNOWN);
    }
}
