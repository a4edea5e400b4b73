//! Item 7: initialization cannot be squatted and the admin role cannot be lost to a typo. Only the
//! program's upgrade authority (read from its ProgramData account under the upgradeable loader)
//! may call `initialize_config`; the admin role moves in two steps, propose then accept.

use edgerun::errors::EdgerunError;
use edgerun::instructions::ConfigParams;
use edgerun_sdk::{instructions as ix, pda};
use edgerun_tests::svm::{assert_error, set_upgrade_authority, TestEnv};
use solana_address::Address;
use solana_instruction::AccountMeta;
use solana_signer::Signer;

#[test]
fn only_the_upgrade_authority_can_initialize() {
    let mut env = TestEnv::uninitialized();
    let squatter = env.new_actor(10_000_000_000);
    let params = env.params;
    let watch = [pda::config_address(), pda::treasury_address()];
    let result = env.send_rejected(&[ix::initialize_config(&squatter.pubkey(), params)], &[&squatter], &watch);
    assert_error(&result, EdgerunError::NotUpgradeAuthority);

    // Another account passed as ProgramData is refused.
    let mut forged = ix::initialize_config(&squatter.pubkey(), params);
    let fake = env.new_actor(1_000_000);
    forged.accounts[3] = AccountMeta::new_readonly(fake.pubkey(), false);
    let result = env.send_rejected(&[forged], &[&squatter], &watch);
    assert_error(&result, EdgerunError::InvalidProgramData);

    // An immutable program (no upgrade authority) cannot be initialized by anyone.
    let mut immutable = env.fork();
    set_upgrade_authority(&mut immutable.svm, None);
    let admin = immutable.admin.insecure_clone();
    let result = immutable.send_rejected(&[ix::initialize_config(&admin.pubkey(), params)], &[&admin], &watch);
    assert_error(&result, EdgerunError::NotUpgradeAuthority);

    // The upgrade authority can, once.
    let admin = env.admin.insecure_clone();
    env.send_ok(&[ix::initialize_config(&admin.pubkey(), params)], &[&admin]);
    assert_eq!(env.config().admin, admin.pubkey());
    assert_eq!(env.config().pending_admin, Address::default());
    let config_before = env.snapshot(&watch);
    let again = env.send(&[ix::initialize_config(&admin.pubkey(), params)], &[&admin]);
    assert!(again.is_err(), "a second initialization must fail");
    env.assert_unchanged(&config_before);
}

#[test]
fn the_admin_role_moves_in_two_steps() {
    let mut env = TestEnv::new();
    let admin = env.admin.insecure_clone();
    let successor = env.new_actor(1_000_000_000);
    let stranger = env.new_actor(1_000_000_000);
    let config = [pda::config_address()];

    // Nobody but the admin proposes; nothing is pending, so nobody can accept.
    let result = env.send_rejected(&[ix::propose_admin(&stranger.pubkey(), &stranger.pubkey())], &[&stranger], &config);
    assert_error(&result, EdgerunError::NotAdmin);
    let result = env.send_rejected(&[ix::accept_admin(&successor.pubkey())], &[&successor], &config);
    assert_error(&result, EdgerunError::NotPendingAdmin);

    env.send_ok(&[ix::propose_admin(&admin.pubkey(), &successor.pubkey())], &[&admin]);
    assert_eq!((env.config().admin, env.config().pending_admin), (admin.pubkey(), successor.pubkey()));
    // Proposing changes nothing else: the old admin still rules until the successor accepts.
    let params = ConfigParams { protocol_fee_bps: 100, ..env.params };
    env.send_ok(&[ix::update_config(&admin.pubkey(), params)], &[&admin]);
    let result = env.send_rejected(&[ix::accept_admin(&stranger.pubkey())], &[&stranger], &config);
    assert_error(&result, EdgerunError::NotPendingAdmin);

    env.send_ok(&[ix::accept_admin(&successor.pubkey())], &[&successor]);
    let state = env.config();
    assert_eq!((state.admin, state.pending_admin), (successor.pubkey(), Address::default()));
    assert_eq!(ConfigParams::of(&state), params);
    let result = env.send_rejected(&[ix::update_config(&admin.pubkey(), env.params)], &[&admin], &config);
    assert_error(&result, EdgerunError::NotAdmin);

    // A mistyped proposal is withdrawn by proposing again; the typo can never accept.
    let typo = Address::new_unique();
    env.send_ok(&[ix::propose_admin(&successor.pubkey(), &typo)], &[&successor]);
    env.send_ok(&[ix::propose_admin(&successor.pubkey(), &Address::default())], &[&successor]);
    assert_eq!(env.config().pending_admin, Address::default());
    let result = env.send_rejected(&[ix::accept_admin(&successor.pubkey())], &[&successor], &config);
    assert_error(&result, EdgerunError::NotPendingAdmin);
}
