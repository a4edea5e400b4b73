//! [`ChainBackend`] over an in-process LiteSVM (feature `litesvm`).
//!
//! Why in the SDK and not only in the tests crate: every service built on the client (scheduler,
//! worker daemon, crank) needs to run its own tests against the real program without a network,
//! and the program-test crate already depends on LiteSVM; behind its own feature nobody else
//! compiles it.
//!
//! It behaves like a node with preflight on and instant confirmation: a transaction that fails
//! is refused at `send` (nothing is committed, as a preflight failure), one that succeeds is
//! confirmed at once in the current slot. After each sent transaction the blockhash is advanced,
//! so two identical instructions sent one after the other are two transactions. The slot moves
//! only when the test warps it ([`LiteSvmBackend::with_svm`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use litesvm::types::TransactionResult;
use litesvm::LiteSVM;
use solana_account::Account;
use solana_address::Address;
use solana_hash::Hash;
use solana_signature::Signature;
use solana_transaction::Transaction;

use super::backend::{BackendError, BackendResult, ChainBackend, Confirmed, Memcmp, Simulation};

struct State {
    svm: LiteSVM,
    /// Outcome and logs of every transaction this backend committed.
    processed: HashMap<Signature, (Confirmed, Vec<String>)>,
}

/// A LiteSVM world shared by the client and the test that drives it.
#[derive(Clone)]
pub struct LiteSvmBackend {
    state: Arc<Mutex<State>>,
}

impl LiteSvmBackend {
    pub fn new(svm: LiteSVM) -> Self {
        LiteSvmBackend { state: Arc::new(Mutex::new(State { svm, processed: HashMap::new() })) }
    }

    /// Runs `f` on the SVM (to airdrop, warp the clock, load programs...).
    pub fn with_svm<R>(&self, f: impl FnOnce(&mut LiteSVM) -> R) -> R {
        f(&mut self.lock().svm)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves the SVM as consistent as LiteSVM left it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn slot(svm: &LiteSVM) -> u64 {
    svm.get_sysvar::<solana_clock::Clock>().slot
}

impl State {
    /// Records what one transaction did: a failure is refused as a preflight failure (LiteSVM
    /// committed nothing); a success is confirmed in the current slot, and the blockhash advances.
    fn commit(&mut self, outcome: TransactionResult) -> BackendResult<Signature> {
        let State { svm, processed } = self;
        match outcome {
            Ok(meta) => {
                let confirmed = Confirmed { slot: slot(svm), result: Ok(()) };
                processed.insert(meta.signature, (confirmed, meta.logs));
                svm.expire_blockhash();
                Ok(meta.signature)
            }
            Err(failed) => Err(BackendError::Preflight { error: failed.err, logs: failed.meta.logs }),
        }
    }
}

impl ChainBackend for LiteSvmBackend {
    async fn get_account(&self, address: &Address) -> BackendResult<Option<Account>> {
        Ok(self.lock().svm.get_account(address))
    }

    async fn get_multiple_accounts(&self, addresses: &[Address]) -> BackendResult<Vec<Option<Account>>> {
        let state = self.lock();
        Ok(addresses.iter().map(|address| state.svm.get_account(address)).collect())
    }

    async fn get_program_accounts(
        &self,
        program: &Address,
        filters: &[Memcmp],
    ) -> BackendResult<Vec<(Address, Account)>> {
        let accounts = self.lock().svm.get_program_accounts(program);
        Ok(accounts
            .into_iter()
            .filter(|(_, account)| filters.iter().all(|filter| filter.matches(&account.data)))
            .collect())
    }

    async fn latest_blockhash(&self) -> BackendResult<Hash> {
        Ok(self.lock().svm.latest_blockhash())
    }

    async fn simulate(&self, transaction: &Transaction) -> BackendResult<Simulation> {
        let simulated = self.lock().svm.simulate_transaction(transaction.clone());
        Ok(match simulated {
            Ok(info) => Simulation {
                result: Ok(()),
                logs: info.meta.logs,
                units_consumed: Some(info.meta.compute_units_consumed),
            },
            Err(failed) => Simulation {
                result: Err(failed.err),
                logs: failed.meta.logs,
                units_consumed: Some(failed.meta.compute_units_consumed),
            },
        })
    }

    /// Simulated first, as a node's preflight: what would fail is refused and nothing is run.
    async fn send(&self, transaction: &Transaction) -> BackendResult<Signature> {
        let mut state = self.lock();
        if let Err(failed) = state.svm.simulate_transaction(transaction.clone()) {
            return Err(BackendError::Preflight { error: failed.err, logs: failed.meta.logs });
        }
        let outcome = state.svm.send_transaction(transaction.clone());
        state.commit(outcome)
    }

    /// Simulated first in [`send`](ChainBackend::send), as a node's preflight. (Blockhashes are
    /// not reused: LiteSVM takes only its latest, and each transaction moves it on, so that the
    /// same instructions sent twice are two transactions.)
    fn preflights(&self) -> bool {
        true
    }

    async fn signature_status(&self, signature: &Signature) -> BackendResult<Option<Confirmed>> {
        Ok(self.lock().processed.get(signature).map(|(confirmed, _)| confirmed.clone()))
    }

    async fn transaction_logs(&self, signature: &Signature) -> BackendResult<Option<Vec<String>>> {
        Ok(self.lock().processed.get(signature).map(|(_, logs)| logs.clone()))
    }

    async fn slot(&self) -> BackendResult<u64> {
        Ok(slot(&self.lock().svm))
    }

    /// LiteSVM's own faucet (a transfer from its airdrop account), committed like a sent
    /// transaction.
    async fn airdrop(&self, to: &Address, lamports: u64) -> BackendResult<Signature> {
        let mut state = self.lock();
        let outcome = state.svm.airdrop(to, lamports);
        state.commit(outcome)
    }
}

#[cfg(test)]
mod tests {
    use anchor_lang::bytemuck::{bytes_of, Zeroable};
    use anchor_lang::Discriminator;
    use edgerun::state::Job;

    use super::*;
    use crate::client::{ClientConfig, EdgerunClient};

    /// A job on the chain as the program writes it, at its PDA.
    fn store(svm: &mut LiteSVM, job: &Job) {
        let mut data = Job::DISCRIMINATOR.to_vec();
        data.extend_from_slice(bytes_of(job));
        let account = Account { lamports: 10_000_000, data, owner: edgerun::ID, executable: false, rent_epoch: 0 };
        svm.set_account(crate::pda::job_address(&job.job_id), account).expect("store the job");
    }

    /// A worker's jobs for its failures: those it sits on and those that replaced it, each once,
    /// and not a job where it only stands past `replaced_count` or `assigned_count`.
    #[tokio::test]
    async fn a_workers_jobs_include_those_that_replaced_it() {
        let worker = Address::new_from_array([7; 32]);
        let mut svm = LiteSVM::new();
        let mut seated = Job::zeroed();
        seated.job_id = [1; 32];
        seated.assigned_workers[1] = worker;
        seated.assigned_count = 2;
        let mut replaced = Job::zeroed();
        replaced.job_id = [2; 32];
        replaced.replaced_workers[3] = worker;
        replaced.replaced_count = 4;
        let mut stale = Job::zeroed();
        stale.job_id = [3; 32];
        stale.replaced_workers[5] = worker;
        stale.replaced_count = 5;
        stale.assigned_workers[4] = worker;
        stale.assigned_count = 4;
        for job in [&seated, &replaced, &stale] {
            store(&mut svm, job);
        }
        let client = EdgerunClient::new(LiteSvmBackend::new(svm), ClientConfig::default());
        let ids = |jobs: Vec<(Address, Job)>| {
            let mut ids: Vec<[u8; 32]> = jobs.iter().map(|(_, job)| job.job_id).collect();
            ids.sort_unstable();
            ids
        };
        assert_eq!(ids(client.jobs_by_worker(&worker).await.unwrap()), [[1; 32]]);
        assert_eq!(ids(client.jobs_of_worker_with_replaced(&worker).await.unwrap()), [[1; 32], [2; 32]]);
    }
}
