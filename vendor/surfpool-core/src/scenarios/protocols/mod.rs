#[path = "phoenix-eternal/mod.rs"]
pub mod phoenix_eternal;
pub mod pump;
