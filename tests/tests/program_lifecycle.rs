//! Success paths of every instruction on the real `.so`, with every balance checked to the lamport.

use edgerun::state::{Job, JobResult, JobStatus, OutputAvailability, WorkerStake};
use edgerun_sdk::{instructions as ix, pda};
use edgerun_tests::svm::{honest_output, wrong_output, TestEnv};
use solana_signer::Signer;

#[test]
fn whole_lifecycle_in_four_transaction_steps() {
    let mut env = TestEnv::new();
    let client = env.new_actor(10_000_000_000);
    let workers = [env.new_worker(100_000_000), env.new_worker(100_000_000), env.new_worker(100_000_000)];
    let escrow = 50_000_001; // tier 0: 3 workers, quorum 2
    let treasury_before = env.balance(&pda::treasury_address());
    let client_before = env.balance(&client.pubkey());
    let wallets_before: Vec<u64> = workers.iter().map(|w| env.balance(&w.pubkey())).collect();
    let stake_lamports_before: Vec<u64> =
        workers.iter().map(|w| env.balance(&pda::worker_stake_address(&w.pubkey()))).collect();

    // 1. post_job
    let args = env.job_args(&client.pubkey(), escrow);
    let job_id = args.job_id;
    let job_ref = edgerun_tests::svm::TestJob {
        job_id,
        bundle_hash: args.bundle_hash,
        runtime_id: args.runtime_id,
        client: client.pubkey(),
    };
    env.send_ok(&[ix::post_job(&client.pubkey(), args)], &[&client]);
    // The customer pays the Job's rent, the escrow and the rent reserve: 3 JobResults and the
    // OutputAvailability, so that no worker fronts rent.
    let job_rent = env.rent_of::<Job>();
    let (result_rent, output_rent) = (env.rent_of::<JobResult>(), env.rent_of::<OutputAvailability>());
    let reserve = 3 * result_rent + output_rent;
    assert_eq!(env.balance(&client.pubkey()), client_before - escrow - job_rent - reserve);
    assert_eq!(env.balance(&pda::job_address(&job_id)), job_rent + escrow + reserve);
    let job = env.job(&job_id);
    assert_eq!((job.committee_size, job.quorum, job.status()), (3, 2, Ok(JobStatus::Posted)));
    assert_eq!(job.required_lock.get(), 25_000_000);
    assert_eq!((job.posted_escrow_lamports.get(), job.rent_reserve()), (escrow, reserve));

    // 2. set_job_seed + assign_workers
    let randomness = env.randomness.insecure_clone();
    let scheduler = env.scheduler.insecure_clone();
    let committee: Vec<_> = workers.iter().map(|w| w.pubkey()).collect();
    env.send_ok(
        &[
            ix::set_job_seed(&randomness.pubkey(), &job_id, [9u8; 32]),
            ix::assign_workers(&scheduler.pubkey(), &job_id, &committee),
        ],
        &[&randomness, &scheduler],
    );
    let job = env.job(&job_id);
    assert_eq!(job.status(), Ok(JobStatus::Assigned));
    assert!(job.seed_set.get());
    assert_eq!(job.committee(), committee.as_slice());
    assert_eq!(job.deadline_slot.get(), env.slot() + env.config().challenge_window_slots.get());
    for worker in &workers {
        assert_eq!(env.stake(&worker.pubkey()).locked_stake.get(), 25_000_000);
    }

    // 3. one submission per worker: two honest, one lying
    let outputs = [honest_output(), honest_output(), wrong_output()];
    for (worker, output) in workers.iter().zip(outputs) {
        let result = env.submit(&job_ref, worker, output);
        assert!(result.is_ok(), "{:?}", result.err().map(|f| f.meta.logs));
    }
    // Each JobResult's rent came out of the job's reserve; the workers' wallets did not move.
    for (index, worker) in workers.iter().enumerate() {
        assert_eq!(env.balance(&worker.pubkey()), wallets_before[index]);
        assert_eq!(env.balance(&pda::job_result_address(&job_id, &worker.pubkey())), result_rent);
        assert_eq!(env.job_result(&job_id, &worker.pubkey()).unwrap().output_hash, outputs[index]);
    }
    assert_eq!(env.job(&job_id).rent_reserve(), output_rent);
    assert_eq!(env.balance(&pda::job_address(&job_id)), job_rent + escrow + output_rent);

    // 4. reach_quorum + declare_output + finalize_job, by a winner
    let winner = &workers[0];
    let pointer = format!("http://127.0.0.1:8080/output/{}", hex(&honest_output()));
    env.send_ok(
        &[
            ix::reach_quorum(&job_id, &committee),
            ix::declare_output(&winner.pubkey(), &job_id, honest_output(), pointer.as_bytes()),
            ix::finalize_job(&job_id, &committee),
        ],
        &[winner],
    );

    let job = env.job(&job_id);
    assert_eq!(job.status(), Ok(JobStatus::Finalized));
    assert_eq!(job.winning_output_hash, honest_output());
    assert_eq!(job.escrow_lamports.get(), 0);
    let output = env.output(&job_id).unwrap();
    assert_eq!(output.output_hash, honest_output());
    assert_eq!(output.publisher, winner.pubkey());
    assert_eq!(output.pointer_bytes(), pointer.as_bytes());

    // fee = floor(50_000_001 * 250 / 10_000) = 1_250_000; pool 48_750_001 = 2 * 24_375_000 + 1.
    let (fee, share, remainder, lock) = (1_250_000, 24_375_000, 1, 25_000_000);
    // The reserve paid for the OutputAvailability too: it is spent, exactly.
    assert_eq!(job.rent_reserve(), 0);
    assert_eq!(env.balance(&pda::output_address(&job_id)), output_rent);
    assert_eq!(env.balance(&pda::job_address(&job_id)), job_rent);
    assert_eq!(env.balance(&pda::treasury_address()), treasury_before + fee + remainder + lock);
    for index in 0..2 {
        let stake = env.stake(&workers[index].pubkey());
        assert_eq!(stake.total_stake.get(), 100_000_000 + share);
        assert_eq!(stake.locked_stake.get(), 0);
        assert_eq!(stake.rewards_earned.get(), share);
        assert_eq!(
            env.balance(&pda::worker_stake_address(&workers[index].pubkey())),
            stake_lamports_before[index] + share
        );
    }
    let liar = env.stake(&workers[2].pubkey());
    assert_eq!(
        (liar.total_stake.get(), liar.locked_stake.get(), liar.slashed_lamports.get()),
        (100_000_000 - lock, 0, lock)
    );
    assert_eq!(env.balance(&pda::worker_stake_address(&workers[2].pubkey())), stake_lamports_before[2] - lock);
    for (index, worker) in workers.iter().enumerate() {
        assert_eq!(env.balance(&worker.pubkey()), wallets_before[index], "worker {index} fronted rent");
    }
    let treasury = env.treasury();
    assert_eq!(treasury.fees_collected.get(), fee + remainder);
    assert_eq!(treasury.slashes_collected.get(), lock);

    // close_job after the retention window returns every rent to the customer, who paid it all:
    // the customer is out exactly the escrow it paid for the work.
    let retention = env.config().job_retention_slots.get();
    env.warp_by(retention);
    env.send_ok(&[ix::close_job(&job)], &[]);
    assert!(env.svm.get_account(&pda::job_address(&job_id)).is_none_or(|a| a.lamports == 0));
    assert_eq!(env.balance(&client.pubkey()), client_before - escrow);
    for (index, worker) in workers.iter().enumerate() {
        assert_eq!(env.balance(&worker.pubkey()), wallets_before[index]);
        assert!(env.job_result(&job_id, &worker.pubkey()).is_none());
    }
    assert!(env.output(&job_id).is_none());
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn stake_deposit_and_withdraw_move_exact_lamports() {
    let mut env = TestEnv::new();
    let worker = env.new_actor(5_000_000_000);
    let before = env.balance(&worker.pubkey());
    env.send_ok(&[ix::register_worker(&worker.pubkey())], &[&worker]);
    let rent = env.rent_of::<WorkerStake>();
    assert_eq!(env.balance(&worker.pubkey()), before - rent);
    env.send_ok(&[ix::deposit_stake(&worker.pubkey(), 700_000_000)], &[&worker]);
    env.send_ok(&[ix::withdraw_stake(&worker.pubkey(), 200_000_000)], &[&worker]);
    assert_eq!(env.balance(&worker.pubkey()), before - rent - 500_000_000);
    assert_eq!(env.stake(&worker.pubkey()).total_stake.get(), 500_000_000);
    assert_eq!(env.balance(&pda::worker_stake_address(&worker.pubkey())), rent + 500_000_000);
    env.send_ok(&[ix::withdraw_stake(&worker.pubkey(), 500_000_000)], &[&worker]);
    assert_eq!(env.balance(&pda::worker_stake_address(&worker.pubkey())), rent);
}
