//! No worker fronts rent. `post_job` takes from the customer, beside the Job's rent and the
//! escrow, a rent reserve: one JobResult per committee slot and one OutputAvailability. Every
//! account a member or the winner creates is paid from it, so a worker's wallet moves by its
//! transaction fees only; `close_job` hands every lamport of the job's accounts (the reserve's
//! rest, the results, the output, whatever a stranger sent to them) back to the customer.

use edgerun::errors::EdgerunError;
use edgerun::state::{Job, JobResult, JobStatus, OutputAvailability};
use edgerun_sdk::{instructions as ix, pda};
use edgerun_tests::compute_units::escrow_for_committee;
use edgerun_tests::svm::{assert_error, honest_output, wrong_output, TestEnv, TestJob};
use solana_address::Address;
use solana_instruction::{AccountMeta, Instruction};
use solana_signer::Signer;

use super::{World, ESCROW, LOCK, PENALTY, STAKE};

/// Sends `instructions` with `worker` paying the fee; returns the fee.
#[track_caller]
fn paid_by(world: &mut World, worker: usize, instructions: &[Instruction]) -> u64 {
    let worker = world.workers[worker].insecure_clone();
    match world.env.send_paid_by(&worker, instructions, &[&worker]) {
        Ok(meta) => {
            assert!(meta.fee > 0, "a transaction without a fee proves nothing about the wallet");
            meta.fee
        }
        Err(failed) => panic!("transaction failed: {:?}\n{:#?}", failed.err, failed.meta.logs),
    }
}

/// Worker `worker`'s attested submission of `output`, paid by the worker; returns the fee.
#[track_caller]
fn submit_paying(world: &mut World, job: &TestJob, worker: usize, output: [u8; 32]) -> u64 {
    let instructions = world.env.submit_instructions(job, &world.workers[worker], output);
    paid_by(world, worker, &instructions)
}

fn reserve(world: &World, job: &TestJob) -> u64 {
    world.env.job(&job.job_id).rent_reserve()
}

/// Posts, seeds and assigns a tier-0 job to workers 0, 1, 2; checks what `post_job` took from the
/// customer. Returns the job and the customer's balance before posting.
fn posted_and_assigned(world: &mut World) -> (TestJob, u64) {
    let client = world.client.pubkey();
    let before = world.env.balance(&client);
    let job = world.assigned();
    let capital = world.env.job_capital(3, ESCROW);
    assert_eq!(world.env.balance(&client), before - capital.total(), "post_job took {capital:?}");
    (job, before)
}

#[test]
fn workers_pay_only_their_fees_and_the_customer_gets_every_rent_back() {
    let mut world = World::new(3);
    let wallets: Vec<u64> = (0..3).map(|w| world.env.balance(&world.address(w))).collect();
    let mut fees = [0u64; 3];
    let (job, client_before) = posted_and_assigned(&mut world);
    let (result_rent, output_rent) = (world.env.rent_of::<JobResult>(), world.env.rent_of::<OutputAvailability>());
    let capital = world.env.job_capital(3, ESCROW);
    println!(
        "customer capital of a 3-member job: {} lamports = Job rent {} + escrow {} + rent reserve {} \
         (3 JobResults x {result_rent} + OutputAvailability {output_rent})",
        capital.total(),
        capital.job_rent,
        capital.escrow,
        capital.rent_reserve,
    );
    assert_eq!(capital.rent_reserve, 3 * result_rent + output_rent);
    let state = world.env.job(&job.job_id);
    assert_eq!(
        (state.posted_escrow_lamports.get(), state.escrow_lamports.get(), state.rent_reserve()),
        (ESCROW, ESCROW, capital.rent_reserve)
    );
    assert_eq!(world.env.balance(&pda::job_address(&job.job_id)), capital.total());

    // Each submission: the worker pays its fee, the reserve pays the JobResult's rent.
    for (worker, output) in [(0, honest_output()), (1, honest_output()), (2, wrong_output())] {
        let reserve_before = reserve(&world, &job);
        fees[worker] += submit_paying(&mut world, &job, worker, output);
        assert_eq!(world.env.balance(&world.address(worker)), wallets[worker] - fees[worker], "worker {worker}");
        assert_eq!(reserve(&world, &job), reserve_before - result_rent);
        assert_eq!(world.env.balance(&pda::job_result_address(&job.job_id, &world.address(worker))), result_rent);
        world.env.assert_job_books(&job.job_id);
    }

    // The winner cranks the quorum and declares: the reserve pays the OutputAvailability and is
    // then spent to the lamport (3 results + 1 output).
    let committee = world.committee(&job);
    fees[0] += paid_by(&mut world, 0, &[ix::reach_quorum(&job.job_id, &committee)]);
    let declare = ix::declare_output(&world.address(0), &job.job_id, honest_output(), b"ptr");
    fees[0] += paid_by(&mut world, 0, &[declare]);
    assert_eq!(reserve(&world, &job), 0);
    assert_eq!(world.env.balance(&pda::output_address(&job.job_id)), output_rent);
    world.env.assert_job_books(&job.job_id);

    // A loser cranks the settlement: stakes move, wallets only by the fee.
    fees[2] += paid_by(&mut world, 2, &[ix::finalize_job(&job.job_id, &committee)]);
    assert_eq!(world.env.job(&job.job_id).status(), Ok(JobStatus::Finalized));
    let share = (ESCROW - ESCROW * 250 / 10_000) / 2;
    assert_eq!(world.stake(0), (STAKE + share, 0, 0, 0));
    assert_eq!(world.stake(2), (STAKE - LOCK, 0, 0, 0));
    for worker in 0..3 {
        assert_eq!(world.env.balance(&world.address(worker)), wallets[worker] - fees[worker], "worker {worker}");
    }
    assert_eq!(world.env.balance(&pda::job_address(&job.job_id)), capital.job_rent);

    // close_job: the Job's rent, the three results and the output all go to the customer, which
    // is out exactly the escrow; no worker is owed anything.
    let before_close = world.env.balance(&job.client);
    world.env.close_after_retention(&job.job_id);
    assert_eq!(world.env.balance(&job.client), before_close + capital.job_rent + capital.rent_reserve);
    assert_eq!(world.env.balance(&job.client), client_before - ESCROW);
    for worker in 0..3 {
        assert_eq!(world.env.balance(&world.address(worker)), wallets[worker] - fees[worker], "worker {worker}");
        assert_eq!(world.env.balance(&pda::job_result_address(&job.job_id, &world.address(worker))), 0);
    }
    assert_eq!(world.env.balance(&pda::output_address(&job.job_id)), 0);
    assert_eq!(world.env.balance(&pda::job_address(&job.job_id)), 0);
}

#[test]
fn the_reserve_covers_every_committee_slot_of_every_tier() {
    let mut env = TestEnv::new();
    let client = env.new_actor(100_000_000_000);
    for size in [3u8, 5, 7, 9] {
        let escrow = escrow_for_committee(usize::from(size));
        let before = env.balance(&client.pubkey());
        let job = env.post_job(&client, escrow);
        let capital = env.job_capital(size, escrow);
        let state = env.job(&job.job_id);
        assert_eq!(state.committee_size, size);
        assert_eq!(
            state.rent_reserve(),
            u64::from(size) * env.rent_of::<JobResult>() + env.rent_of::<OutputAvailability>()
        );
        assert_eq!(env.balance(&client.pubkey()), before - capital.total(), "committee {size}");
        env.assert_job_books(&job.job_id);
        // Cancelled before assignment: the escrow at once, the rest at close.
        env.send_ok(&[ix::cancel_job(&client.pubkey(), &job.job_id)], &[&client]);
        assert_eq!(env.balance(&client.pubkey()), before - capital.job_rent - capital.rent_reserve);
        env.close_after_retention(&job.job_id);
        assert_eq!(env.balance(&client.pubkey()), before, "committee {size}");
    }
}

#[test]
fn prefunded_addresses_take_only_a_top_up_and_the_extra_reaches_the_customer() {
    let mut world = World::new(3);
    let (job, client_before) = posted_and_assigned(&mut world);
    let (result_rent, output_rent) = (world.env.rent_of::<JobResult>(), world.env.rent_of::<OutputAvailability>());
    let posted_reserve = reserve(&world, &job);
    assert!(result_rent / 2 >= world.env.rent(0) && output_rent > world.env.rent(0));
    // A stranger sends lamports to worker 0's JobResult (more than its rent), to worker 1's
    // (less than its rent) and to the OutputAvailability (the least a new account can hold).
    let stranger = world.env.new_actor(10_000_000_000);
    let least = world.env.rent(0);
    let sent = [
        (pda::job_result_address(&job.job_id, &world.address(0)), result_rent + 1_000_000),
        (pda::job_result_address(&job.job_id, &world.address(1)), result_rent / 2),
        (pda::output_address(&job.job_id), least),
    ];
    for (address, lamports) in sent {
        let transfer = solana_system_interface::instruction::transfer(&stranger.pubkey(), &address, lamports);
        world.env.send_ok(&[transfer], &[&stranger]);
    }
    let prefunded: u64 = sent.iter().map(|(_, lamports)| lamports).sum();

    let wallets: Vec<u64> = (0..3).map(|w| world.env.balance(&world.address(w))).collect();
    // Worker 0's address already holds its rent: nothing leaves the reserve, and the account keeps
    // every lamport sent to it.
    world.submit(&job, 0, honest_output());
    assert_eq!(reserve(&world, &job), posted_reserve);
    assert_eq!(world.env.balance(&sent[0].0), result_rent + 1_000_000);
    // Worker 1's address held half: the reserve tops it up to the rent, no more.
    world.submit(&job, 1, honest_output());
    assert_eq!(reserve(&world, &job), posted_reserve - (result_rent - result_rent / 2));
    assert_eq!(world.env.balance(&sent[1].0), result_rent);
    world.submit(&job, 2, honest_output());
    world.reach_quorum(&job);
    world.declare(&job, 0);
    assert_eq!(world.env.balance(&sent[2].0), output_rent);
    world.finalize(&job);
    world.env.assert_job_books(&job.job_id);
    for (worker, wallet) in wallets.iter().enumerate() {
        assert_eq!(world.env.job_result(&job.job_id, &world.address(worker)).unwrap().output_hash, honest_output());
        assert_eq!(world.env.balance(&world.address(worker)), *wallet);
    }
    // What the stranger sent below the rent stayed in the reserve.
    assert_eq!(reserve(&world, &job), result_rent + result_rent / 2 + least);

    // Everything the stranger sent reaches the customer with the rent.
    world.env.close_after_retention(&job.job_id);
    assert_eq!(world.env.balance(&job.client), client_before - ESCROW + prefunded);
    for (address, _) in sent {
        assert_eq!(world.env.balance(&address), 0);
    }
}

/// `instruction` with every meta of `from` replaced by `to` (writable, not a signer).
fn with_account(instruction: &Instruction, from: &Address, to: &Address) -> Instruction {
    let mut changed = instruction.clone();
    for meta in changed.accounts.iter_mut().filter(|meta| &meta.pubkey == from) {
        *meta = AccountMeta::new(*to, false);
    }
    assert_ne!(&changed, instruction, "{from} is not in the instruction");
    changed
}

#[test]
fn a_second_submission_or_a_foreign_result_account_takes_nothing_from_the_reserve() {
    let mut world = World::new(3);
    let (job, _) = posted_and_assigned(&mut world);
    let result_rent = world.env.rent_of::<JobResult>();
    world.submit(&job, 0, honest_output());
    let after_one = reserve(&world, &job);
    assert_eq!(after_one, world.env.rent_reserve(3) - result_rent);
    let mut watch = vec![pda::job_address(&job.job_id), pda::output_address(&job.job_id), job.client];
    for worker in 0..3 {
        watch.push(world.address(worker));
        watch.push(pda::job_result_address(&job.job_id, &world.address(worker)));
    }

    // The same worker again, with another result: refused, its first result stands.
    let first = world.workers[0].insecure_clone();
    let again = world.env.submit_instructions(&job, &first, wrong_output());
    let result = world.env.send_rejected(&again, &[&first], &watch);
    assert_error(&result, EdgerunError::AlreadySubmitted);
    assert_eq!(world.env.job_result(&job.job_id, &first.pubkey()).unwrap().output_hash, honest_output());

    // Worker 1 naming an account other than its own JobResult PDA: another member's (existing or
    // not), the job's output, a fresh address. None is created from the reserve.
    let second = world.workers[1].insecure_clone();
    let own = pda::job_result_address(&job.job_id, &second.pubkey());
    let submit = world.env.submit_instructions(&job, &second, honest_output());
    let foreign = [
        pda::job_result_address(&job.job_id, &world.address(0)),
        pda::job_result_address(&job.job_id, &world.address(2)),
        pda::output_address(&job.job_id),
        Address::new_unique(),
    ];
    for account in foreign {
        let tampered = [submit[0].clone(), with_account(&submit[1], &own, &account)];
        let mut watch = watch.clone();
        watch.push(account);
        let result = world.env.send_rejected(&tampered, &[&second], &watch);
        assert_error(&result, EdgerunError::InvalidJobResultAccount);
    }
    assert_eq!(reserve(&world, &job), after_one);
    assert_eq!(world.env.job(&job.job_id).submitted_mask.get(), 0b001);

    world.env.send_ok(&submit, &[&second]);
    assert_eq!(reserve(&world, &job), after_one - result_rent);
    world.env.assert_job_books(&job.job_id);
}

#[test]
fn a_replaced_da_failed_members_result_returns_to_the_reserve_and_funds_its_replacement() {
    let mut world = World::new(4);
    let (job, client_before) = posted_and_assigned(&mut world);
    let result_rent = world.env.rent_of::<JobResult>();
    let posted_reserve = reserve(&world, &job);
    // Worker 0's address was sent more than the rent: all of it goes back into the reserve.
    let extra = 5_000;
    world.env.fund(&pda::job_result_address(&job.job_id, &world.address(0)), result_rent + extra);
    world.submit(&job, 0, honest_output());
    world.submit(&job, 1, honest_output());
    assert_eq!(reserve(&world, &job), posted_reserve - result_rent);
    world.reach_quorum(&job);
    let da_deadline = world.env.job(&job.job_id).da_deadline_slot.get();
    world.env.warp_to(da_deadline + 1);
    let committee = world.committee(&job);
    world.env.send_ok(&[ix::cancel_no_da(&job.job_id, &committee)], &[]);

    let wallet_before = world.env.balance(&world.address(0));
    let scheduler = world.scheduler();
    world.env.send_ok(&[world.reassign(&job, 0, 3)], &[&scheduler]);
    assert_eq!(reserve(&world, &job), posted_reserve + extra);
    assert_eq!(world.env.balance(&pda::job_result_address(&job.job_id, &world.address(0))), 0);
    assert_eq!(world.env.balance(&world.address(0)), wallet_before, "the reserve paid, the reserve gets it back");
    assert_eq!(world.stake(0), (STAKE - PENALTY, 0, PENALTY, 1));
    world.env.assert_job_books(&job.job_id);

    // The replacement and the member the quorum cut off answer; member 1 stays DA-failed.
    world.submit(&job, 3, honest_output());
    world.submit(&job, 2, honest_output());
    assert_eq!(reserve(&world, &job), posted_reserve + extra - 2 * result_rent);
    world.reach_quorum(&job);
    world.declare(&job, 3);
    world.finalize(&job);
    // The reserve funded three results (members 1, 3, 2) and the output; member 0's was prefunded.
    assert_eq!(reserve(&world, &job), result_rent + extra);
    world.env.assert_job_books(&job.job_id);

    // At close the customer gets the rent of three results (members 3, 1 and 2), the output, the
    // Job and the reserve's rest: it is out the escrow, and gained what was sent to the address.
    world.env.close_after_retention(&job.job_id);
    assert_eq!(world.env.balance(&job.client), client_before - ESCROW + result_rent + extra);
    assert!(world.env.account::<Job>(&pda::job_address(&job.job_id)).is_none());
}
