//! `edgerun-scheduler`: see [`edgerun_scheduler::service`].

use std::process::ExitCode;

use clap::Parser;
use edgerun_scheduler::service::{self, SchedulerArgs};
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> ExitCode {
    let args = SchedulerArgs::parse();
    edgerun_service::logging::init(args.log_format);
    let cancel = CancellationToken::new();
    edgerun_service::shutdown::cancel_on_shutdown_signal(cancel.clone());
    match service::run(args, cancel, None).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "edgerun-scheduler cannot run");
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
