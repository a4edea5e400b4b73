//! Compute-unit budgets of the program and the size of the largest transaction, on the real `.so`.

use edgerun_sdk::instructions as ix;
use edgerun_tests::compute_units::{measure_all, render_markdown, Measurement};
use edgerun_tests::svm::TestEnv;
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_message::Message;
use solana_signer::Signer;

/// Largest legacy transaction Solana accepts (`PACKET_DATA_SIZE`).
const MAX_TRANSACTION_BYTES: usize = 1232;

fn cu(measurements: &[Measurement], instruction: &str, committee_size: usize) -> u64 {
    measurements
        .iter()
        .find(|m| m.instruction == instruction && (m.committee_size == committee_size || m.committee_size == 0))
        .unwrap_or_else(|| panic!("{instruction} ({committee_size}) not measured"))
        .compute_units
}

#[test]
fn every_instruction_within_its_compute_budget() {
    let sizes = [3, 9];
    let measurements = measure_all(&sizes);
    println!("{}", render_markdown(&measurements, &sizes));
    for size in sizes {
        assert!(cu(&measurements, "submit_result", size) <= 25_000, "submit_result ({size})");
    }
    assert!(cu(&measurements, "reach_quorum", 9) <= 60_000, "reach_quorum (9)");
    assert!(cu(&measurements, "finalize_job", 9) <= 150_000, "finalize_job (9)");
    assert!(cu(&measurements, "settle_input_unavailable", 9) <= 150_000, "settle_input_unavailable (9)");
    assert!(cu(&measurements, "set_worker_capacity", 0) > 0, "set_worker_capacity measured");
    for m in &measurements {
        assert!(m.compute_units <= 200_000, "{m:?}");
        assert!(m.compute_units > 0, "{m:?}");
    }
}

#[test]
fn finalize_for_nine_workers_fits_one_legacy_transaction() {
    let mut env = TestEnv::new();
    let client = env.new_actor(100_000_000_000);
    let workers: Vec<_> = (0..9).map(|_| env.new_worker(40_000_000_000)).collect();
    let refs: Vec<_> = workers.iter().collect();
    let committee: Vec<_> = workers.iter().map(|w| w.pubkey()).collect();
    let job = env.assigned_job(&client, 20_000_000_000, &refs);
    for worker in &workers {
        env.submit(&job, worker, edgerun_tests::svm::honest_output()).expect("submit");
    }
    env.send_ok(&[ix::reach_quorum(&job.job_id, &committee)], &[]);
    env.send_ok(
        &[ix::declare_output(&workers[0].pubkey(), &job.job_id, edgerun_tests::svm::honest_output(), b"p")],
        &[&workers[0]],
    );

    // A crank (the fee payer) with a compute-budget instruction and finalize_job for 9 workers.
    let instructions = [
        ComputeBudgetInstruction::set_compute_unit_limit(200_000),
        ComputeBudgetInstruction::set_compute_unit_price(1),
        ix::finalize_job(&job.job_id, &committee),
    ];
    let message = Message::new(&instructions, Some(&env.fee_payer.pubkey()));
    let signatures = usize::from(message.header.num_required_signatures);
    let size = 1 + 64 * signatures + message.serialize().len();
    println!("finalize_job (9 workers) legacy transaction: {size} bytes");
    assert!(size <= MAX_TRANSACTION_BYTES, "{size} bytes > {MAX_TRANSACTION_BYTES}");
    let compute_units = env.send_ok(&instructions, &[]);
    assert!(compute_units <= 150_000 + 300, "{compute_units}");
    assert_eq!(env.job(&job.job_id).status(), Ok(edgerun::state::JobStatus::Finalized));
}
