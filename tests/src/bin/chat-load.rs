//! `chat-load`: drives a chat-server with many clients over TLS on loopback and reports its
//! throughput, latency, CPU time per delivered message and memory, and file transfer rates,
//! measured from outside the server process. Every run is bounded in count and time.

use std::path::PathBuf;
use std::time::Duration;

use chat_tests::load::conn::{Dialer, LoadError};
use chat_tests::load::process::ServerProcess;
use chat_tests::load::scenarios::{self, LoadTarget};
use chat_tests::load::transfer;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(version, about = "Load generator for chat-server")]
struct Cli {
    /// The chat-server binary to start for each scenario [default: beside this one].
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Durability of the server's commits: full or normal.
    #[arg(long, default_value = "full")]
    durability: String,
    /// Give up on a scenario after this many seconds.
    #[arg(long, default_value_t = 300)]
    timeout: u64,
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Subcommand, Clone, Copy)]
enum Scenario {
    /// N members in a room, S senders, M messages each, at most W in flight per sender.
    Fanout {
        #[arg(long, default_value_t = 200)]
        members: usize,
        #[arg(long, default_value_t = 4)]
        senders: usize,
        #[arg(long, default_value_t = 2000)]
        messages: u64,
        #[arg(long, default_value_t = 256)]
        window: usize,
    },
    /// One sender at a fixed rate into a room of N; send-to-delivery percentiles.
    Latency {
        #[arg(long, default_value_t = 100)]
        members: usize,
        #[arg(long, default_value_t = 200)]
        rate: u64,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// S senders, each in its own room: persisted messages per second.
    Ingest {
        #[arg(long, default_value_t = 16)]
        senders: usize,
        #[arg(long, default_value_t = 5000)]
        messages: u64,
        #[arg(long, default_value_t = 256)]
        window: usize,
    },
    /// K logged-in idle connections: server memory per connection.
    Idle {
        #[arg(long, default_value_t = 2000)]
        connections: usize,
    },
    /// A history of N messages, then P random 100-message pages.
    History {
        #[arg(long, default_value_t = 100_000)]
        fill: u64,
        #[arg(long, default_value_t = 1000)]
        pages: u64,
    },
    /// A file of M MiB up and down again, W chunks in flight, with chat timed alongside.
    Transfer {
        #[arg(long, default_value_t = 1024)]
        mib: u64,
        /// Chunk requests in flight each way. The server closes a connection that has
        /// more than 32 chunks' worth of replies queued, so downloads stay under that.
        #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=31))]
        window: u16,
    },
}

#[tokio::main]
async fn main() -> Result<(), LoadError> {
    let cli = Cli::parse();
    raise_open_file_limit();
    let bin = match cli.server_bin {
        Some(bin) => bin,
        None => std::env::current_exe()?.with_file_name("chat-server"),
    };
    let server = ServerProcess::start(&bin, &cli.durability).await?;
    let target = LoadTarget {
        dialer: Dialer::new(server.addr, &server.ca_file)?,
        probe: server.probe,
    };
    let run = async {
        match cli.scenario {
            Scenario::Fanout {
                members,
                senders,
                messages,
                window,
            } => scenarios::fanout(&target, members, senders, messages, window).await,
            Scenario::Latency {
                members,
                rate,
                seconds,
            } => scenarios::latency(&target, members, rate, seconds).await,
            Scenario::Ingest {
                senders,
                messages,
                window,
            } => scenarios::ingest(&target, senders, messages, window).await,
            Scenario::Idle { connections } => scenarios::idle(&target, connections).await,
            Scenario::History { fill, pages } => scenarios::history(&target, fill, pages).await,
            Scenario::Transfer { mib, window } => {
                let (window, limit) = (usize::from(window), Duration::from_secs(cli.timeout));
                transfer::transfer(&target, mib, window, limit).await
            }
        }
    };
    let report = tokio::time::timeout(Duration::from_secs(cli.timeout), run)
        .await
        .map_err(|_| "the scenario did not finish in time")??;
    report.print();
    Ok(())
}

/// Lets this process and the server it starts (which inherits the limit) hold tens of
/// thousands of connections: the soft limit goes up to the hard one, and for root the hard
/// one too. Failing leaves the limit as it was; a run that needs more then fails to connect
/// and says so.
fn raise_open_file_limit() {
    const WANTED: u64 = 200_000;
    let raised = rlimit::setrlimit(rlimit::Resource::NOFILE, WANTED, WANTED)
        .map(|()| WANTED)
        .or_else(|_| rlimit::increase_nofile_limit(WANTED));
    if let Err(err) = raised {
        eprintln!("cannot raise the open file limit: {err}");
    }
}
