//! Bytes as they arrive from a socket, through the length-delimited layer and the frame
//! decoder. Nothing may panic or allocate past the frame limit, and whatever decodes must
//! encode back to the same frame.

#![no_main]

use bytes::BytesMut;
use chat_proto::{ClientFrame, codec};
use libfuzzer_sys::fuzz_target;
use tokio_util::codec::Decoder;

fuzz_target!(|data: &[u8]| {
    let mut buffer = BytesMut::from(data);
    let mut frames = codec::length_codec();
    while let Ok(Some(body)) = frames.decode(&mut buffer) {
        if let Ok(frame) = codec::decode::<ClientFrame>(&body) {
            let again = codec::encode(&frame).expect("a decoded frame encodes");
            assert_eq!(codec::decode::<ClientFrame>(&again).expect("and decodes again"), frame);
        }
    }
});
