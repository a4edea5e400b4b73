//! Signed storage write requests (owned by the storage gateway work, issue 4).
