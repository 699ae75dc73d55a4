use clap::{Parser, Subcommand};
use cognito_emu::config::Config;
use std::process::ExitCode;

/// A local, offline, Amazon Cognito-compatible emulator.
#[derive(Parser)]
#[command(name = "cognito-emu", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    config: Config,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the emulator (the default).
    Serve,
    /// Exit 0 when an emulator answers GET /health at --host/--port, 1 otherwise.
    Healthcheck,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cognito-emu: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => runtime.block_on(serve(cli.config)),
        Command::Healthcheck => runtime.block_on(healthcheck(cli.config)),
    }
}

async fn serve(config: Config) -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log_level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();

    let listener = match tokio::net::TcpListener::bind((config.host.as_str(), config.port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "cognito-emu: cannot bind {}:{}: {e}",
                config.host, config.port
            );
            return ExitCode::FAILURE;
        }
    };
    let mut config = config;
    if let Ok(addr) = listener.local_addr() {
        config.port = addr.port();
    }
    let where_ = if config.in_memory {
        "in memory".to_string()
    } else {
        config.db.display().to_string()
    };
    let state = match cognito_emu::build_state(config.clone()).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cognito-emu: {e} (data: {where_})");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "cognito-emu listening on http://{}:{} (data: {where_})",
        config.host, config.port
    );
    match cognito_emu::serve(listener, state, shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cognito-emu: server error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("shutting down");
}

/// A plain HTTP/1.1 GET /health over TCP, so the image needs no curl.
async fn healthcheck(config: Config) -> ExitCode {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = if config.host == "0.0.0.0" {
        "127.0.0.1".to_string()
    } else {
        config.host.clone()
    };
    let attempt = async {
        let mut s = tokio::net::TcpStream::connect((host.as_str(), config.port)).await?;
        s.write_all(
            format!("GET /health HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await?;
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).await?;
        Ok::<_, std::io::Error>(buf.starts_with(b"HTTP/1.1 200"))
    };
    match tokio::time::timeout(std::time::Duration::from_secs(3), attempt).await {
        Ok(Ok(true)) => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    }
}
