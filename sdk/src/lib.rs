//! Edgerun SDK: the one place for PDAs, instruction builders, digests, the bundle codec, chain and
//! storage clients. Services and the CLI import facts from here (and the program crate), never
//! re-declare them.

pub mod bundle;
pub mod storage_auth;
