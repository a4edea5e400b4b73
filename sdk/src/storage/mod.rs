//! What the storage gateway and its clients share: the names of stored objects (which kind of
//! blob, and its BLAKE3 content hash) and the JSON bodies of the gateway's answers. The server
//! (`edgerun-storage-gateway`) and [`StorageClient`] (feature `storage-client`) both use these
//! definitions, so the wire format has one definition.

#[cfg(feature = "storage-client")]
mod client;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[cfg(feature = "storage-client")]
pub use client::{StorageClient, StorageError, DEFAULT_MAX_DOWNLOAD_BYTES};

/// The two kinds of content-addressed blob the gateway stores. Each has its own namespace,
/// size cap and write rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlobKind {
    Bundle,
    Output,
}

impl BlobKind {
    pub const ALL: [BlobKind; 2] = [BlobKind::Bundle, BlobKind::Output];

    /// The URL segment and store prefix of this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            BlobKind::Bundle => "bundle",
            BlobKind::Output => "output",
        }
    }
}

impl fmt::Display for BlobKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A BLAKE3-256 hash, written as exactly 64 lowercase hex characters.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ContentHash(pub [u8; 32]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected a BLAKE3 hash as 64 lowercase hex characters")]
pub struct MalformedHash;

impl ContentHash {
    pub fn of(bytes: &[u8]) -> Self {
        ContentHash(*blake3::hash(bytes).as_bytes())
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl From<blake3::Hash> for ContentHash {
    fn from(hash: blake3::Hash) -> Self {
        ContentHash(*hash.as_bytes())
    }
}

impl FromStr for ContentHash {
    type Err = MalformedHash;

    // Only lowercase is accepted so that every object has exactly one name.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.len() != 64 || !text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(MalformedHash);
        }
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text, &mut bytes).map_err(|_| MalformedHash)?;
        Ok(ContentHash(bytes))
    }
}

impl fmt::Display for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ContentHash({})", self.to_hex())
    }
}

/// JSON body of every error answer of the gateway: `{"error": "<message>", "code": "<code>"}`,
/// with a stable `code` that clients and metrics rely on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
    pub code: String,
}

/// Answer to a successful PUT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PutResponse {
    pub kind: String,
    pub hash: String,
    pub size: u64,
    /// False when the object was already stored (nothing was rewritten).
    pub created: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_lowercase_64_hex() {
        let hash = ContentHash::of(b"abc");
        assert_eq!(hash.to_hex().parse::<ContentHash>(), Ok(hash));
        assert_eq!(hash.to_hex().to_uppercase().parse::<ContentHash>(), Err(MalformedHash));
        assert_eq!(hash.to_hex()[..62].parse::<ContentHash>(), Err(MalformedHash));
        assert_eq!(format!("{}0", hash.to_hex()).parse::<ContentHash>(), Err(MalformedHash));
        assert_eq!("zz".repeat(32).parse::<ContentHash>(), Err(MalformedHash));
    }
}
