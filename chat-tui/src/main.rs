//! The `chat-tui` binary: parses the command line, sets up logging, and runs a mode: the
//! interactive terminal client, or headless mode with `--headless`.

use std::path::Path;
use std::process::ExitCode;

use chat_tui::app::Exit;
use chat_tui::cli::Cli;
use chat_tui::config::{Dirs, FileConfig, Settings};
use chat_tui::{headless, tui};
use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.headless {
        run_headless(&cli)
    } else {
        run_interactive(&cli)
    }
}

fn run_headless(cli: &Cli) -> ExitCode {
    init_tracing_to_stderr();
    let config = match cli.client_config() {
        Ok(config) => config,
        Err(message) => return ExitCode::from(headless::refuse(&message)),
    };
    let Some(runtime) = runtime() else {
        return ExitCode::FAILURE;
    };
    let status = runtime.block_on(headless::run_stdio(config));
    // A read of stdin may still be blocked in a worker thread; waiting for it would keep a
    // script's `/quit` from ending the process.
    runtime.shutdown_background();
    ExitCode::from(status)
}

fn run_interactive(cli: &Cli) -> ExitCode {
    let dirs = Dirs::of_user();
    let settings = FileConfig::load(cli, &dirs).and_then(|file| Settings::merge(cli, file, &dirs));
    let settings = match settings {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("chat-tui: {err}");
            return ExitCode::from(2);
        }
    };
    let password = match cli.password() {
        Ok(password) => password,
        Err(err) => {
            eprintln!("chat-tui: {err}");
            return ExitCode::from(2);
        }
    };
    if let Err(err) = init_tracing_to_file(&settings.log_file) {
        eprintln!(
            "chat-tui: cannot open the log file {}: {err}",
            settings.log_file.display()
        );
        return ExitCode::from(2);
    }
    let Some(runtime) = runtime() else {
        return ExitCode::FAILURE;
    };
    let result = runtime.block_on(tui::run(settings, password));
    // The terminal's input reader may be blocked in a thread of its own.
    runtime.shutdown_background();
    match result {
        Ok(Exit::Quit) => ExitCode::SUCCESS,
        // Nothing to print: the screen said why before the user quit.
        Ok(Exit::NeverConnected) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("chat-tui: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Runtime::new() {
        Ok(runtime) => Some(runtime),
        Err(err) => {
            eprintln!("chat-tui: cannot start the async runtime: {err}");
            None
        }
    }
}

fn filter() -> EnvFilter {
    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"))
}

/// Headless logs go to stderr, never stdout, which belongs to the JSON lines. `RUST_LOG`
/// overrides the default level of `warn`.
fn init_tracing_to_stderr() {
    tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_writer(std::io::stderr)
        .init();
}

/// The interactive client owns the terminal, so its logs go to a file: a line on the
/// screen would tear the interface. Default level `info`, `RUST_LOG` overrides.
fn init_tracing_to_file(path: &Path) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .init();
    Ok(())
}
