//! Verified, write-once storage of content-addressed blobs on any `object_store` backend.
//!
//! Layout inside the store:
//! - `bundle/<first two hex chars>/<hash>` and `output/<..>/<hash>`: published objects. The
//!   two-character fan-out keeps local directories small.
//! - `uploads/<kind>-<hash>-<random>`: uploads in progress. A body is streamed here while it is
//!   hashed and only published under its final key once the hash matched, so a final key only
//!   ever holds complete, verified bytes.
//!
//! Bodies up to [`BUFFERED_PUT_MAX`] are hashed in memory and written straight to their final
//! key with one atomic conditional put; larger bodies go through a multipart upload of
//! [`PART_SIZE`] parts to the temporary key, so memory per upload stays bounded.

use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{Stream, StreamExt, TryStreamExt};
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{
    GetOptions, GetRange, GetResultPayload, ObjectStore, ObjectStoreExt, ObjectStoreScheme, PutMode, PutOptions,
    PutPayload, WriteMultipart,
};
use rand::RngCore;
use url::Url;

use crate::blob::{BlobKind, ContentHash};

/// Largest body that is buffered in memory and written with a single put.
pub const BUFFERED_PUT_MAX: usize = 8 * 1024 * 1024;
/// Part size of multipart uploads (S3 needs at least 5 MiB per part).
pub const PART_SIZE: usize = 8 * 1024 * 1024;
/// Parts of one upload being written concurrently; bounds memory to about
/// `(MAX_PARTS_IN_FLIGHT + 1) * PART_SIZE` per upload.
const MAX_PARTS_IN_FLIGHT: usize = 2;
const UPLOADS_PREFIX: &str = "uploads";
/// Where the retention records of published blobs live (`retention/<kind>/<hh>/<hash>`).
const RETENTION_PREFIX: &str = "retention";
/// Read size when streaming a local file.
const FILE_READ_CHUNK: u64 = 1024 * 1024;

/// A failure to open the configured store.
#[derive(Debug, thiserror::Error)]
pub enum OpenStoreError {
    #[error("invalid store URL {url:?}: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("unknown option {key:?} for this store")]
    UnknownOption { key: String },
    #[error("cannot create local store folder {path}: {source}")]
    CreateFolder { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    ObjectStore(#[from] object_store::Error),
}

/// Why a PUT was not stored.
#[derive(Debug, thiserror::Error)]
pub enum PutError {
    #[error("body is larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("body hashes to {actual}, not to the requested name")]
    HashMismatch { actual: ContentHash },
    #[error("reading the request body failed: {0}")]
    Body(Box<dyn std::error::Error + Send + Sync>),
    #[error("store error: {0}")]
    Store(#[from] object_store::Error),
}

/// A successful PUT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PutOutcome {
    /// Object size in bytes.
    pub size: u64,
    /// False when the object already existed; the stored bytes were then left untouched.
    pub created: bool,
}

/// An object being read.
pub struct BlobRead {
    /// Size of the whole object.
    pub size: u64,
    /// The bytes `stream` yields, as a range of the object.
    pub range: Range<u64>,
    pub stream: BoxStream<'static, Result<Bytes, object_store::Error>>,
}

/// The gateway's view of its backing store.
#[derive(Clone)]
pub struct BlobStore {
    inner: Arc<dyn ObjectStore>,
    /// Root folder when the store is local: multipart staging files live there and are
    /// invisible to `list`, so the sweeper removes stale ones directly.
    local_root: Option<PathBuf>,
}

impl BlobStore {
    /// Opens the store named by `location`: a `file://` URL or plain path (a local folder,
    /// created if missing), `memory://`, or an S3 / GCS / Azure URL (`s3://bucket/prefix`,
    /// `gs://bucket/prefix`, `az://container/prefix`, `https://…`). Cloud stores take their
    /// credentials and settings from the usual environment variables (`AWS_*`, `GOOGLE_*`,
    /// `AZURE_*`) and then from `options` (object_store config keys such as `aws_region`).
    pub fn open(location: &str, options: &[(String, String)]) -> Result<Self, OpenStoreError> {
        let invalid = |reason: String| OpenStoreError::InvalidUrl { url: location.to_string(), reason };
        let url = match Url::parse(location) {
            Ok(url) => url,
            // No scheme: a plain local path.
            Err(url::ParseError::RelativeUrlWithoutBase) => {
                let absolute = std::path::absolute(location).map_err(|e| invalid(e.to_string()))?;
                return Self::open_local(&absolute);
            }
            Err(e) => return Err(invalid(e.to_string())),
        };
        let (scheme, prefix) = ObjectStoreScheme::parse(&url).map_err(|e| invalid(e.to_string()))?;
        let unknown = |key: &str| OpenStoreError::UnknownOption { key: key.to_string() };
        let inner: Arc<dyn ObjectStore> = match scheme {
            ObjectStoreScheme::Local => {
                if !options.is_empty() {
                    return Err(unknown(&options[0].0));
                }
                let path = url.to_file_path().map_err(|()| invalid("not a local file path".into()))?;
                return Self::open_local(&path);
            }
            ObjectStoreScheme::Memory => Arc::new(InMemory::new()),
            ObjectStoreScheme::AmazonS3 => {
                let mut builder = object_store::aws::AmazonS3Builder::from_env().with_url(url.as_str());
                for (key, value) in options {
                    builder = builder.with_config(key.parse().map_err(|_| unknown(key))?, value);
                }
                Arc::new(builder.build()?)
            }
            ObjectStoreScheme::GoogleCloudStorage => {
                let mut builder = object_store::gcp::GoogleCloudStorageBuilder::from_env().with_url(url.as_str());
                for (key, value) in options {
                    builder = builder.with_config(key.parse().map_err(|_| unknown(key))?, value);
                }
                Arc::new(builder.build()?)
            }
            ObjectStoreScheme::MicrosoftAzure => {
                let mut builder = object_store::azure::MicrosoftAzureBuilder::from_env().with_url(url.as_str());
                for (key, value) in options {
                    builder = builder.with_config(key.parse().map_err(|_| unknown(key))?, value);
                }
                Arc::new(builder.build()?)
            }
            other => return Err(invalid(format!("unsupported store scheme {other:?}"))),
        };
        let inner = if prefix.as_ref().is_empty() { inner } else { Arc::new(PrefixStore::new(inner, prefix)) };
        Ok(BlobStore { inner, local_root: None })
    }

    fn open_local(path: &FsPath) -> Result<Self, OpenStoreError> {
        std::fs::create_dir_all(path)
            .map_err(|source| OpenStoreError::CreateFolder { path: path.to_path_buf(), source })?;
        Ok(BlobStore { inner: Arc::new(LocalFileSystem::new_with_prefix(path)?), local_root: Some(path.to_path_buf()) })
    }

    /// The key a published blob lives under.
    pub fn final_path(kind: BlobKind, hash: &ContentHash) -> Path {
        let hex = hash.to_hex();
        Path::from(format!("{kind}/{}/{hex}", &hex[..2]))
    }

    /// The key of the retention record of a published blob.
    pub fn record_path(kind: BlobKind, hash: &ContentHash) -> Path {
        let hex = hash.to_hex();
        Path::from(format!("{RETENTION_PREFIX}/{kind}/{}/{hex}", &hex[..2]))
    }

    /// The retention record of a blob, if one was written.
    pub async fn read_record(&self, kind: BlobKind, hash: &ContentHash) -> Result<Option<Bytes>, object_store::Error> {
        match self.inner.get(&Self::record_path(kind, hash)).await {
            Ok(result) => Ok(Some(result.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Writes (or replaces) the retention record of a blob.
    pub async fn write_record(
        &self,
        kind: BlobKind,
        hash: &ContentHash,
        record: Bytes,
    ) -> Result<(), object_store::Error> {
        self.inner.put(&Self::record_path(kind, hash), PutPayload::from(record)).await.map(|_| ())
    }

    /// Deletes the retention record of a blob (absent is fine).
    pub async fn delete_record(&self, kind: BlobKind, hash: &ContentHash) -> Result<(), object_store::Error> {
        match self.inner.delete(&Self::record_path(kind, hash)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Deletes a published blob (absent is fine).
    pub async fn delete_published(&self, kind: BlobKind, hash: &ContentHash) -> Result<(), object_store::Error> {
        match self.inner.delete(&Self::final_path(kind, hash)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Up to `limit` published blobs of `kind` in the fan-out folder `shard` (0..=255) whose
    /// hash comes after `after`, in hash order, with their last-modified time (unix seconds).
    /// Backends do not all list in order (local folders do not), so the listing is read whole
    /// and only the `limit` smallest are kept: memory stays bounded by `limit`.
    pub async fn list_published(
        &self,
        kind: BlobKind,
        shard: u8,
        after: Option<&ContentHash>,
        limit: usize,
    ) -> Result<Vec<(ContentHash, u64)>, object_store::Error> {
        let prefix = Path::from(format!("{kind}/{shard:02x}"));
        let mut listing = match after {
            Some(after) => self.inner.list_with_offset(Some(&prefix), &Self::final_path(kind, after)),
            None => self.inner.list(Some(&prefix)),
        };
        let mut smallest: std::collections::BinaryHeap<(ContentHash, u64)> = std::collections::BinaryHeap::new();
        while let Some(meta) = listing.try_next().await? {
            let Some(name) = meta.location.filename() else { continue };
            let Ok(hash) = name.parse::<ContentHash>() else { continue };
            if after.is_some_and(|after| hash <= *after) {
                continue;
            }
            let modified = u64::try_from(meta.last_modified.timestamp()).unwrap_or(0);
            smallest.push((hash, modified));
            if smallest.len() > limit {
                smallest.pop();
            }
        }
        Ok(smallest.into_sorted_vec())
    }

    fn upload_path(kind: BlobKind, hash: &ContentHash) -> Path {
        let mut nonce = [0u8; 8];
        rand::thread_rng().fill_bytes(&mut nonce);
        Path::from(format!("{UPLOADS_PREFIX}/{kind}-{}-{}", hash.to_hex(), hex::encode(nonce)))
    }

    /// Size of a published blob, or `None` if there is none.
    pub async fn size_of(&self, kind: BlobKind, hash: &ContentHash) -> Result<Option<u64>, object_store::Error> {
        match self.inner.head(&Self::final_path(kind, hash)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Reads a published blob, whole or a `range` of it (which the caller has checked against
    /// the object's size). `None` if there is no such blob.
    pub async fn read(
        &self,
        kind: BlobKind,
        hash: &ContentHash,
        range: Option<Range<u64>>,
    ) -> Result<Option<BlobRead>, object_store::Error> {
        let options = GetOptions::new().with_range(range.map(GetRange::Bounded));
        match self.inner.get_opts(&Self::final_path(kind, hash), options).await {
            Ok(result) => {
                let size = result.meta.size;
                let range = result.range.clone();
                let stream = match result.payload {
                    GetResultPayload::File(file, path) => file_stream(file, path, range.clone()),
                    GetResultPayload::Stream(stream) => stream,
                };
                Ok(Some(BlobRead { size, range, stream }))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Stores `body` as `kind/hash` if and only if it hashes to `hash` and is at most
    /// `max_bytes` long. Nothing is left behind on failure, an existing object is never
    /// rewritten, and concurrent puts of one hash all succeed with one object stored.
    pub async fn put_verified<S, E>(
        &self,
        kind: BlobKind,
        hash: &ContentHash,
        body: S,
        max_bytes: u64,
    ) -> Result<PutOutcome, PutError>
    where
        S: Stream<Item = Result<Bytes, E>> + Send + Unpin,
        E: std::error::Error + Send + Sync + 'static,
    {
        let final_path = Self::final_path(kind, hash);
        let mut body = LimitedHashingBody::new(body, max_bytes);

        if let Some(size) = self.size_of(kind, hash).await? {
            // Already stored: read the body only to answer honestly whether it matched.
            while body.next_chunk().await?.is_some() {}
            body.check(hash)?;
            return Ok(PutOutcome { size, created: false });
        }

        let mut head = Vec::new();
        let mut buffered = 0usize;
        let first_unbuffered = loop {
            match body.next_chunk().await? {
                None => break None,
                Some(chunk) if buffered + chunk.len() <= BUFFERED_PUT_MAX => {
                    buffered += chunk.len();
                    head.push(chunk);
                }
                Some(chunk) => break Some(chunk),
            }
        };

        let Some(first_unbuffered) = first_unbuffered else {
            body.check(hash)?;
            let created = self.put_small(&final_path, PutPayload::from_iter(head)).await?;
            return Ok(PutOutcome { size: buffered as u64, created });
        };

        let upload_path = Self::upload_path(kind, hash);
        let upload = self.inner.put_multipart(&upload_path).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        let streamed: Result<(), PutError> = async {
            for chunk in head.into_iter().chain(Some(first_unbuffered)) {
                writer.wait_for_capacity(MAX_PARTS_IN_FLIGHT).await?;
                writer.put(chunk);
            }
            while let Some(chunk) = body.next_chunk().await? {
                writer.wait_for_capacity(MAX_PARTS_IN_FLIGHT).await?;
                writer.put(chunk);
            }
            Ok(())
        }
        .await;
        if let Err(e) = streamed {
            if let Err(abort_error) = writer.abort().await {
                tracing::warn!(%upload_path, error = %abort_error, "aborting upload failed");
            }
            return Err(e);
        }
        writer.finish().await?;

        if let Err(e) = body.check(hash) {
            self.delete_quietly(&upload_path).await;
            return Err(e);
        }
        let created = self.publish(&upload_path, &final_path).await?;
        Ok(PutOutcome { size: body.size, created })
    }

    /// Writes verified bytes straight to their final key. Returns whether this call created
    /// the object.
    async fn put_small(&self, final_path: &Path, payload: PutPayload) -> Result<bool, PutError> {
        let create = PutOptions::from(PutMode::Create);
        match self.inner.put_opts(final_path, payload.clone(), create).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::AlreadyExists { .. }) => Ok(false),
            Err(object_store::Error::NotImplemented { .. } | object_store::Error::NotSupported { .. }) => {
                // Backend without conditional puts: the bytes are verified, so an
                // overwrite by a concurrent writer puts back identical content.
                self.inner.put(final_path, payload).await?;
                Ok(true)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Moves a verified upload to its final key without ever replacing an existing object.
    async fn publish(&self, upload_path: &Path, final_path: &Path) -> Result<bool, PutError> {
        let outcome = match self.inner.rename_if_not_exists(upload_path, final_path).await {
            Ok(()) => return Ok(true),
            Err(object_store::Error::AlreadyExists { .. }) => Ok(false),
            Err(object_store::Error::NotImplemented { .. } | object_store::Error::NotSupported { .. }) => {
                self.publish_without_conditional_copy(upload_path, final_path).await
            }
            Err(e) => Err(e.into()),
        };
        self.delete_quietly(upload_path).await;
        outcome
    }

    /// For backends configured without conditional copy (plain S3): copy unless the final key
    /// is already there. A race between two writers copies identical verified bytes.
    async fn publish_without_conditional_copy(&self, upload_path: &Path, final_path: &Path) -> Result<bool, PutError> {
        match self.inner.head(final_path).await {
            Ok(_) => Ok(false),
            Err(object_store::Error::NotFound { .. }) => {
                self.inner.copy(upload_path, final_path).await?;
                Ok(true)
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn delete_quietly(&self, path: &Path) {
        match self.inner.delete(path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => tracing::warn!(%path, error = %e, "deleting temporary upload failed"),
        }
    }

    /// Removes uploads abandoned by a crash (not modified within `max_age`). Returns how many were
    /// removed. Incomplete cloud multipart uploads are not visible here: expire them with a
    /// bucket lifecycle rule (e.g. S3 AbortIncompleteMultipartUpload).
    pub async fn sweep_stale_uploads(&self, max_age: Duration) -> Result<usize, object_store::Error> {
        let cutoff = SystemTime::now().checked_sub(max_age).unwrap_or(SystemTime::UNIX_EPOCH);
        let cutoff_millis = cutoff.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
        let prefix = Path::from(UPLOADS_PREFIX);
        let stale: Vec<Path> = self
            .inner
            .list(Some(&prefix))
            .try_filter(|meta| futures::future::ready(meta.last_modified.timestamp_millis() <= cutoff_millis))
            .map_ok(|meta| meta.location)
            .try_collect()
            .await?;
        for path in &stale {
            self.delete_quietly(path).await;
        }
        let mut removed = stale.len();
        if let Some(root) = &self.local_root {
            let uploads = root.join(UPLOADS_PREFIX);
            removed += tokio::task::spawn_blocking(move || remove_old_files(&uploads, cutoff)).await.unwrap_or(0);
        }
        Ok(removed)
    }
}

/// Streams `range` of a local file in [`FILE_READ_CHUNK`] pieces, one blocking read each.
/// (object_store's own file stream reads 8 KiB per blocking task, which caps local GETs at a
/// few tens of MiB/s.)
fn file_stream(
    file: std::fs::File,
    path: PathBuf,
    range: Range<u64>,
) -> BoxStream<'static, Result<Bytes, object_store::Error>> {
    let read_error = move |source: Box<dyn std::error::Error + Send + Sync>| object_store::Error::Generic {
        store: "LocalFileSystem",
        source: format!("reading {}: {source}", path.display()).into(),
    };
    futures::stream::try_unfold((file, range), move |(mut file, range)| {
        let read_error = read_error.clone();
        async move {
            if range.start >= range.end {
                return Ok(None);
            }
            let len = (range.end - range.start).min(FILE_READ_CHUNK);
            let start = range.start;
            let (file, chunk) = tokio::task::spawn_blocking(move || {
                let mut chunk = vec![0u8; len as usize];
                file.seek(SeekFrom::Start(start))?;
                file.read_exact(&mut chunk)?;
                Ok::<_, std::io::Error>((file, chunk))
            })
            .await
            .map_err(|e| read_error(Box::new(e)))?
            .map_err(|e| read_error(Box::new(e)))?;
            Ok(Some((Bytes::from(chunk), (file, start + len..range.end))))
        }
    })
    .boxed()
}

/// Removes regular files in `dir` last modified at or before `cutoff` (local multipart staging
/// files, named `<key>#<n>`, which object_store's `list` does not show).
fn remove_old_files(dir: &FsPath, cutoff: SystemTime) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let Ok(meta) = entry.metadata() else { continue };
        let old = meta.modified().map(|m| m <= cutoff).unwrap_or(false);
        if meta.is_file() && old && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// A request body read chunk by chunk while it is counted and hashed.
struct LimitedHashingBody<S> {
    inner: S,
    hasher: blake3::Hasher,
    size: u64,
    max_bytes: u64,
}

impl<S, E> LimitedHashingBody<S>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::error::Error + Send + Sync + 'static,
{
    fn new(inner: S, max_bytes: u64) -> Self {
        LimitedHashingBody { inner, hasher: blake3::Hasher::new(), size: 0, max_bytes }
    }

    async fn next_chunk(&mut self) -> Result<Option<Bytes>, PutError> {
        let Some(chunk) = self.inner.next().await else {
            return Ok(None);
        };
        let chunk = chunk.map_err(|e| PutError::Body(Box::new(e)))?;
        self.size += chunk.len() as u64;
        if self.size > self.max_bytes {
            return Err(PutError::TooLarge { limit: self.max_bytes });
        }
        self.hasher.update(&chunk);
        Ok(Some(chunk))
    }

    /// Checks the hash of everything read so far against `expected`.
    fn check(&self, expected: &ContentHash) -> Result<(), PutError> {
        let actual = ContentHash::from(self.hasher.finalize());
        if &actual == expected {
            Ok(())
        } else {
            Err(PutError::HashMismatch { actual })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(parts: Vec<Vec<u8>>) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + Unpin {
        futures::stream::iter(parts.into_iter().map(|p| Ok(Bytes::from(p))))
    }

    fn files_under(dir: &FsPath) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let mut pending = vec![dir.to_path_buf()];
        while let Some(d) = pending.pop() {
            for entry in std::fs::read_dir(&d).unwrap().flatten() {
                if entry.file_type().unwrap().is_dir() {
                    pending.push(entry.path());
                } else {
                    out.push(entry.path());
                }
            }
        }
        out
    }

    #[tokio::test]
    async fn large_body_goes_through_multipart_and_is_published_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path().to_str().unwrap(), &[]).unwrap();
        let data: Vec<u8> = (0..BUFFERED_PUT_MAX + PART_SIZE + 123).map(|i| (i % 251) as u8).collect();
        let hash = ContentHash::of(&data);
        let parts: Vec<Vec<u8>> = data.chunks(1 << 20).map(<[u8]>::to_vec).collect();

        let first = store.put_verified(BlobKind::Output, &hash, body(parts.clone()), u64::MAX).await.unwrap();
        assert_eq!(first, PutOutcome { size: data.len() as u64, created: true });
        let again = store.put_verified(BlobKind::Output, &hash, body(parts), u64::MAX).await.unwrap();
        assert_eq!(again, PutOutcome { size: data.len() as u64, created: false });

        let read = store.read(BlobKind::Output, &hash, None).await.unwrap().unwrap();
        let bytes: Vec<Bytes> = read.stream.try_collect().await.unwrap();
        assert_eq!(bytes.concat(), data);
        // Only the published object remains: no upload leftovers.
        assert_eq!(files_under(dir.path()).len(), 1);
    }

    #[tokio::test]
    async fn large_mismatching_body_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path().to_str().unwrap(), &[]).unwrap();
        let data = vec![9u8; BUFFERED_PUT_MAX + 1];
        let wrong = ContentHash::of(b"something else");
        let result = store.put_verified(BlobKind::Bundle, &wrong, body(vec![data]), u64::MAX).await;
        assert!(matches!(result, Err(PutError::HashMismatch { .. })));
        assert!(files_under(dir.path()).is_empty());
    }

    #[tokio::test]
    async fn oversized_multipart_body_is_aborted() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path().to_str().unwrap(), &[]).unwrap();
        let parts = vec![vec![1u8; BUFFERED_PUT_MAX]; 3];
        let hash = ContentHash::of(&parts.concat());
        let limit = (BUFFERED_PUT_MAX * 2) as u64;
        let result = store.put_verified(BlobKind::Bundle, &hash, body(parts), limit).await;
        assert!(matches!(result, Err(PutError::TooLarge { limit: l }) if l == limit));
        assert!(files_under(dir.path()).is_empty());
    }

    #[test]
    fn store_urls() {
        let dir = tempfile::tempdir().unwrap();
        let url = url::Url::from_directory_path(dir.path().join("nested")).unwrap();
        let local = BlobStore::open(url.as_str(), &[]).unwrap();
        assert_eq!(local.local_root, Some(dir.path().join("nested")));
        assert!(dir.path().join("nested").is_dir());

        let s3_option = [("aws_region".to_string(), "eu-west-1".to_string())];
        assert!(BlobStore::open("s3://bucket/prefix", &s3_option).is_ok());
        let bad_option = [("no_such_key".to_string(), "x".to_string())];
        assert!(matches!(BlobStore::open("s3://bucket", &bad_option), Err(OpenStoreError::UnknownOption { .. })));
        assert!(matches!(BlobStore::open(url.as_str(), &s3_option), Err(OpenStoreError::UnknownOption { .. })));
        assert!(BlobStore::open("memory://", &[]).is_ok());
        assert!(matches!(BlobStore::open("ftp://host/x", &[]), Err(OpenStoreError::InvalidUrl { .. })));
    }

    #[tokio::test]
    async fn sweep_removes_only_old_uploads() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path().to_str().unwrap(), &[]).unwrap();
        let upload = BlobStore::upload_path(BlobKind::Bundle, &ContentHash::of(b"x"));
        store.inner.put(&upload, PutPayload::from_static(b"x")).await.unwrap();
        std::fs::write(dir.path().join(UPLOADS_PREFIX).join("abandoned#1"), b"y").unwrap();

        assert_eq!(store.sweep_stale_uploads(Duration::from_secs(3600)).await.unwrap(), 0);
        assert_eq!(store.sweep_stale_uploads(Duration::ZERO).await.unwrap(), 2);
        assert!(files_under(dir.path()).is_empty());
    }
}
