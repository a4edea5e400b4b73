//! `GET /v1/workers`: every registered worker with its record and whether the scheduler would
//! assign it now, and why not.

use axum::extract::{Query, State};
use axum::Json;
use edgerun_sdk::client::ChainBackend;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::ApiError;
use super::AppState;
use crate::eligibility::Eligibility;

/// `GET /v1/workers`'s query. No other parameter is taken (400 `invalid_query`).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WorkersQuery {
    /// Judge eligibility for this stake lock (lamports); default: the network's minimum worker
    /// stake, the smallest lock any job takes.
    pub lock_lamports: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkerRow {
    pub worker: String,
    pub eligible: bool,
    /// Why not, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Why not, for programs: `inactive`, `insufficient_stake`, `jailed`, `at_capacity`, `too_slow`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<String>,
    /// Set while jailed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jailed_until_slot: Option<u64>,
    pub total_stake_lamports: u64,
    pub locked_stake_lamports: u64,
    pub unlocked_stake_lamports: u64,
    pub rewards_earned_lamports: u64,
    pub slashed_lamports: u64,
    pub penalized_lamports: u64,
    pub jobs_assigned: u64,
    pub jobs_won: u64,
    pub jobs_slashed: u64,
    pub jobs_missed: u64,
    /// Executions it declared it runs at once (0: not declared).
    pub max_concurrent_jobs: u16,
    /// Wasm instructions per second of one execution, as declared (0: not declared).
    pub instructions_per_second: u64,
    /// Failures among the jobs still on chain (what jailing counts).
    pub recent_failures: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkerList {
    pub slot: u64,
    pub lock_lamports: u64,
    pub eligible: usize,
    pub workers: Vec<WorkerRow>,
}

/// Every registered worker, with eligibility for a lock and the reason when not.
#[utoipa::path(get, path = "/v1/workers", params(WorkersQuery), responses(
    (status = 200, description = "The workers", body = WorkerList, example = json!({
        "slot": 4242,
        "lock_lamports": 1_000_000_000,
        "eligible": 1,
        "workers": [{
            "worker": "3Kzh9qAqVWQhEsfQz7zEQL1EuSx5tyNLNS2QgD3bNRqm",
            "eligible": true,
            "total_stake_lamports": 10_000_000_000_u64,
            "locked_stake_lamports": 1_000_000_000,
            "unlocked_stake_lamports": 9_000_000_000_u64,
            "rewards_earned_lamports": 3_000_000,
            "slashed_lamports": 0,
            "penalized_lamports": 0,
            "jobs_assigned": 4,
            "jobs_won": 4,
            "jobs_slashed": 0,
            "jobs_missed": 0,
            "max_concurrent_jobs": 1,
            "instructions_per_second": 250_000_000,
            "recent_failures": 0
        }],
    })),
    (status = 400, description = "An unknown or mistyped parameter (`invalid_query`)", body = super::ErrorResponse),
    (status = 502, description = "The cluster answered something the scheduler cannot read (`chain_error`)", body = super::ErrorResponse),
    (status = 503, description = "The cluster does not answer (`chain_unavailable`)", body = super::ErrorResponse),
))]
pub async fn list_workers<B: ChainBackend>(
    State(state): State<AppState<B>>,
    query: Result<Query<WorkersQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<WorkerList>, ApiError> {
    let Query(query) = query?;
    let lock = query.lock_lamports.unwrap_or_else(|| state.engine.network().min_worker_stake_lamports.get());
    let survey = state.engine.survey(&crate::eligibility::Seat::lock(lock)).await.map_err(ApiError::chain)?;
    // From the engine's picture: a viewer costs the cluster nothing.
    let stakes = state.engine.worker_stakes();
    let workers: Vec<WorkerRow> = survey
        .workers
        .iter()
        .filter_map(|judged| {
            let (_, stake) = stakes.iter().find(|(_, stake)| stake.worker == judged.worker)?;
            Some(row(judged, stake))
        })
        .collect();
    Ok(Json(WorkerList {
        slot: survey.slot,
        lock_lamports: lock,
        eligible: workers.iter().filter(|worker| worker.eligible).count(),
        workers,
    }))
}

fn row(judged: &Eligibility, stake: &edgerun::state::WorkerStake) -> WorkerRow {
    use crate::eligibility::Ineligible;
    let reason_code = judged.ineligible.as_ref().map(|reason| {
        match reason {
            Ineligible::Inactive => "inactive",
            Ineligible::InsufficientStake { .. } => "insufficient_stake",
            Ineligible::Jailed { .. } => "jailed",
            Ineligible::AtCapacity { .. } => "at_capacity",
            Ineligible::TooSlow { .. } => "too_slow",
        }
        .to_string()
    });
    WorkerRow {
        worker: judged.worker.to_string(),
        eligible: judged.eligible,
        reason: judged.ineligible.as_ref().map(Ineligible::describe),
        reason_code,
        jailed_until_slot: match judged.ineligible {
            Some(Ineligible::Jailed { until_slot, .. }) => Some(until_slot),
            _ => None,
        },
        total_stake_lamports: stake.total_stake.get(),
        locked_stake_lamports: stake.locked_stake.get(),
        unlocked_stake_lamports: stake.unlocked_stake(),
        rewards_earned_lamports: stake.rewards_earned.get(),
        max_concurrent_jobs: stake.max_concurrent_jobs.get(),
        instructions_per_second: stake.instructions_per_second.get(),
        slashed_lamports: stake.slashed_lamports.get(),
        penalized_lamports: stake.penalized_lamports.get(),
        jobs_assigned: stake.jobs_assigned.get(),
        jobs_won: stake.jobs_won.get(),
        jobs_slashed: stake.jobs_slashed.get(),
        jobs_missed: stake.jobs_missed.get(),
        recent_failures: judged.recent_failures.len(),
    }
}
