//! Bundle codec (owned by the runtime work, issue 3).
