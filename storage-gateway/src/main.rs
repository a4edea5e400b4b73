//! `edgerun-storage-gateway`: see `--help`.

use clap::Parser;
use edgerun_storage_gateway::config::{Cli, LogFormat};
use edgerun_storage_gateway::policy::WritePolicySpec;
use edgerun_storage_gateway::Gateway;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logging(cli.log_format);

    let gateway = Gateway::from_cli(&cli).await?;
    let listener = tokio::net::TcpListener::bind(cli.listen).await?;
    let address = listener.local_addr()?;
    if cli.write_policy == WritePolicySpec::Open && !address.ip().is_loopback() {
        tracing::warn!(%address, "write policy `open` accepts unsigned writes from anyone who can reach this address");
    }
    tracing::info!(%address, store = %cli.store, policy = gateway.state.policy.name(), "listening");
    // A fixed stdout line, separate from the logs (stderr), so scripts and tests can learn
    // the port when started with port 0.
    println!("edgerun-storage-gateway listening on http://{address}");

    gateway.serve(listener, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => return interrupt.await.unwrap_or(()),
        };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    interrupt.await.unwrap_or(());
}
