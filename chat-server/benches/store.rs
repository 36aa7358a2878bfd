//! The store's group commit: a thousand messages queued at once and committed by the
//! writer thread, as a busy room produces them. Run with
//! `cargo bench -p chat-server --bench store`.

use std::sync::Arc;

use chat_proto::{ClientMsgId, Message, Role, RoomName, UserName};
use chat_server::Durability;
use chat_server::store::{
    CommitListener, ConversationId, Destination, JoinMode, NewMessage, Store, StoreOptions,
};
use criterion::{Criterion, criterion_group, criterion_main};

const BATCH: u64 = 1000;

/// Fan-out is not measured here.
struct Nobody;

impl CommitListener for Nobody {
    fn message(&self, _message: &Message) {}
    fn joined(&self, _: &RoomName, _: ConversationId, _: &UserName, _: Role, _: bool) {}
    fn left(&self, _room: &RoomName, _user: &UserName) {}
    fn deleted(&self, _room: &RoomName, _by: &UserName) {}
}

fn store_benches(c: &mut Criterion) {
    for durability in [Durability::Full, Durability::Normal] {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let options = StoreOptions {
            durability,
            max_mib: None,
        };
        let store =
            Store::open(&dir.path().join("bench.sqlite3"), options, Arc::new(Nobody)).unwrap();
        let name = UserName::new("bencher").unwrap();
        let room = RoomName::new("bench").unwrap();
        let (user, joined) = runtime.block_on(async {
            let user = store
                .create_user(name.clone(), "hash".into())
                .await
                .unwrap()
                .wait()
                .await
                .unwrap();
            let joined = store
                .join(user, name.clone(), room.clone(), JoinMode::JoinOrCreate)
                .await
                .unwrap()
                .wait()
                .await
                .unwrap();
            (user, joined)
        });
        let destination = Destination::Room {
            id: joined.conversation,
            name: room,
        };
        let mut next = 0u64;
        c.bench_function(
            &format!("commit {BATCH} messages, durability {durability:?}"),
            |b| {
                b.iter(|| {
                    runtime.block_on(async {
                        let mut tickets = Vec::with_capacity(BATCH as usize);
                        for _ in 0..BATCH {
                            next += 1;
                            let message = NewMessage {
                                sender: user,
                                from: name.clone(),
                                destination: destination.clone(),
                                client_id: ClientMsgId(next),
                                text:
                                    "a message of about sixty-four bytes, as chat lines usually are"
                                        .into(),
                            };
                            tickets.push(store.append(message).await.unwrap());
                        }
                        for ticket in tickets {
                            ticket.wait().await.unwrap();
                        }
                    });
                });
            },
        );
        runtime.block_on(store.close());
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = store_benches
}
criterion_main!(benches);
