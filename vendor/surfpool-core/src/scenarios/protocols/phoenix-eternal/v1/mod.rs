pub mod collateral;
pub mod state_builder;
