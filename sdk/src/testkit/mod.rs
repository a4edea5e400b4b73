//! The one test kit every network test builds on (feature `litesvm`): the program `.so` this
//! workspace builds ([`program_elf`]), a LiteSVM with it deployed under the upgradeable loader, a [`Probe`] backend
//! that counts what reaches the chain and injects transport failures, and the client
//! [`conformance`] suite that every [`ChainBackend`] must pass (run here on LiteSVM, and by
//! `migrations/tests/client_backends.rs` on the embedded surfpool validator over JSON-RPC).
//! The program tests' world (`edgerun_tests::svm::TestEnv`) starts from the same pieces.

pub mod conformance;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use litesvm::LiteSVM;
use solana_account::Account;
use solana_address::Address;
use solana_hash::Hash;
use solana_signature::Signature;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

use crate::client::{
    BackendError, BackendResult, ChainBackend, ClientConfig, Confirmed, LiteSvmBackend, Memcmp, RetryPolicy,
    SignatureWatch, Simulation,
};
use crate::pda;

/// The program under test, failing loudly (never skipping) when it was not built
/// (`$EDGERUN_SO`, or `target/deploy/edgerun.so` of this workspace: [`crate::program_file`]).
pub fn program_elf() -> Vec<u8> {
    crate::program_file::read(&crate::program_file::default_path()).unwrap_or_else(|error| panic!("{error}"))
}

/// Rewrites the upgrade authority in the program's ProgramData account, as the upgradeable
/// loader's `SetAuthority` would (LiteSVM's `add_program` deploys under that loader with none).
pub fn set_upgrade_authority(svm: &mut LiteSVM, authority: Option<&Address>) {
    let address = pda::program_data_address();
    let mut account = svm.get_account(&address).expect("the program's ProgramData account");
    edgerun::instructions::write_upgrade_authority(&mut account.data, authority).expect("a ProgramData account");
    svm.set_account(address, account).expect("write ProgramData");
}

/// A fresh LiteSVM with the program deployed under the upgradeable loader, `authority` its
/// upgrade authority (`None`: immutable), its config not initialized.
pub fn svm_with_program(authority: Option<&Address>) -> LiteSVM {
    let mut svm = LiteSVM::new();
    svm.add_program(edgerun::ID, &program_elf()).expect("load the Edgerun program");
    set_upgrade_authority(&mut svm, authority);
    svm
}

/// [`svm_with_program`] behind the client's LiteSVM backend.
pub fn litesvm_with_program(authority: Option<&Address>) -> LiteSvmBackend {
    LiteSvmBackend::new(svm_with_program(authority))
}

/// Short retry delays: tests check how often the client retries, never how long it waits.
pub fn fast_retries() -> ClientConfig {
    ClientConfig {
        retry: RetryPolicy {
            max_retries: 3,
            min_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
        },
        // The suite checks the events of successful transactions too.
        success_logs: true,
        ..ClientConfig::default()
    }
}

/// A loopback port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|listener| listener.local_addr()).expect("a free port").port()
}

/// A backend in front of another that counts what reaches it (sends, simulations, account
/// reads, the filters of every `getProgramAccounts`) and fails the next calls in transport on
/// demand, so "never sent" and "retried only on transport errors" are checked by counting, not
/// by timing. It can also play the rest of the world for one account: a node that stops
/// answering for it, a simulation refused because another party changed the chain in between,
/// or that other party's change itself, made right before the next simulation naming it.
pub struct Probe<B> {
    inner: B,
    sends: AtomicUsize,
    simulations: AtomicUsize,
    account_reads: AtomicUsize,
    failing: AtomicUsize,
    listings: Mutex<Vec<Vec<Memcmp>>>,
    /// `getAccountInfo` calls, by address.
    reads: Mutex<HashMap<Address, usize>>,
    /// Every transaction simulated, in order.
    simulated: Mutex<Vec<Transaction>>,
    /// The next simulation of a transaction naming the address is answered with the error,
    /// without running.
    refusal: Mutex<Option<(Address, TransactionError)>>,
    /// Runs right before the next simulation of a transaction naming the address.
    interference: Mutex<Option<Interference>>,
    /// Transactions naming one of these addresses, and multiple-account reads of them, fail in
    /// transport before they reach the backend.
    unreachable: Mutex<Vec<Address>>,
}

/// Something another party does right before a simulation of a transaction naming the address.
type Interference = (Address, Box<dyn FnOnce() + Send>);

impl<B> Probe<B> {
    pub fn new(inner: B) -> Self {
        Probe {
            inner,
            sends: AtomicUsize::new(0),
            simulations: AtomicUsize::new(0),
            account_reads: AtomicUsize::new(0),
            failing: AtomicUsize::new(0),
            listings: Mutex::new(Vec::new()),
            reads: Mutex::new(HashMap::new()),
            simulated: Mutex::new(Vec::new()),
            refusal: Mutex::new(None),
            interference: Mutex::new(None),
            unreachable: Mutex::new(Vec::new()),
        }
    }

    /// The backend behind the probe.
    pub fn inner(&self) -> &B {
        &self.inner
    }

    /// The next `calls` sends and account reads fail in transport.
    pub fn fail_next(&self, calls: usize) {
        self.failing.store(calls, Ordering::SeqCst);
    }

    pub fn sends(&self) -> usize {
        self.sends.load(Ordering::SeqCst)
    }

    pub fn simulations(&self) -> usize {
        self.simulations.load(Ordering::SeqCst)
    }

    /// `getAccountInfo` calls (one account at a time).
    pub fn account_reads(&self) -> usize {
        self.account_reads.load(Ordering::SeqCst)
    }

    /// `getAccountInfo` calls for `address`.
    pub fn reads_of(&self, address: &Address) -> usize {
        self.reads.lock().expect("reads").get(address).copied().unwrap_or(0)
    }

    /// The filters of every `getProgramAccounts` so far, in order.
    pub fn listings(&self) -> Vec<Vec<Memcmp>> {
        self.listings.lock().expect("listings").clone()
    }

    /// Every transaction simulated so far, in order.
    pub fn simulated(&self) -> Vec<Transaction> {
        self.simulated.lock().expect("simulated").clone()
    }

    /// The next simulation of a transaction naming `address` is answered with `error` without
    /// running (what a node says when another party changed the chain in between).
    pub fn refuse_next_simulation(&self, address: Address, error: TransactionError) {
        *self.refusal.lock().expect("refusal") = Some((address, error));
    }

    /// Right before the next simulation of a transaction naming `address`, `act` runs.
    pub fn before_next_simulation(&self, address: Address, act: impl FnOnce() + Send + 'static) {
        *self.interference.lock().expect("interference") = Some((address, Box::new(act)));
    }

    /// Transactions naming any of `addresses`, and multiple-account reads of them, fail in
    /// transport from now on (replacing the previous set).
    pub fn make_unreachable(&self, addresses: &[Address]) {
        *self.unreachable.lock().expect("unreachable") = addresses.to_vec();
    }

    fn injected(&self) -> BackendResult<()> {
        let taken = self.failing.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| left.checked_sub(1));
        match taken {
            Ok(_) => Err(BackendError::Transport("injected transport failure".into())),
            Err(_) => Ok(()),
        }
    }

    fn cut_off<'a>(&self, mut addresses: impl Iterator<Item = &'a Address>) -> BackendResult<()> {
        let unreachable = self.unreachable.lock().expect("unreachable");
        if addresses.any(|address| unreachable.contains(address)) {
            return Err(BackendError::Transport("injected: the node does not answer for this account".into()));
        }
        Ok(())
    }

    /// The pending one-shot for a transaction naming its address, taken; others stay pending.
    fn take_for<T>(pending: &Mutex<Option<(Address, T)>>, transaction: &Transaction) -> Option<T> {
        let mut pending = pending.lock().expect("pending");
        match pending.take() {
            Some((address, value)) if transaction.message.account_keys.contains(&address) => Some(value),
            other => {
                *pending = other;
                None
            }
        }
    }
}

impl<B: ChainBackend> ChainBackend for Probe<B> {
    async fn get_account(&self, address: &Address) -> BackendResult<Option<Account>> {
        self.account_reads.fetch_add(1, Ordering::SeqCst);
        *self.reads.lock().expect("reads").entry(*address).or_default() += 1;
        self.injected()?;
        self.inner.get_account(address).await
    }

    async fn get_multiple_accounts(&self, addresses: &[Address]) -> BackendResult<Vec<Option<Account>>> {
        self.cut_off(addresses.iter())?;
        self.injected()?;
        self.inner.get_multiple_accounts(addresses).await
    }

    async fn get_program_accounts(
        &self,
        program: &Address,
        filters: &[Memcmp],
    ) -> BackendResult<Vec<(Address, Account)>> {
        self.listings.lock().expect("listings").push(filters.to_vec());
        self.inner.get_program_accounts(program, filters).await
    }

    async fn latest_blockhash(&self) -> BackendResult<Hash> {
        self.inner.latest_blockhash().await
    }

    async fn simulate(&self, transaction: &Transaction) -> BackendResult<Simulation> {
        self.cut_off(transaction.message.account_keys.iter())?;
        self.simulations.fetch_add(1, Ordering::SeqCst);
        self.simulated.lock().expect("simulated").push(transaction.clone());
        if let Some(error) = Self::take_for(&self.refusal, transaction) {
            return Ok(Simulation { result: Err(error), logs: Vec::new(), units_consumed: None });
        }
        if let Some(act) = Self::take_for(&self.interference, transaction) {
            act();
        }
        self.inner.simulate(transaction).await
    }

    async fn send(&self, transaction: &Transaction) -> BackendResult<Signature> {
        self.cut_off(transaction.message.account_keys.iter())?;
        self.sends.fetch_add(1, Ordering::SeqCst);
        self.injected()?;
        self.inner.send(transaction).await
    }

    async fn signature_status(&self, signature: &Signature) -> BackendResult<Option<Confirmed>> {
        self.inner.signature_status(signature).await
    }

    async fn transaction_logs(&self, signature: &Signature) -> BackendResult<Option<Vec<String>>> {
        self.inner.transaction_logs(signature).await
    }

    async fn slot(&self) -> BackendResult<u64> {
        self.inner.slot().await
    }

    async fn block_time(&self, slot: u64) -> BackendResult<Option<i64>> {
        self.inner.block_time(slot).await
    }

    fn reuses_blockhashes(&self) -> bool {
        self.inner.reuses_blockhashes()
    }

    // `preflights` is left false on purpose: the client then simulates every transaction
    // itself, so one the program refuses never reaches `send`, which is what the probe counts.

    async fn watch_signature(&self, signature: &Signature) -> Option<SignatureWatch> {
        self.inner.watch_signature(signature).await
    }

    fn subscribed_slot(&self) -> Option<u64> {
        self.inner.subscribed_slot()
    }

    async fn airdrop(&self, to: &Address, lamports: u64) -> BackendResult<Signature> {
        self.inner.airdrop(to, lamports).await
    }
}
