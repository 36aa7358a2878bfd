//! Replays the frame fuzzer's corpus (`fuzz/corpus/frame_decode`) through the same checks as
//! the fuzz target, so that every input it ever found interesting, crashes included, stays
//! a regression test on stable Rust.

use std::path::Path;

use bytes::BytesMut;
use chat_proto::{ClientFrame, codec};
use tokio_util::codec::Decoder;

fn check(data: &[u8]) {
    let mut buffer = BytesMut::from(data);
    let mut frames = codec::length_codec();
    while let Ok(Some(body)) = frames.decode(&mut buffer) {
        if let Ok(frame) = codec::decode::<ClientFrame>(&body) {
            let again = codec::encode(&frame).expect("a decoded frame encodes");
            assert_eq!(
                codec::decode::<ClientFrame>(&again).expect("and decodes again"),
                frame
            );
        }
    }
}

#[test]
fn every_input_of_the_frame_corpus_is_handled() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/frame_decode");
    let mut inputs = 0;
    for entry in std::fs::read_dir(&corpus).expect("the corpus is in the repository") {
        let path = entry.expect("corpus entry").path();
        check(&std::fs::read(&path).expect("corpus file"));
        inputs += 1;
    }
    assert!(
        inputs > 100,
        "the corpus looks empty: {inputs} inputs in {}",
        corpus.display()
    );
}
