//! What every HTTP client of Edgerun's own services (the storage gateway, the scheduler API) shares:
//! a connection pool that never reuses a connection the server is closing, and retries of
//! idempotent requests on transport errors only.
//!
//! Why: our servers close a keep-alive connection after it sat idle for
//! [`SERVER_IDLE_CLOSE`] (`edgerun_service::http::HttpLimits::header_read_timeout`; it is what
//! stops a stranger from holding sockets). reqwest keeps idle connections for 90 s by default, so
//! a request sent ~10 s after the previous one can be written into a connection whose close is
//! already on the wire; hyper then fails it with "error sending request" although the server is
//! healthy. Keeping pooled connections for less than the server does removes that race; a retry
//! covers what remains (a server restart, a reset).

use std::future::Future;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};

/// How long our servers keep an idle keep-alive connection open (their request-head deadline).
pub const SERVER_IDLE_CLOSE: Duration = Duration::from_secs(10);

/// How long a client keeps an idle pooled connection: well below [`SERVER_IDLE_CLOSE`].
pub const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(4);

/// Longest wait for a TCP (and TLS) connection to one of our services.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Attempts after the first for an idempotent request that failed in transport.
pub const TRANSPORT_RETRIES: usize = 3;

/// A reqwest client builder with the pool and connect settings above. Callers add their own
/// overall timeout.
pub fn client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder().pool_idle_timeout(POOL_IDLE_TIMEOUT).connect_timeout(CONNECT_TIMEOUT)
}

/// Whether `error` happened in transport (connecting, sending, a timeout, the body cut off), as
/// opposed to an answer the server gave: only those are worth sending again.
pub fn is_transport(error: &reqwest::Error) -> bool {
    error.status().is_none() && (error.is_connect() || error.is_request() || error.is_timeout() || error.is_body())
}

/// Runs the idempotent request `attempt` again while it fails in transport (`transport` says
/// which errors are), at most [`TRANSPORT_RETRIES`] more times, with a short exponential backoff.
pub async fn retry_transport<T, E, Fut>(attempt: impl FnMut() -> Fut, transport: impl FnMut(&E) -> bool) -> Result<T, E>
where
    Fut: Future<Output = Result<T, E>>,
{
    let backoff = ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(50))
        .with_max_delay(Duration::from_secs(1))
        .with_max_times(TRANSPORT_RETRIES)
        .with_jitter();
    attempt.retry(backoff).sleep(tokio::time::sleep).when(transport).await
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[test]
    fn the_pool_lets_go_before_the_server_closes() {
        assert!(POOL_IDLE_TIMEOUT * 2 <= SERVER_IDLE_CLOSE);
    }

    #[tokio::test]
    async fn only_transport_errors_are_retried_and_only_so_often() {
        let attempts = AtomicUsize::new(0);
        let refused: Result<(), &str> = retry_transport(
            || async {
                attempts.fetch_add(1, Ordering::SeqCst);
                Err("refused")
            },
            |error| *error == "transport",
        )
        .await;
        assert_eq!(refused, Err("refused"));
        assert_eq!(attempts.load(Ordering::SeqCst), 1, "an answer is not sent again");

        attempts.store(0, Ordering::SeqCst);
        let failing: Result<(), &str> = retry_transport(
            || async {
                attempts.fetch_add(1, Ordering::SeqCst);
                Err("transport")
            },
            |error| *error == "transport",
        )
        .await;
        assert_eq!(failing, Err("transport"));
        assert_eq!(attempts.load(Ordering::SeqCst), 1 + TRANSPORT_RETRIES);

        attempts.store(0, Ordering::SeqCst);
        let recovered = retry_transport(
            || async {
                match attempts.fetch_add(1, Ordering::SeqCst) {
                    0 => Err("transport"),
                    n => Ok(n),
                }
            },
            |error| *error == "transport",
        )
        .await;
        assert_eq!(recovered, Ok(1));
    }
}
