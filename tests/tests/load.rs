//! The load generator's scenarios at a tiny scale against an in-process server, so that
//! `chat-load` keeps working: each must finish and count what it claims.

use chat_tests::TestServer;
use chat_tests::load::conn::Dialer;
use chat_tests::load::process::Probe;
use chat_tests::load::scenarios::{self, LoadTarget};

async fn target() -> (TestServer, LoadTarget) {
    let server = TestServer::start_configured(|c| {
        chat_tests::unthrottled(c);
        c.limits.logins_per_minute_per_address = 100_000;
    })
    .await;
    let dialer = Dialer::new(server.addr, &server.ca_file()).unwrap();
    // The server runs in this process, so its CPU time is this process's.
    let probe = Probe {
        pid: std::process::id(),
    };
    (server, LoadTarget { dialer, probe })
}

fn figure(report: &chat_tests::load::report::Report, name: &str) -> u64 {
    report
        .get(name)
        .and_then(serde_json::Value::as_u64)
        .unwrap_or_else(|| panic!("no {name}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fanout_delivers_every_message_to_every_member() {
    let (_server, target) = target().await;
    let report = scenarios::fanout(&target, 4, 2, 25, 8).await.unwrap();
    assert_eq!(figure(&report, "deliveries"), 4 * 2 * 25);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_hears_every_message_at_every_member() {
    let (_server, target) = target().await;
    let report = scenarios::latency(&target, 3, 50, 1).await.unwrap();
    assert_eq!(figure(&report, "deliveries"), 3 * 50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_idle_and_history_finish() {
    let (_server, target) = target().await;
    let ingest = scenarios::ingest(&target, 3, 40, 8).await.unwrap();
    assert_eq!(figure(&ingest, "messages"), 120);
    let idle = scenarios::idle(&target, 20).await.unwrap();
    assert_eq!(figure(&idle, "connections"), 20);
    let history = scenarios::history(&target, 300, 20).await.unwrap();
    assert_eq!(figure(&history, "pages"), 20);
}
