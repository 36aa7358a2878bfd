//! `chat-server`: reads its settings, starts logging, and serves until Ctrl-C or SIGTERM.

use chat_server::config::Cli;
use chat_server::{Server, TlsSource};
use clap::Parser;
use tracing_subscriber::EnvFilter;

/// glibc's allocator keeps each 19 MiB argon2 buffer once its adaptive mmap threshold has
/// risen past that size, so every login left the server megabytes larger; mimalloc gives
/// such blocks back.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Cli::parse().into_config()?;
    tracing_subscriber::fmt()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();

    if let TlsSource::Generated { dir } = &config.tls {
        tracing::info!(ca = %dir.join(chat_server::CA_CERT).display(), "clients verify the server with this CA");
    }
    tracing::info!(data_dir = %config.data_dir.display(), "starting");
    let server = Server::bind(config).await?;
    server.run(shutdown_signal()).await;
    Ok(())
}

/// Completes on Ctrl-C, or on SIGTERM where there is one.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
