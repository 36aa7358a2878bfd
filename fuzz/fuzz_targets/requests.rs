//! Arbitrary sequences of requests from a logged-in user, through every request handler of
//! a real server (real SQLite in a temporary directory), over an in-memory pipe in place of
//! TLS. Nothing may panic, the server may not close the connection, and every request must
//! get exactly one reply.

#![no_main]

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

use chat_proto::{
    ClientFrame, Credential, Hello, PROTOCOL_VERSION, Request, RequestId, Response, ServerFrame,
    UserName, codec,
};
use chat_server::{Config, Durability, Server};
use futures::{SinkExt, StreamExt};
use libfuzzer_sys::fuzz_target;

struct Fixture {
    runtime: tokio::runtime::Runtime,
    server: Server,
    user: UserName,
    /// Logs the fuzzing user in without the cost of a password hash per run.
    token: String,
    _dir: tempfile::TempDir,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::new("127.0.0.1:0".parse().unwrap(), dir.path());
        config.durability = Durability::Normal;
        config.limits.messages_per_second = 1_000_000;
        config.limits.message_burst = 1_000_000;
        let server = runtime.block_on(Server::bind(config)).unwrap();
        let user = UserName::new("fuzzer").unwrap();
        let register = Request::Register { user: user.clone(), password: "fuzz".into() };
        let replies = runtime.block_on(exchange(&server, vec![register]));
        let Some(Ok(Response::Session(session))) = replies.into_iter().next() else {
            panic!("the fuzzing user cannot register");
        };
        Fixture { runtime, server, user, token: session.token, _dir: dir }
    })
}

/// Sends the requests on a new connection and returns the replies, checking that each
/// request gets exactly one and that the server keeps the connection open.
async fn exchange(
    server: &Server,
    requests: Vec<Request>,
) -> Vec<Result<Response, chat_proto::ErrorReply>> {
    let peer: SocketAddr = "192.0.2.1:1".parse().unwrap();
    let (client, server_side) = tokio::io::duplex(1 << 20);
    let serving = server.serve_stream(server_side, peer);
    tokio::pin!(serving);
    let talking = async {
        let mut transport = codec::client_transport(client);
        let hello = Hello { version: PROTOCOL_VERSION, client: "fuzz".into() };
        transport.send(ClientFrame::Hello(hello)).await.unwrap();
        let count = requests.len();
        for (id, request) in (0u64..).zip(requests) {
            transport.send(ClientFrame::Request { id: RequestId(id), request }).await.unwrap();
        }
        let mut replies = Vec::with_capacity(count);
        while replies.len() < count {
            let next = tokio::time::timeout(Duration::from_secs(5), transport.next()).await;
            match next.expect("replies keep coming") {
                Some(Ok(ServerFrame::Reply { result, .. })) => replies.push(result),
                Some(Ok(ServerFrame::Closing(reason))) => panic!("closed: {reason:?}"),
                Some(Ok(_)) => {}
                other => panic!("connection ended early: {other:?}"),
            }
        }
        replies
    };
    let replies = tokio::select! {
        () = &mut serving => panic!("the server closed the connection"),
        replies = talking => replies,
    };
    // The client has hung up: the connection must wind down, tasks and all.
    tokio::time::timeout(Duration::from_secs(5), serving)
        .await
        .expect("the connection closes once the client has gone");
    replies
}

fuzz_target!(|requests: Vec<Request>| {
    let fixture = fixture();
    let login = Request::Login {
        user: fixture.user.clone(),
        credential: Credential::Token(fixture.token.clone()),
    };
    let replies = fixture.runtime.block_on(exchange(&fixture.server, [vec![login], requests].concat()));
    assert!(matches!(replies[0], Ok(Response::Session(_))), "{:?}", replies[0]);
});
