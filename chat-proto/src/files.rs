//! Files sent into conversations.
//!
//! An upload is announced with its size and SHA-256 ([`crate::Request::StartUpload`]), sent
//! in chunks of at most [`MAX_CHUNK`] bytes, each its own request, so that chat frames
//! travel between them; and finished, when the server checks the checksum and posts the
//! file to the conversation as a message whose body is a [`FileInfo`]. Starting the same
//! upload again (after a reconnect) answers where it got to, so it resumes rather than
//! restarts. Downloads are chunk requests too, checked against the same checksum by the
//! client.

use std::fmt;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

/// Largest chunk of an upload or a download: well inside a frame, and small enough that a
/// chat message queued behind one waits well under a millisecond on a fast link.
pub const MAX_CHUNK: usize = 128 * 1024;

/// Longest file name, in bytes of UTF-8.
pub const MAX_FILE_NAME_LEN: usize = 255;

/// Longest media type, such as `image/png`.
pub const MAX_MEDIA_TYPE_LEN: usize = 100;

/// A stored file: the id of the message that posted it, so that the reply to a finished
/// upload ([`crate::Response::Sent`]) names the file too.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FileId(pub u64);

impl From<crate::MessageId> for FileId {
    fn from(message: crate::MessageId) -> Self {
        Self(message.0)
    }
}

impl fmt::Display for FileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An upload in progress.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UploadId(pub u64);

/// A SHA-256 digest.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Sha256(pub [u8; 32]);

impl Sha256 {
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Debug for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256({})", self.to_hex())
    }
}

/// What a file message carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileInfo {
    pub id: FileId,
    /// The name the sender gave it: for display only, never a path to write to as it is.
    pub name: String,
    pub size: u64,
    /// As the sender declared it, such as `image/png`; `application/octet-stream` when
    /// unknown.
    pub media_type: String,
    pub sha256: Sha256,
}

/// Bytes of a file, sent as one byte string rather than a sequence of numbers.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Chunk(#[serde(with = "chunk_bytes")] pub Bytes);

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for Chunk {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Self(Bytes::from(Vec::<u8>::arbitrary(u)?)))
    }
}

impl fmt::Debug for Chunk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Chunk({} bytes)", self.0.len())
    }
}

mod chunk_bytes {
    use bytes::Bytes;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &Bytes, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(bytes)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Bytes, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Bytes;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<Bytes, E> {
                Ok(Bytes::copy_from_slice(bytes))
            }
            fn visit_byte_buf<E: serde::de::Error>(self, bytes: Vec<u8>) -> Result<Bytes, E> {
                Ok(Bytes::from(bytes))
            }
        }
        deserializer.deserialize_byte_buf(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ClientFrame, Request, RequestId, codec};

    #[test]
    fn a_chunk_travels_as_its_bytes_and_a_full_one_fits_a_frame() {
        let frame = ClientFrame::Request {
            id: RequestId(1),
            request: Request::UploadChunk {
                upload: UploadId(7),
                offset: 0,
                data: Chunk(Bytes::from(vec![0xab; MAX_CHUNK])),
            },
        };
        let encoded = codec::encode(&frame).unwrap();
        assert!(encoded.len() < MAX_CHUNK + 64, "{} bytes", encoded.len());
        assert!(encoded.len() <= crate::MAX_FRAME_LEN);
        assert_eq!(codec::decode::<ClientFrame>(&encoded).unwrap(), frame);
    }
}
