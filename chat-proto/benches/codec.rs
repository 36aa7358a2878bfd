//! Encoding and decoding the frames that dominate traffic: a message event, which the
//! server encodes once per message whatever the number of recipients, and a client's send.
//! Run with `cargo bench -p chat-proto --bench codec`.

use std::hint::black_box;

use chat_proto::{
    Body, ClientFrame, ClientMsgId, Event, Message, MessageId, Request, RequestId, RoomName,
    ServerFrame, Target, UserName, codec,
};
use criterion::{Criterion, criterion_group, criterion_main};

fn message_event() -> ServerFrame {
    ServerFrame::Event(Event::Message(Message {
        id: MessageId(1_234_567),
        to: Target::Room(RoomName::new("general").unwrap()),
        from: UserName::new("alice").unwrap(),
        body: Body::Text("a message of about sixty-four bytes, as chat lines usually are".into()),
        ts_ms: 1_796_320_603_070,
    }))
}

fn send_request() -> ClientFrame {
    ClientFrame::Request {
        id: RequestId(42),
        request: Request::Send {
            to: Target::Room(RoomName::new("general").unwrap()),
            client_id: ClientMsgId(0x5eed_5eed),
            text: "a message of about sixty-four bytes, as chat lines usually are".into(),
        },
    }
}

fn codec_benches(c: &mut Criterion) {
    let event = message_event();
    let encoded_event = codec::encode(&event).unwrap();
    c.bench_function("encode message event", |b| {
        b.iter(|| codec::encode(black_box(&event)));
    });
    c.bench_function("decode message event", |b| {
        b.iter(|| codec::decode::<ServerFrame>(black_box(&encoded_event)));
    });

    let send = send_request();
    let encoded_send = codec::encode(&send).unwrap();
    c.bench_function("decode send request", |b| {
        b.iter(|| codec::decode::<ClientFrame>(black_box(&encoded_send)));
    });
}

criterion_group!(benches, codec_benches);
criterion_main!(benches);
