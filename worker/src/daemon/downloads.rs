//! Bundle downloads: one per bundle hash at a time, and at most [`MAX_CONCURRENT_DOWNLOADS`] at
//! once, each capped at the network's bundle size.
//!
//! Why: a customer may post many jobs of one bundle, or a flood of jobs at once. Without this,
//! every job's step downloads its bundle on its own: the same bytes N times, with N buffers of up
//! to `MAX_BUNDLE_BYTES` alive together. Steps of the same bundle now wait for the one download
//! in flight and share its bytes; the bytes are not kept once it ends (the memory a worker holds
//! for bundles is bounded by the concurrent downloads, not by the jobs).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use edgerun_sdk::bundle::MAX_BUNDLE_BYTES;
use edgerun_sdk::storage::{ContentHash, StorageClient, StorageError};
use futures::future::{BoxFuture, FutureExt, Shared};
use tokio::sync::Semaphore;

/// Bundle downloads in flight at once, whatever the number of jobs.
pub const MAX_CONCURRENT_DOWNLOADS: usize = 4;

type Download = Shared<BoxFuture<'static, Result<Bytes, Arc<StorageError>>>>;

/// The downloads of one worker.
pub struct Downloads {
    slots: Arc<Semaphore>,
    running: Mutex<HashMap<[u8; 32], Download>>,
}

impl Default for Downloads {
    fn default() -> Self {
        Downloads { slots: Arc::new(Semaphore::new(MAX_CONCURRENT_DOWNLOADS)), running: Mutex::new(HashMap::new()) }
    }
}

impl Downloads {
    /// The bundle `hash` from `store` (checked against its hash, at most `MAX_BUNDLE_BYTES`),
    /// joining the download of the same hash already in flight.
    pub async fn bundle(&self, store: &StorageClient, hash: [u8; 32]) -> Result<Bytes, Arc<StorageError>> {
        let download = {
            let mut running = self.running.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            running
                .entry(hash)
                .or_insert_with(|| {
                    let (store, slots) = (store.clone(), Arc::clone(&self.slots));
                    async move {
                        let _slot = slots.acquire_owned().await;
                        store
                            .with_max_download_bytes(MAX_BUNDLE_BYTES as u64)
                            .get_bundle(&ContentHash(hash))
                            .await
                            .map_err(Arc::new)
                    }
                    .boxed()
                    .shared()
                })
                .clone()
        };
        let result = download.clone().await;
        // Done: the next step of this bundle downloads afresh (after a failure, that is a retry).
        let mut running = self.running.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if running.get(&hash).is_some_and(|known| known.ptr_eq(&download)) {
            running.remove(&hash);
        }
        result
    }

    /// Downloads in flight now.
    pub fn in_flight(&self) -> usize {
        self.running.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).len()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// A gateway on loopback that answers every GET with `body` after a pause, counting requests.
    async fn slow_gateway(body: &'static [u8]) -> (String, Arc<AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let requests = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&requests);
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut request = [0u8; 4096];
                    let _ = socket.read(&mut request).await;
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    let head =
                        format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
                    let _ = socket.write_all(head.as_bytes()).await;
                    let _ = socket.write_all(body).await;
                });
            }
        });
        (format!("http://{address}"), requests)
    }

    #[tokio::test]
    async fn steps_of_one_bundle_share_one_download() {
        const BODY: &[u8] = b"the bundle bytes";
        let (url, requests) = slow_gateway(BODY).await;
        let store = StorageClient::new(&url).unwrap();
        let downloads = Arc::new(Downloads::default());
        let hash = *blake3::hash(BODY).as_bytes();
        let steps: Vec<_> = (0..10)
            .map(|_| {
                let (downloads, store) = (Arc::clone(&downloads), store.clone());
                tokio::spawn(async move { downloads.bundle(&store, hash).await })
            })
            .collect();
        for step in steps {
            assert_eq!(step.await.unwrap().unwrap().as_ref(), BODY);
        }
        assert_eq!(requests.load(Ordering::SeqCst), 1, "ten steps, one download");
        assert_eq!(downloads.in_flight(), 0, "nothing kept once it ended");
        // A later step downloads afresh.
        downloads.bundle(&store, hash).await.unwrap();
        assert_eq!(requests.load(Ordering::SeqCst), 2);
        // Bytes that do not hash to the name are refused, for every step that waited on them.
        let wrong = [9u8; 32];
        assert!(matches!(*downloads.bundle(&store, wrong).await.unwrap_err(), StorageError::HashMismatch { .. }));
    }
}
