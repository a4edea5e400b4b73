//! One module per instruction, in job-lifecycle order after the setup ones.

pub mod accept_admin;
pub mod deposit_stake;
pub mod initialize_config;
pub mod propose_admin;
pub mod register_worker;
pub mod update_config;
pub mod withdraw_stake;
pub mod withdraw_treasury;

pub mod assign_workers;
pub mod cancel_expired_job;
pub mod cancel_job;
pub mod cancel_no_da;
pub mod close_job;
pub mod declare_output;
pub mod finalize_job;
pub mod penalize_non_submitters;
pub mod post_job;
pub mod reach_quorum;
pub mod reassign_missing;
pub mod set_job_seed;
pub mod submit_result;

pub use accept_admin::*;
pub use assign_workers::*;
pub use cancel_expired_job::*;
pub use cancel_job::*;
pub use cancel_no_da::*;
pub use close_job::*;
pub use declare_output::*;
pub use deposit_stake::*;
pub use finalize_job::*;
pub use initialize_config::*;
pub use penalize_non_submitters::*;
pub use post_job::*;
pub use propose_admin::*;
pub use reach_quorum::*;
pub use reassign_missing::*;
pub use register_worker::*;
pub use set_job_seed::*;
pub use submit_result::*;
pub use update_config::*;
pub use withdraw_stake::*;
pub use withdraw_treasury::*;
