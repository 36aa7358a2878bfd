//! The `chat-tui` binary: parses the command line, sets up logging, and runs a mode.

use std::process::ExitCode;

use chat_tui::cli::Cli;
use chat_tui::headless;
use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();

    if !cli.headless {
        eprintln!("chat-tui: the interactive interface is not built yet; run with --headless");
        return ExitCode::from(2);
    }
    let config = match cli.client_config() {
        Ok(config) => config,
        Err(message) => return ExitCode::from(headless::refuse(&message)),
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("chat-tui: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let status = runtime.block_on(headless::run_stdio(config));
    // A read of stdin may still be blocked in a worker thread; waiting for it would keep a
    // script's `/quit` from ending the process.
    runtime.shutdown_background();
    ExitCode::from(status)
}

/// Logs go to stderr, never stdout, which belongs to the JSON lines. `RUST_LOG` overrides
/// the default level of `warn`.
fn init_tracing() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
