//! Typed HTTP client of the storage gateway, for workers, the scheduler and tools.
//!
//! Writes are signed when the client has a key (see [`crate::storage_auth`]). Reads are
//! verified: a body that does not hash to the requested name is an error, whatever server or
//! cache returned it. Reads, and writes of bytes held in memory (content-addressed, so sending one
//! again stores the same object), are sent again when they fail in transport ([`crate::http`]).

use crate::http::{client_builder, is_transport, retry_transport};
use crate::storage_auth::signed_write_headers;
use bytes::Bytes;
use ed25519_dalek::SigningKey;
use futures::StreamExt;
use reqwest::StatusCode;

use super::{BlobKind, ContentHash, ErrorBody, PutResponse};

/// Largest object [`StorageClient`] downloads unless told otherwise.
pub const DEFAULT_MAX_DOWNLOAD_BYTES: u64 = 1024 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("http: {0}")]
    Http(#[from] reqwest::Error),
    #[error("no such object")]
    NotFound,
    #[error("gateway answered {status}: {code}: {message}")]
    Rejected { status: StatusCode, code: String, message: String },
    #[error("downloaded bytes hash to {actual}, not to the requested {expected}")]
    HashMismatch { expected: ContentHash, actual: ContentHash },
    #[error("object is larger than the download limit of {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("invalid gateway URL: {0}")]
    InvalidUrl(String),
}

impl StorageError {
    /// Whether the request failed in transport (worth sending again), not by the gateway's answer.
    pub fn is_transport(&self) -> bool {
        matches!(self, StorageError::Http(error) if is_transport(error))
    }
}

/// Client of one gateway.
#[derive(Clone)]
pub struct StorageClient {
    http: reqwest::Client,
    base_url: String,
    signer: Option<SigningKey>,
    max_download_bytes: u64,
}

impl StorageClient {
    /// A client of the gateway at `base_url` (e.g. `http://127.0.0.1:8090`), without a key.
    pub fn new(base_url: &str) -> Result<Self, StorageError> {
        let parsed = url::Url::parse(base_url).map_err(|e| StorageError::InvalidUrl(e.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(StorageError::InvalidUrl(format!("{base_url}: scheme must be http or https")));
        }
        Ok(StorageClient {
            http: client_builder().build()?,
            base_url: base_url.trim_end_matches('/').to_string(),
            signer: None,
            max_download_bytes: DEFAULT_MAX_DOWNLOAD_BYTES,
        })
    }

    /// Signs every write with `key`.
    pub fn with_signer(mut self, key: SigningKey) -> Self {
        self.signer = Some(key);
        self
    }

    /// Uses a preconfigured reqwest client (timeouts, proxies, TLS roots); start from
    /// [`crate::http::client_builder`] so that its pool lets idle connections go before the
    /// gateway closes them.
    pub fn with_http_client(mut self, http: reqwest::Client) -> Self {
        self.http = http;
        self
    }

    /// Refuses downloads larger than `limit` bytes.
    pub fn with_max_download_bytes(mut self, limit: u64) -> Self {
        self.max_download_bytes = limit;
        self
    }

    /// Where the object `hash` of `kind` is served: `{base_url}/{kind}/{hash}` (e.g. the pointer a
    /// winner declares for an output).
    pub fn object_url(&self, kind: BlobKind, hash: &ContentHash) -> String {
        format!("{}/{kind}/{hash}", self.base_url)
    }

    /// Stores a bundle; returns the gateway's receipt (whose `hash` is the bundle hash).
    pub async fn put_bundle(&self, bytes: impl Into<Bytes>) -> Result<PutResponse, StorageError> {
        self.put(BlobKind::Bundle, bytes.into()).await
    }

    /// Stores an output; returns the gateway's receipt (whose `hash` is the output hash).
    pub async fn put_output(&self, bytes: impl Into<Bytes>) -> Result<PutResponse, StorageError> {
        self.put(BlobKind::Output, bytes.into()).await
    }

    /// Stores the output of the job `job_id`, naming the job in the signed request: a gateway
    /// with the `chain` write policy accepts an output only from a member of that job's
    /// committee, for that job (what a worker publishes).
    pub async fn put_job_output(
        &self,
        job_id: &[u8; 32],
        bytes: impl Into<Bytes>,
    ) -> Result<PutResponse, StorageError> {
        self.put_bytes_for(BlobKind::Output, Some(job_id), bytes.into()).await
    }

    /// Stores `bytes` under their BLAKE3 hash.
    pub async fn put(&self, kind: BlobKind, bytes: Bytes) -> Result<PutResponse, StorageError> {
        self.put_bytes_for(kind, None, bytes).await
    }

    /// Stores `bytes` (made for `job_id` when given), sending them again on a transport error.
    async fn put_bytes_for(
        &self,
        kind: BlobKind,
        job_id: Option<&[u8; 32]>,
        bytes: Bytes,
    ) -> Result<PutResponse, StorageError> {
        let hash = ContentHash::of(&bytes);
        retry_transport(
            || self.put_body_for(kind, &hash, job_id, reqwest::Body::from(bytes.clone())),
            StorageError::is_transport,
        )
        .await
    }

    /// Streams a body the caller has already hashed (for objects too large to hold in memory:
    /// e.g. `reqwest::Body::wrap_stream` over a file). The gateway refuses it unless it hashes
    /// to `hash`. Sent once: a stream cannot be replayed.
    pub async fn put_body(
        &self,
        kind: BlobKind,
        hash: &ContentHash,
        body: reqwest::Body,
    ) -> Result<PutResponse, StorageError> {
        self.put_body_for(kind, hash, None, body).await
    }

    /// [`put_body`](Self::put_body) made for the job `job_id` when given (signed with the rest;
    /// an unsigned client sends no job).
    pub async fn put_body_for(
        &self,
        kind: BlobKind,
        hash: &ContentHash,
        job_id: Option<&[u8; 32]>,
        body: reqwest::Body,
    ) -> Result<PutResponse, StorageError> {
        let mut request = self.http.put(self.object_url(kind, hash)).body(body);
        if let Some(key) = &self.signer {
            for (name, value) in signed_write_headers(key, "PUT", &format!("/{kind}/{hash}"), &hash.0, job_id) {
                request = request.header(name, value);
            }
        }
        let response = request.send().await?;
        if !response.status().is_success() {
            return Err(rejection(response).await);
        }
        Ok(response.json().await?)
    }

    /// Fetches and verifies a bundle.
    pub async fn get_bundle(&self, hash: &ContentHash) -> Result<Bytes, StorageError> {
        self.get(BlobKind::Bundle, hash).await
    }

    /// Fetches and verifies an output.
    pub async fn get_output(&self, hash: &ContentHash) -> Result<Bytes, StorageError> {
        self.get(BlobKind::Output, hash).await
    }

    /// Fetches an object and checks that it hashes to its name.
    pub async fn get(&self, kind: BlobKind, hash: &ContentHash) -> Result<Bytes, StorageError> {
        retry_transport(|| self.get_once(kind, hash), StorageError::is_transport).await
    }

    async fn get_once(&self, kind: BlobKind, hash: &ContentHash) -> Result<Bytes, StorageError> {
        let response = self.http.get(self.object_url(kind, hash)).send().await?;
        if !response.status().is_success() {
            return Err(rejection(response).await);
        }
        let limit = self.max_download_bytes;
        if response.content_length().is_some_and(|len| len > limit) {
            return Err(StorageError::TooLarge { limit });
        }
        let mut hasher = blake3::Hasher::new();
        let mut body = Vec::with_capacity(response.content_length().unwrap_or(0) as usize);
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            if (body.len() + chunk.len()) as u64 > limit {
                return Err(StorageError::TooLarge { limit });
            }
            hasher.update(&chunk);
            body.extend_from_slice(&chunk);
        }
        let actual = ContentHash::from(hasher.finalize());
        if &actual != hash {
            return Err(StorageError::HashMismatch { expected: *hash, actual });
        }
        Ok(Bytes::from(body))
    }

    /// Whether the gateway answers its `/health` with a success within `timeout`.
    pub async fn health(&self, timeout: std::time::Duration) -> Result<(), StorageError> {
        let response = self.http.get(format!("{}/health", self.base_url)).timeout(timeout).send().await?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(rejection(response).await)
        }
    }

    /// Whether the gateway holds the object (a HEAD request).
    pub async fn exists(&self, kind: BlobKind, hash: &ContentHash) -> Result<bool, StorageError> {
        let head = || async { self.http.head(self.object_url(kind, hash)).send().await.map_err(StorageError::Http) };
        let response = retry_transport(head, StorageError::is_transport).await?;
        match response.status() {
            status if status.is_success() => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            status => Err(StorageError::Rejected {
                status,
                code: "unexpected_status".into(),
                message: "HEAD request failed".into(),
            }),
        }
    }
}

async fn rejection(response: reqwest::Response) -> StorageError {
    let status = response.status();
    let body: Option<ErrorBody> = response.json().await.ok();
    if status == StatusCode::NOT_FOUND && body.as_ref().is_none_or(|b| b.code == "not_found") {
        return StorageError::NotFound;
    }
    let (code, message) = match body {
        Some(body) => (body.code, body.error),
        None => ("unknown".into(), "response had no JSON error body".into()),
    };
    StorageError::Rejected { status, code, message }
}
