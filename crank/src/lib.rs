//! The Edgerun crank: the permissionless instructions that move a job through its life when
//! nobody with a stake in it does (`reach_quorum`, `finalize_job`, `penalize_non_submitters`,
//! `cancel_no_da`, `cancel_expired_job`, `close_job`).
//!
//! Why a crate of its own: the `edgerun crank ...` commands, `edgerun job status` and the crank
//! daemon all need the same three things, and each must say the same as the others:
//!
//! - which actions a job's state allows now ([`candidates`]) and why a job is not moving
//!   ([`explain`]), both read from one judgement of the job ([`judge`]), pure and cheap;
//! - how each action's instruction is built from the job alone ([`CrankAction::instruction`]);
//! - a job as people read it ([`view::JobView`]: timeline, committee, output, what it waits for);
//! - sending: one action ([`crank`]) or a bounded pass over every job ([`once`]) ([`run`]);
//! - the crank as a long-running service that sends each action at the first slot it becomes
//!   valid, leaving a committee its own steps for a grace first ([`service`]), with its
//!   `/health` and Prometheus `/metrics`.
//!
//! The program is the arbiter. The candidates only spare pointless simulations; the client
//! simulates every transaction and sends nothing the program refuses, so a wrong guess costs a
//! simulation and is reported by the program's error name, never a fee.

pub mod action;
pub mod judge;
pub mod run;
pub mod service;
pub mod view;

pub use action::CrankAction;
pub use judge::{candidates, committee_step_until, explain, next_change};
pub use run::{
    crank, once, quorum_submitted, submitted, Attempt, AttemptOutcome, CrankError, JobState, OncePolicy, OnceReport,
};
