//! `GET /v1/workers`: every registered worker with its record and whether the scheduler would
//! assign it now, and why not.

use axum::extract::{Query, State};
use axum::Json;
use edgerun_sdk::client::ChainBackend;
use edgerun_sdk::standing::{Ineligible, WorkerFigures};
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

/// The row of a judged worker: its figures as the sdk reads them (what `edgerun worker status`
/// shows), the judgement's reason by the sdk's names.
fn row(judged: &Eligibility, stake: &edgerun::state::WorkerStake) -> WorkerRow {
    let figures = WorkerFigures::of(stake);
    WorkerRow {
        worker: figures.worker,
        eligible: judged.eligible,
        reason: judged.ineligible.as_ref().map(Ineligible::describe),
        reason_code: judged.ineligible.as_ref().map(|reason| reason.code().to_string()),
        jailed_until_slot: judged.ineligible.as_ref().and_then(Ineligible::jailed_until_slot),
        total_stake_lamports: figures.total_stake_lamports,
        locked_stake_lamports: figures.locked_stake_lamports,
        unlocked_stake_lamports: figures.unlocked_stake_lamports,
        rewards_earned_lamports: figures.rewards_earned_lamports,
        max_concurrent_jobs: figures.max_concurrent_jobs,
        instructions_per_second: figures.instructions_per_second,
        slashed_lamports: figures.slashed_lamports,
        penalized_lamports: figures.penalized_lamports,
        jobs_assigned: figures.jobs_assigned,
        jobs_won: figures.jobs_won,
        jobs_slashed: figures.jobs_slashed,
        jobs_missed: figures.jobs_missed,
        recent_failures: judged.recent_failures.len(),
    }
}

#[cfg(test)]
mod tests {
    use bytemuck::Zeroable;
    use edgerun::state::WorkerStake;
    use edgerun_sdk::standing::{JailPolicy, WorkerFigures};

    use crate::eligibility::{assess, OpenWork, Seat};

    /// The row shows the sdk's figures, each under the sdk's name and with its value (what
    /// `edgerun worker status` shows), so the two readings cannot drift apart.
    #[test]
    fn the_row_carries_every_figure_of_the_sdk() {
        let mut stake = WorkerStake::zeroed();
        stake.worker = solana_address::Address::new_from_array([7; 32]);
        stake.total_stake = 100.into();
        stake.locked_stake = 250.into();
        stake.rewards_earned = 3.into();
        stake.jobs_missed = 4.into();
        stake.max_concurrent_jobs = 2.into();
        let judged = assess(&stake, &Seat::lock(1), &[], &JailPolicy::default(), 0, OpenWork::default());
        let row = serde_json::to_value(super::row(&judged, &stake)).unwrap();
        let figures = serde_json::to_value(WorkerFigures::of(&stake)).unwrap();
        for (name, value) in figures.as_object().unwrap() {
            assert_eq!(row.get(name), Some(value), "{name}: {row:#}");
        }
        assert_eq!((&row["eligible"], &row["reason_code"]), (&false.into(), &"insufficient_stake".into()));
    }
}
