//! How every Edgerun service learns that it must stop: SIGINT (Ctrl-C) or SIGTERM (what
//! supervisors and `kill` send).

use tokio_util::sync::CancellationToken;

/// Resolves at the first SIGINT or SIGTERM (SIGINT only where SIGTERM cannot be watched).
pub async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = interrupt => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM; stopping on Ctrl-C only");
                let _ = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

/// Cancels `cancel` at the first SIGINT or SIGTERM (on a task of its own).
pub fn cancel_on_shutdown_signal(cancel: CancellationToken) {
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("stopping: finishing what is in flight");
        cancel.cancel();
    });
}
