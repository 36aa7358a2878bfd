//! Image previews (`/view`): which files may be previewed, where they are fetched to, how
//! they are decoded, and the decoded picture that the preview box draws.
//!
//! A picture is drawn with the image protocol the terminal speaks (kitty, sixel, iTerm2),
//! found at startup, or else with coloured half blocks, which every terminal with colour
//! can show; see `tui::graphics`.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chat_proto::FileInfo;
use image::{DynamicImage, ImageReader, Limits};
use ratatui_image::picker::{Picker, ProtocolType};
use ratatui_image::protocol::StatefulProtocol;

use crate::file_text::{human_size, is_image};
use crate::sanitize;

/// The largest file `/view` fetches: room for photos, while decoding stays quick and its
/// memory bounded. Larger images are for `/download`.
pub const MAX_BYTES: u64 = 20_000_000;

/// The longest side a picture keeps once decoded. No terminal box is wider in pixels, and
/// scaling it to the box on each resize stays cheap on the thread that draws.
const MAX_SIDE: u32 = 2048;

/// The widest or tallest image decoded at all, so that a small file cannot claim a huge
/// canvas.
const MAX_DECODED_SIDE: u32 = 16_384;

/// Memory the decoder may take for one image.
const MAX_DECODE_ALLOC: u64 = 512 * 1024 * 1024;

/// Why a file cannot be previewed, when its details already say so.
pub fn refusal(file: &FileInfo) -> Option<String> {
    let name = sanitize::one_line(&file.name);
    let id = file.id;
    if !is_image(&file.media_type) {
        let media_type = sanitize::one_line(&file.media_type);
        return Some(format!(
            "{name} is not an image ({media_type}); /download {id} saves it"
        ));
    }
    if file.size > MAX_BYTES {
        return Some(format!(
            "{name} is {}, over the {} preview limit; /download {id} saves it",
            human_size(file.size),
            human_size(MAX_BYTES)
        ));
    }
    None
}

/// Where previewed files are fetched to: `previews` in the client's cache directory
/// (`$XDG_CACHE_HOME/chat-tui` on Linux), or in the temporary directory without one.
pub fn cache_dir() -> PathBuf {
    directories::ProjectDirs::from("", "", "chat-tui").map_or_else(
        || std::env::temp_dir().join("chat-tui-previews"),
        |dirs| dirs.cache_dir().join("previews"),
    )
}

/// Makes `dir` if need be, readable by its owner only: other people's images are not for
/// other users of the machine.
pub fn make_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Decodes the image at `path`, whatever its name says it is, shrunk to [`MAX_SIDE`].
/// Slow for large images: run it off the thread that draws.
pub fn decode(path: &Path) -> image::ImageResult<DynamicImage> {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DECODED_SIDE);
    limits.max_image_height = Some(MAX_DECODED_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    let mut reader = ImageReader::open(path)?.with_guessed_format()?;
    reader.limits(limits);
    let image = reader.decode()?;
    if image.width() > MAX_SIDE || image.height() > MAX_SIDE {
        Ok(image.thumbnail(MAX_SIDE, MAX_SIDE))
    } else {
        Ok(image)
    }
}

/// The name of a protocol, for the preview box's footer.
pub fn protocol_name(protocol: ProtocolType) -> &'static str {
    match protocol {
        ProtocolType::Halfblocks => "half blocks",
        ProtocolType::Sixel => "sixel",
        ProtocolType::Kitty => "kitty",
        ProtocolType::Iterm2 => "iTerm2",
    }
}

/// A file being previewed, ready to draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// The sender's name for the file, cleaned for the terminal.
    pub name: String,
    pub picture: Picture,
}

/// A decoded picture and the protocol it is drawn with.
///
/// Two pictures are equal only if they are the same one: comparing pixels would say
/// nothing the app needs.
#[derive(Clone)]
pub struct Picture {
    /// Encoded for the box's size when first drawn, and again only when that size changes.
    /// Behind a lock because the views draw from a shared borrow of the app: the encoding
    /// is a cache, not state the app decides on.
    protocol: Arc<Mutex<StatefulProtocol>>,
    /// How the terminal is sent the picture.
    pub protocol_name: &'static str,
    /// Size of the decoded picture, in pixels.
    pub width: u32,
    pub height: u32,
}

impl Picture {
    /// Prepares `image` for drawing the way `picker` says the terminal can.
    pub fn new(image: DynamicImage, picker: &Picker) -> Self {
        let (width, height) = (image.width(), image.height());
        Self {
            protocol: Arc::new(Mutex::new(picker.new_resize_protocol(image))),
            protocol_name: protocol_name(picker.protocol_type()),
            width,
            height,
        }
    }

    /// The encoded picture, to draw or to size a box for.
    pub fn protocol(&self) -> MutexGuard<'_, StatefulProtocol> {
        // A panic ends the process (see `tui::terminal`), so a poisoned lock is never seen
        // by a live client; the cache is usable anyway.
        self.protocol.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl PartialEq for Picture {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.protocol, &other.protocol)
    }
}

impl Eq for Picture {}

impl fmt::Debug for Picture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Picture")
            .field("protocol", &self.protocol_name)
            .field("width", &self.width)
            .field("height", &self.height)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chat_proto::{FileId, Sha256};

    fn file(media_type: &str, size: u64) -> FileInfo {
        FileInfo {
            id: FileId(18),
            name: "cat.png".into(),
            size,
            media_type: media_type.into(),
            sha256: Sha256([0; 32]),
        }
    }

    #[test]
    fn only_images_up_to_the_limit_are_previewed() {
        assert_eq!(refusal(&file("image/png", MAX_BYTES)), None);
        assert_eq!(
            refusal(&file("image/png", MAX_BYTES + 1)).unwrap(),
            "cat.png is 20 MB, over the 20 MB preview limit; /download 18 saves it"
        );
        assert_eq!(
            refusal(&file("application/pdf", 10)).unwrap(),
            "cat.png is not an image (application/pdf); /download 18 saves it"
        );
    }

    #[test]
    fn large_images_are_shrunk_and_files_that_are_not_images_fail() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.jpg");
        DynamicImage::new_rgb8(4000, 100).save(&big).unwrap();
        let image = decode(&big).unwrap();
        assert_eq!((image.width(), image.height()), (MAX_SIDE, 51));

        let text = dir.path().join("fake.png");
        std::fs::write(&text, "not a picture").unwrap();
        assert!(decode(&text).is_err());
    }
}
