//! Names of stored objects: which kind of blob, and its BLAKE3 content hash. Defined in the SDK,
//! which the gateway's clients share.

pub use edgerun_sdk::storage::{BlobKind, ContentHash, MalformedHash};
