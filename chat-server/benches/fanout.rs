//! The hub's fan-out: one committed message handed to every member's queue, as the writer
//! thread does after each commit. The figure is the server's own work per message before
//! TLS and the socket: encoding once, then one queue push per member's connection.
//! Run with `cargo bench -p chat-server --bench fanout --features bench-hooks`.

use std::sync::Arc;

use chat_proto::{Body, Message, MessageId, Role, RoomName, Target, UserName};
use chat_server::bench_hooks::{Hub, Outbound, Queue, SessionHandle};
use chat_server::store::{CommitListener, ConversationId, RoomRecord};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

/// Empties a member's queue as its connection's writer would.
fn drain(queue: &Queue) {
    while queue.try_recv().is_some() {}
}

/// A room of `members` online members, each with its own queue.
fn room_of(members: usize) -> (Arc<Hub>, Vec<Arc<Queue>>) {
    let hub = Arc::new(Hub::default());
    let room = RoomName::new("bench").unwrap();
    let names: Vec<UserName> = (0..members)
        .map(|n| UserName::new(&format!("member{n}")).unwrap())
        .collect();
    hub.load(vec![RoomRecord {
        name: room,
        id: ConversationId(1),
        private: false,
        topic: String::new(),
        members: names
            .iter()
            .map(|name| (name.clone(), Role::Member))
            .collect(),
    }]);
    let mut queues = Vec::with_capacity(members);
    for (id, name) in names.iter().enumerate() {
        let (outbound, queue) = Outbound::new(1024);
        let session = SessionHandle {
            id: id as u64,
            outbound,
        };
        hub.connect(name, session);
        queues.push(queue);
    }
    // Presence announcements queued while connecting are not part of the measure.
    for queue in &queues {
        drain(queue);
    }
    (hub, queues)
}

fn message(id: u64) -> Message {
    Message {
        id: MessageId(id),
        to: Target::Room(RoomName::new("bench").unwrap()),
        from: UserName::new("member0").unwrap(),
        body: Body::Text("a message of about sixty-four bytes, as chat lines usually are".into()),
        ts_ms: 1_796_320_603_070,
    }
}

fn fanout_benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("fan-out one message");
    for members in [10, 100, 1000] {
        let (hub, queues) = room_of(members);
        let mut next = 0;
        group.throughput(Throughput::Elements(members as u64));
        group.bench_with_input(BenchmarkId::from_parameter(members), &members, |b, _| {
            b.iter(|| {
                next += 1;
                hub.message(&message(next));
                // Emptied at once, as each connection's writer would, so that no queue
                // fills and marks its client too slow.
                for queue in &queues {
                    drain(queue);
                }
            });
        });
    }
    group.finish();
}

criterion_group!(benches, fanout_benches);
criterion_main!(benches);
