//! `edgerun-storage-gateway`: see `--help`.

use anyhow::Context;
use clap::Parser;
use edgerun_storage_gateway::config::Cli;
use edgerun_storage_gateway::policy::WritePolicySpec;
use edgerun_storage_gateway::Gateway;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    edgerun_service::logging::init(cli.log_format);
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "edgerun-storage-gateway cannot run");
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let gateway = Gateway::start(&cli.gateway_config()).await?;
    let listener = tokio::net::TcpListener::bind(cli.listen)
        .await
        .with_context(|| format!("cannot listen on {}; pick a free address for --listen", cli.listen))?;
    let address = listener.local_addr()?;
    if cli.write_policy == WritePolicySpec::Open && !address.ip().is_loopback() {
        tracing::warn!(%address, "write policy `open` accepts unsigned writes from anyone who can reach this address");
    }
    tracing::info!(%address, store = %cli.store, policy = gateway.state.policy.name(), "listening");
    // A fixed stdout line, separate from the logs (stderr), so scripts and tests can learn
    // the port when started with port 0.
    println!("edgerun-storage-gateway listening on http://{address}");

    gateway.serve(listener, edgerun_service::shutdown::shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}
