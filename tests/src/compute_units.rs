//! Compute units of every Edgerun instruction at committee sizes 3 and 9, measured on the real
//! `.so` in LiteSVM. Used by the `compute-units` binary (which writes `docs/compute-units.md`) and
//! by the budget test.

use edgerun_sdk::instructions as ix;
use solana_address::Address;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::svm::{honest_output, wrong_output, TestEnv, INPUT_UNAVAILABLE};

/// One measured instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Measurement {
    pub instruction: &'static str,
    /// Committee size of the job it ran on (0: not job related).
    pub committee_size: usize,
    pub compute_units: u64,
}

/// Escrow that selects a committee of `size` through the frozen tier table.
pub fn escrow_for_committee(size: usize) -> u64 {
    match size {
        3 => 50_000_000,
        5 => 500_000_000,
        7 => 5_000_000_000,
        9 => 20_000_000_000,
        other => panic!("no tier has a committee of {other}"),
    }
}

fn record(out: &mut Vec<Measurement>, instruction: &'static str, committee_size: usize, compute_units: u64) {
    out.push(Measurement { instruction, committee_size, compute_units });
}

/// Measures every instruction; job instructions at each committee size of `sizes`.
pub fn measure_all(sizes: &[usize]) -> Vec<Measurement> {
    let mut out = Vec::new();
    let mut env = TestEnv::uninitialized();
    let admin = env.admin.insecure_clone();
    let scheduler = env.scheduler.insecure_clone();
    let randomness = env.randomness.insecure_clone();
    let params = env.params;

    record(&mut out, "initialize_config", 0, env.send_ok(&[ix::initialize_config(&admin.pubkey(), params)], &[&admin]));
    record(&mut out, "update_config", 0, env.send_ok(&[ix::update_config(&admin.pubkey(), params)], &[&admin]));
    let successor = env.new_actor(1_000_000_000);
    record(
        &mut out,
        "propose_admin",
        0,
        env.send_ok(&[ix::propose_admin(&admin.pubkey(), &successor.pubkey())], &[&admin]),
    );
    record(&mut out, "accept_admin", 0, env.send_ok(&[ix::accept_admin(&successor.pubkey())], &[&successor]));
    // Hand the role back: the rest of the run (withdraw_treasury) signs as the original admin.
    env.send_ok(&[ix::propose_admin(&successor.pubkey(), &admin.pubkey())], &[&successor]);
    env.send_ok(&[ix::accept_admin(&admin.pubkey())], &[&admin]);
    let worker = env.new_actor(2_000_000_000);
    record(&mut out, "register_worker", 0, env.send_ok(&[ix::register_worker(&worker.pubkey())], &[&worker]));
    record(
        &mut out,
        "deposit_stake",
        0,
        env.send_ok(&[ix::deposit_stake(&worker.pubkey(), 1_000_000_000)], &[&worker]),
    );
    record(&mut out, "withdraw_stake", 0, env.send_ok(&[ix::withdraw_stake(&worker.pubkey(), 1_000)], &[&worker]));
    record(
        &mut out,
        "set_worker_capacity",
        0,
        env.send_ok(&[ix::set_worker_capacity(&worker.pubkey(), 4, 1_000_000_000)], &[&worker]),
    );
    let client = env.new_actor(1_000_000_000_000);
    let job = env.post_job(&client, 10_000_000);
    record(&mut out, "cancel_job", 0, env.send_ok(&[ix::cancel_job(&client.pubkey(), &job.job_id)], &[&client]));

    for &size in sizes {
        let escrow = escrow_for_committee(size);
        let stake = escrow * 2;
        let workers: Vec<Keypair> = (0..size).map(|_| env.new_worker(stake)).collect();
        let refs: Vec<&Keypair> = workers.iter().collect();
        let committee: Vec<Address> = workers.iter().map(|w| w.pubkey()).collect();

        // Happy path: everyone honest but the last, which lies.
        let args = env.job_args(&client.pubkey(), escrow);
        let job = crate::svm::TestJob {
            job_id: args.job_id,
            bundle_hash: args.bundle_hash,
            runtime_id: args.runtime_id,
            client: client.pubkey(),
        };
        record(&mut out, "post_job", size, env.send_ok(&[ix::post_job(&client.pubkey(), args)], &[&client]));
        record(
            &mut out,
            "set_job_seed",
            size,
            env.send_ok(&[ix::set_job_seed(&randomness.pubkey(), &job.job_id, [1; 32])], &[&randomness]),
        );
        record(
            &mut out,
            "assign_workers",
            size,
            env.send_ok(&[ix::assign_workers(&scheduler.pubkey(), &job.job_id, &committee)], &[&scheduler]),
        );
        let mut submit_max = 0;
        for (index, worker) in workers.iter().enumerate() {
            let output = if index + 1 == size { wrong_output() } else { honest_output() };
            let instructions = env.submit_instructions(&job, worker, output);
            submit_max = submit_max.max(env.send_ok(&instructions, &[worker]));
        }
        record(&mut out, "submit_result", size, submit_max);
        record(&mut out, "reach_quorum", size, env.send_ok(&[ix::reach_quorum(&job.job_id, &committee)], &[]));
        record(
            &mut out,
            "declare_output",
            size,
            env.send_ok(
                &[ix::declare_output(
                    &workers[0].pubkey(),
                    &job.job_id,
                    honest_output(),
                    b"http://127.0.0.1:8080/output/x",
                )],
                &[&workers[0]],
            ),
        );
        record(&mut out, "finalize_job", size, env.send_ok(&[ix::finalize_job(&job.job_id, &committee)], &[]));
        let retention = env.config().job_retention_slots.get();
        env.warp_by(retention);
        let closed = env.job(&job.job_id);
        record(&mut out, "close_job", size, env.send_ok(&[ix::close_job(&closed)], &[]));

        // Silence: only a quorum submits; the rest are penalized, one is reassigned.
        let job = env.assigned_job(&client, escrow, &refs);
        let quorum = usize::from(env.job(&job.job_id).quorum);
        for worker in &workers[..quorum - 1] {
            env.submit(&job, worker, honest_output()).expect("submit");
        }
        let deadline = env.job(&job.job_id).deadline_slot.get();
        env.warp_to(deadline + 1);
        record(
            &mut out,
            "penalize_non_submitters",
            size,
            env.send_ok(&[ix::penalize_non_submitters(&job.job_id, &committee)], &[]),
        );
        let replacement = env.new_worker(stake);
        record(
            &mut out,
            "reassign_missing",
            size,
            env.send_ok(
                &[ix::reassign_missing(&scheduler.pubkey(), &job.job_id, &committee[size - 1], &replacement.pubkey())],
                &[&scheduler],
            ),
        );
        let now_committee = env.committee(&job);
        let deadline = env.job(&job.job_id).deadline_slot.get();
        let grace = env.config().challenge_window_slots.get();
        env.warp_to(deadline + grace + 1);
        record(
            &mut out,
            "cancel_expired_job",
            size,
            env.send_ok(&[ix::cancel_expired_job(&job.job_id, &client.pubkey(), &now_committee)], &[]),
        );

        // DA lapse: quorum reached, nobody declares.
        let job = env.assigned_job(&client, escrow, &refs);
        for worker in &workers {
            env.submit(&job, worker, honest_output()).expect("submit");
        }
        env.send_ok(&[ix::reach_quorum(&job.job_id, &committee)], &[]);
        let da_deadline = env.job(&job.job_id).da_deadline_slot.get();
        env.warp_to(da_deadline + 1);
        record(&mut out, "cancel_no_da", size, env.send_ok(&[ix::cancel_no_da(&job.job_id, &committee)], &[]));

        // Input unavailable: every member but the last could not get the input; the last answered.
        let job = env.assigned_job(&client, escrow, &refs);
        for (index, worker) in workers.iter().enumerate() {
            let output = if index + 1 == size { honest_output() } else { INPUT_UNAVAILABLE };
            env.submit(&job, worker, output).expect("submit");
        }
        record(
            &mut out,
            "settle_input_unavailable",
            size,
            env.send_ok(&[ix::settle_input_unavailable(&job.job_id, &client.pubkey(), &committee)], &[]),
        );
    }
    let treasury_recipient = env.keypair();
    record(
        &mut out,
        "withdraw_treasury",
        0,
        env.send_ok(&[ix::withdraw_treasury(&admin.pubkey(), &treasury_recipient.pubkey(), 10_000_000)], &[&admin]),
    );
    out
}

/// The table of `docs/compute-units.md`.
pub fn render_markdown(measurements: &[Measurement], sizes: &[usize]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for m in measurements {
        if !names.contains(&m.instruction) {
            names.push(m.instruction);
        }
    }
    let mut text = String::from(
        "# Compute units\n\nMeasured on the real `target/deploy/edgerun.so` in LiteSVM 0.16 by\n`cargo run -p edgerun-tests --bin compute-units` (which rewrites this file). `submit_result` is\nthe largest of a committee's submissions; committee sizes come from the frozen escrow tiers. The\ntest keys are derived from a counter (`TestEnv::keypair`), so PDA bump searches and every figure\nrepeat exactly from run to run.\n\n",
    );
    text.push_str("| instruction |");
    for size in sizes {
        text.push_str(&format!(" committee {size} |"));
    }
    text.push_str("\n|---|");
    for _ in sizes {
        text.push_str("---:|");
    }
    text.push('\n');
    for name in names {
        text.push_str(&format!("| `{name}` |"));
        for size in sizes {
            let value = measurements
                .iter()
                .find(|m| m.instruction == name && (m.committee_size == *size || m.committee_size == 0))
                .map(|m| format!(" {} |", m.compute_units))
                .unwrap_or_else(|| " |".into());
            text.push_str(&value);
        }
        text.push('\n');
    }
    text.push_str(
        "\n`submit_result` and `declare_output` create their account with the job's rent reserve (the system\nprogram's `Allocate` and `Assign`, signed by the PDA's seeds, then a direct debit of the Job);\n`settle_input_unavailable` is measured with every member but one attesting the input unavailable.\n",
    );
    text.push_str("\nBudgets checked by `tests/tests/compute_units.rs`: `submit_result` <= 25,000; `reach_quorum` (9) <= 60,000;\n`finalize_job` (9) <= 150,000; `settle_input_unavailable` (9) <= 150,000; every instruction <= 200,000.\n");
    text
}
