//! The frame codec: a 4-byte big-endian length prefix, then a bincode body.
//!
//! This module is the only user of bincode, so that another compact serde format can take
//! its place by changing this file alone. bincode 1.3 is the last working release of that
//! crate and is no longer maintained.
//!
//! One options set is pinned ([`options`]): the free functions of bincode and its
//! `DefaultOptions` encode integers differently, so mixing them would corrupt frames. The
//! length prefix is checked against [`MAX_FRAME_LEN`] before a body is buffered, and a
//! body is only ever decoded from a complete frame, with the same byte limit.

use std::io;

use bincode::Options;
use bytes::{Bytes, BytesMut};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::codec::{Framed, FramedRead, FramedWrite, LengthDelimitedCodec};

use crate::{ClientFrame, MAX_FRAME_LEN, ServerFrame};

/// The typed message layer over a length-delimited transport, in the protocol's format.
pub type Format<In, Out> = tokio_serde::formats::Bincode<In, Out, WireOptions>;

/// The concrete type of [`options`], spelled out for [`Format`].
pub type WireOptions =
    bincode::config::WithOtherLimit<bincode::DefaultOptions, bincode::config::Bounded>;

/// The pinned bincode options: varint integers, little endian, trailing bytes rejected,
/// and no more than one frame's worth of bytes read or written.
pub fn options() -> WireOptions {
    bincode::DefaultOptions::new().with_limit(MAX_FRAME_LEN as u64)
}

/// A client's typed connection: it writes [`ClientFrame`]s and reads [`ServerFrame`]s.
pub type ClientTransport<T> = tokio_serde::Framed<
    Framed<T, LengthDelimitedCodec>,
    ServerFrame,
    ClientFrame,
    Format<ServerFrame, ClientFrame>,
>;

/// The server's reading half: it yields [`ClientFrame`]s.
pub type ServerReader<R> = tokio_serde::Framed<
    FramedRead<R, LengthDelimitedCodec>,
    ClientFrame,
    (),
    Format<ClientFrame, ()>,
>;

/// The server's writing half: it takes frames already encoded by [`encode`], so that one
/// encoding of a message serves every recipient.
pub type ServerWriter<W> = FramedWrite<W, LengthDelimitedCodec>;

/// Why a frame could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("frame of more than {MAX_FRAME_LEN} bytes")]
    TooLarge,
    #[error("malformed frame: {0}")]
    Malformed(String),
    #[error("connection lost: {0}")]
    Io(#[from] io::Error),
}

impl CodecError {
    /// Sorts an error from the framed stream into what the peer did wrong (oversized or
    /// malformed frame) and what went wrong with the connection itself.
    pub fn classify(err: io::Error) -> Self {
        if err.kind() != io::ErrorKind::InvalidData {
            return Self::Io(err);
        }
        let too_large =
            err.get_ref().is_some_and(
                <dyn std::error::Error + Send + Sync>::is::<
                    tokio_util::codec::LengthDelimitedCodecError,
                >,
            );
        if too_large {
            Self::TooLarge
        } else {
            Self::Malformed(err.to_string())
        }
    }
}

/// The length-delimited layer with the protocol's limit.
pub fn length_codec() -> LengthDelimitedCodec {
    length_codec_up_to(MAX_FRAME_LEN)
}

/// The length-delimited layer with a lower limit of the reader's choosing.
fn length_codec_up_to(max_frame_len: usize) -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder()
        .max_frame_length(max_frame_len.min(MAX_FRAME_LEN))
        .new_codec()
}

/// Wraps a client's stream in the protocol's framing.
pub fn client_transport<T: AsyncRead + AsyncWrite>(io: T) -> ClientTransport<T> {
    tokio_serde::Framed::new(Framed::new(io, length_codec()), Format::from(options()))
}

/// Wraps the reading half of a server's connection, taking frames of up to
/// `max_frame_len` bytes (never more than [`MAX_FRAME_LEN`]).
pub fn server_reader<R: AsyncRead>(read: R, max_frame_len: usize) -> ServerReader<R> {
    let frames = FramedRead::with_capacity(read, length_codec_up_to(max_frame_len), READ_BUFFER);
    tokio_serde::Framed::new(frames, Format::from(options()))
}

/// Wraps the writing half of a server's connection.
///
/// The buffer starts empty and grows with what is written, while frames still gather up
/// to [`COALESCE_BYTES`] before a flush is forced, so many queued frames go out in one
/// write.
pub fn server_writer<W: AsyncWrite>(write: W) -> ServerWriter<W> {
    let mut frames = FramedWrite::with_capacity(write, length_codec(), 0);
    frames.set_backpressure_boundary(COALESCE_BYTES);
    frames
}

/// Lets go of a server reader's buffer when it holds no part of a frame, so that a quiet
/// connection keeps none; the next frame takes a new one. (An empty buffer may still hold
/// its allocation with no capacity left, so emptiness is the test.)
pub fn release_read_buffer<R>(reader: &mut ServerReader<R>) {
    let buffer = reader.get_mut().read_buffer_mut();
    if buffer.is_empty() {
        *buffer = BytesMut::new();
    }
}

/// Lets go of a server writer's buffer once everything in it is written. A burst (a page
/// of history, say) grows it to many kilobytes that a connection would otherwise keep
/// for as long as it stays open.
pub fn release_write_buffer<W>(writer: &mut ServerWriter<W>) {
    let buffer = writer.write_buffer_mut();
    if buffer.is_empty() {
        *buffer = BytesMut::new();
    }
}

/// A server connection's first read buffer: requests are small, and the codec reserves
/// room for a larger frame once its length is known. The framing's default of 8 KiB per
/// connection would be most of an idle connection's cost.
const READ_BUFFER: usize = 512;

/// How many bytes of frames a server connection gathers before it must write them.
pub const COALESCE_BYTES: usize = 16 * 1024;

/// Encodes a frame body (without its length prefix).
pub fn encode<T: Serialize>(value: &T) -> Result<Bytes, CodecError> {
    options()
        .serialize(value)
        .map(Bytes::from)
        .map_err(|e| CodecError::Malformed(e.to_string()))
}

/// Decodes one complete frame body.
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, CodecError> {
    options()
        .deserialize(body)
        .map_err(|e| CodecError::Malformed(e.to_string()))
}

/// Encodes a body into a buffer with its length prefix, as it goes on the wire.
pub fn encode_frame<T: Serialize>(value: &T) -> Result<BytesMut, CodecError> {
    use tokio_util::codec::Encoder;

    let body = encode(value)?;
    let mut out = BytesMut::with_capacity(body.len() + 4);
    length_codec()
        .encode(body, &mut out)
        .map_err(CodecError::classify)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::{Chunk, FileId, FileInfo, Sha256, UploadId};
    use crate::frames::*;
    use crate::{ErrorCode, ErrorReply, Role, RoomEvent, RoomName, Target, UserName};
    use proptest::prelude::*;

    fn user() -> impl Strategy<Value = UserName> {
        "[a-z][a-z0-9_-]{0,15}".prop_map(|s| UserName::new(&s).unwrap())
    }

    fn room() -> impl Strategy<Value = RoomName> {
        "[a-z][a-z0-9._-]{0,15}".prop_map(|s| RoomName::new(&s).unwrap())
    }

    fn target() -> impl Strategy<Value = Target> {
        prop_oneof![room().prop_map(Target::Room), user().prop_map(Target::User)]
    }

    fn body() -> impl Strategy<Value = Body> {
        prop_oneof![
            ".{0,200}".prop_map(Body::Text),
            (user(), ".{0,40}")
                .prop_map(|(user, reason)| Body::Event(RoomEvent::Kicked { user, reason })),
            (room(), room()).prop_map(|(from, to)| Body::Event(RoomEvent::Renamed { from, to })),
            (any::<u64>(), ".{0,40}", any::<u64>(), any::<[u8; 32]>()).prop_map(
                |(id, name, size, sha)| Body::File(FileInfo {
                    id: FileId(id),
                    name,
                    size,
                    media_type: "image/png".into(),
                    sha256: Sha256(sha),
                })
            ),
            (user(), any::<bool>()).prop_map(|(user, admin)| Body::Event(RoomEvent::RoleChanged {
                user,
                role: if admin { Role::Admin } else { Role::Member },
            })),
        ]
    }

    fn message() -> impl Strategy<Value = Message> {
        (any::<u64>(), target(), user(), body(), any::<i64>()).prop_map(
            |(id, to, from, body, ts_ms)| Message {
                id: MessageId(id),
                to,
                from,
                body,
                ts_ms,
            },
        )
    }

    fn request() -> impl Strategy<Value = Request> {
        prop_oneof![
            (user(), ".{0,40}").prop_map(|(user, password)| Request::Register { user, password }),
            (user(), ".{0,40}").prop_map(|(user, t)| Request::Login {
                user,
                credential: Credential::Token(t)
            }),
            room().prop_map(|room| Request::Join { room }),
            (room(), any::<bool>()).prop_map(|(room, private)| Request::Create { room, private }),
            (room(), user(), ".{0,40}").prop_map(|(room, user, reason)| Request::Ban {
                room,
                user,
                reason
            }),
            (room(), ".{0,100}").prop_map(|(room, topic)| Request::SetTopic { room, topic }),
            (
                any::<u64>(),
                any::<u64>(),
                proptest::collection::vec(any::<u8>(), 0..2048)
            )
                .prop_map(|(upload, offset, data)| Request::UploadChunk {
                    upload: UploadId(upload),
                    offset,
                    data: Chunk(data.into()),
                }),
            (target(), any::<u64>(), ".{0,300}").prop_map(|(to, c, text)| Request::Send {
                to,
                client_id: ClientMsgId(c),
                text
            }),
            (target(), proptest::option::of(any::<u64>()), any::<u16>()).prop_map(
                |(target, before, limit)| Request::History {
                    target,
                    before: before.map(MessageId),
                    limit
                }
            ),
            proptest::collection::vec((target(), any::<u64>()), 0..5).prop_map(|points| {
                Request::CatchUp {
                    points: points
                        .into_iter()
                        .map(|(target, after)| ResumePoint {
                            target,
                            after: MessageId(after),
                        })
                        .collect(),
                }
            }),
        ]
    }

    fn server_frame() -> impl Strategy<Value = ServerFrame> {
        prop_oneof![
            message().prop_map(|m| ServerFrame::Event(Event::Message(m))),
            (
                any::<u64>(),
                proptest::collection::vec(message(), 0..10),
                any::<bool>()
            )
                .prop_map(|(id, messages, complete)| ServerFrame::Reply {
                    id: RequestId(id),
                    result: Ok(Response::History(Page { messages, complete })),
                }),
            (any::<u64>(), ".{0,50}").prop_map(|(id, text)| ServerFrame::Reply {
                id: RequestId(id),
                result: Err(ErrorReply::new(
                    ErrorCode::RateLimited { retry_after_ms: id },
                    text
                )),
            }),
        ]
    }

    proptest! {
        #[test]
        fn client_frames_round_trip(id in any::<u64>(), request in request()) {
            let frame = ClientFrame::Request { id: RequestId(id), request };
            let body = encode(&frame).unwrap();
            prop_assert_eq!(decode::<ClientFrame>(&body).unwrap(), frame);
        }

        #[test]
        fn server_frames_round_trip(frame in server_frame()) {
            let body = encode(&frame).unwrap();
            prop_assert_eq!(decode::<ServerFrame>(&body).unwrap(), frame);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            // Either outcome is fine; what matters is an answer without a panic or a huge
            // allocation, which the byte limit prevents.
            let decoded = decode::<ClientFrame>(&bytes);
            if let Ok(frame) = decoded {
                prop_assert_eq!(decode::<ClientFrame>(&encode(&frame).unwrap()).unwrap(), frame);
            }
        }
    }

    #[test]
    fn trailing_bytes_are_rejected() {
        let mut body = encode(&ClientFrame::Hello(Hello {
            version: 1,
            client: "t".into(),
        }))
        .unwrap()
        .to_vec();
        body.push(0);
        assert!(matches!(
            decode::<ClientFrame>(&body),
            Err(CodecError::Malformed(_))
        ));
    }

    #[test]
    fn an_invalid_name_does_not_decode() {
        #[derive(Serialize)]
        enum RawRequest {
            #[allow(dead_code)]
            Register,
            #[allow(dead_code)]
            Login,
            Join {
                room: String,
            },
        }
        #[derive(Serialize)]
        enum RawFrame {
            #[allow(dead_code)]
            Hello,
            Request {
                id: u64,
                request: RawRequest,
            },
        }
        let raw = RawFrame::Request {
            id: 1,
            request: RawRequest::Join {
                room: "no spaces".into(),
            },
        };
        let body = encode(&raw).unwrap();
        assert!(matches!(
            decode::<ClientFrame>(&body),
            Err(CodecError::Malformed(_))
        ));
    }

    #[test]
    fn a_huge_length_claim_inside_the_body_is_refused_without_allocating() {
        // A Hello whose string claims u64::MAX bytes: bincode's limit stops it before it
        // tries to reserve that much.
        let mut body = vec![0u8]; // variant 0: Hello
        body.push(1); // version 1
        body.push(255); // varint marker for a u64 length
        body.extend_from_slice(&u64::MAX.to_le_bytes());
        assert!(matches!(
            decode::<ClientFrame>(&body),
            Err(CodecError::Malformed(_))
        ));
    }

    #[tokio::test]
    async fn an_oversized_length_prefix_is_refused_before_reading_the_body() {
        use futures::StreamExt;
        use tokio::io::AsyncWriteExt;

        let (mut client, server) = tokio::io::duplex(64);
        let mut reader = server_reader(server, MAX_FRAME_LEN);
        let claimed = u32::try_from(MAX_FRAME_LEN + 1).unwrap();
        client.write_all(&claimed.to_be_bytes()).await.unwrap();
        let err = reader.next().await.unwrap().unwrap_err();
        assert!(matches!(CodecError::classify(err), CodecError::TooLarge));
    }

    #[tokio::test]
    async fn released_buffers_hold_no_memory_and_the_next_frame_still_goes_through() {
        use futures::{SinkExt, StreamExt};

        let (client, server) = tokio::io::duplex(4096);
        let mut writer = server_writer(client);
        let mut reader = server_reader(server, MAX_FRAME_LEN);
        for round in 0..2 {
            let ping = ClientFrame::Request {
                id: RequestId(round),
                request: Request::Ping,
            };
            let frame = encode(&ping).unwrap();
            writer.send(frame).await.unwrap();
            release_write_buffer(&mut writer);

            let read = reader.next().await.unwrap().unwrap();
            assert!(matches!(read, ClientFrame::Request { id, .. } if id == RequestId(round)));
            assert!(reader.get_ref().read_buffer().capacity() > 0);
            release_read_buffer(&mut reader);
            assert_eq!(reader.get_ref().read_buffer().capacity(), 0);
        }
    }
}
