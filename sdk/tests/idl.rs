//! The SDK's instruction builders against the program's IDL, `idl/edgerun.json` (generated from
//! the program by `scripts/idl.sh`, checked in CI). For every instruction in the IDL, the builder's
//! instruction must carry the IDL's discriminator; its named accounts must be the IDL's, in the
//! IDL's order, at the addresses the IDL's fixed addresses and PDA seeds give (or, for accounts the
//! IDL cannot locate, where the builder's inputs say), with the IDL's signer and writable flags,
//! and be followed by the builder's remaining accounts only; and its data after the discriminator
//! must be exactly the sample arguments encoded (borsh) from the IDL's description of their types.
//! Every builder must build an instruction of the IDL; the IDL's errors must be
//! `EdgerunError`'s (code 6000 + declaration order), its account and event discriminators the
//! program types' `DISCRIMINATOR`s.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::str::FromStr;

use anchor_lang::Discriminator;
use anchor_lang_idl_spec::{
    Idl, IdlArrayLen, IdlDefinedFields, IdlInstruction, IdlInstructionAccount, IdlInstructionAccountItem,
    IdlSerialization, IdlType, IdlTypeDefTy,
};
use edgerun::errors::EdgerunError;
use edgerun::instructions::{ConfigParams, PostJobArgs};
use edgerun::state::Job;
use edgerun_sdk::instructions as ix;
use edgerun_sdk::pda::{job_address, job_result_address, output_address, program_data_address, worker_stake_address};
use serde_json::{json, Value};
use solana_address::Address;
use solana_instruction::{AccountMeta, Instruction};

const IDL_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../idl/edgerun.json");

fn idl() -> Idl {
    let text = std::fs::read_to_string(IDL_PATH).unwrap_or_else(|e| panic!("{IDL_PATH}: {e} (bash scripts/idl.sh)"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{IDL_PATH} is not an Anchor IDL: {e}"))
}

// ---------------------------------------------------------------------------------------------
// Sample inputs: every value distinct, so a swapped field, argument or account shows.
// ---------------------------------------------------------------------------------------------

fn addr(n: u8) -> Address {
    Address::new_from_array(core::array::from_fn(|i| n.wrapping_mul(31).wrapping_add(i as u8)))
}

fn bytes<const N: usize>(n: u8) -> [u8; N] {
    core::array::from_fn(|i| n.wrapping_add((i as u8).wrapping_mul(7)))
}

fn pk(address: &Address) -> Value {
    Value::String(address.to_string())
}

fn config_params() -> ConfigParams {
    ConfigParams {
        scheduler_authority: addr(21),
        randomness_authority: addr(22),
        protocol_fee_bps: 0x0102,
        min_worker_stake_lamports: 0x0101_0101_0101_0103,
        challenge_window_slots: 0x0101_0101_0101_0104,
        da_window_slots: 0x0101_0101_0101_0105,
        non_response_slash_lamports: 0x0101_0101_0101_0106,
        committee_tiering_enabled: true,
        committee_size: 7,
        quorum: 4,
        max_memory_bytes: 0x0101_0101_0101_0107,
        max_instructions: 0x0101_0101_0101_0108,
        job_retention_slots: 0x0101_0101_0101_0109,
        allowed_runtime_root: bytes(23),
        paused: false,
        min_escrow_lamports: 0x0101_0101_0101_010a,
    }
}

/// `params` as the IDL names its fields (matched by name: the order is the IDL's business).
fn config_params_json(p: &ConfigParams) -> Value {
    json!({
        "scheduler_authority": pk(&p.scheduler_authority),
        "randomness_authority": pk(&p.randomness_authority),
        "protocol_fee_bps": p.protocol_fee_bps,
        "min_worker_stake_lamports": p.min_worker_stake_lamports,
        "challenge_window_slots": p.challenge_window_slots,
        "da_window_slots": p.da_window_slots,
        "non_response_slash_lamports": p.non_response_slash_lamports,
        "committee_tiering_enabled": p.committee_tiering_enabled,
        "committee_size": p.committee_size,
        "quorum": p.quorum,
        "max_memory_bytes": p.max_memory_bytes,
        "max_instructions": p.max_instructions,
        "job_retention_slots": p.job_retention_slots,
        "allowed_runtime_root": p.allowed_runtime_root,
        "paused": p.paused,
        "min_escrow_lamports": p.min_escrow_lamports,
    })
}

fn post_job_args() -> PostJobArgs {
    PostJobArgs {
        job_id: bytes(41),
        nonce: 0x0202_0202_0202_0201,
        bundle_hash: bytes(42),
        runtime_id: bytes(43),
        escrow_lamports: 0x0202_0202_0202_0202,
        max_memory_bytes: 0x0202_0202_0202_0203,
        max_instructions: 0x0202_0202_0202_0204,
        runtime_proof: vec![bytes(44), bytes(45)],
    }
}

fn post_job_args_json(a: &PostJobArgs) -> Value {
    json!({
        "job_id": a.job_id,
        "nonce": a.nonce,
        "bundle_hash": a.bundle_hash,
        "runtime_id": a.runtime_id,
        "escrow_lamports": a.escrow_lamports,
        "max_memory_bytes": a.max_memory_bytes,
        "max_instructions": a.max_instructions,
        "runtime_proof": a.runtime_proof,
    })
}

/// A committee member's remaining accounts for the committee walkers: JobResult, then WorkerStake.
fn committee_metas(job_id: &[u8; 32], committee: &[Address], writable_stakes: bool) -> Vec<AccountMeta> {
    let mut metas = Vec::new();
    for worker in committee {
        metas.push(AccountMeta::new_readonly(job_result_address(job_id, worker), false));
        let stake = worker_stake_address(worker);
        metas.push(if writable_stakes {
            AccountMeta::new(stake, false)
        } else {
            AccountMeta::new_readonly(stake, false)
        });
    }
    metas
}

/// One builder call.
struct Case {
    /// The IDL instruction the builder makes.
    name: &'static str,
    ix: Instruction,
    /// The arguments given to the builder, by IDL argument name, as JSON.
    args: Value,
    /// Where the named accounts the IDL has neither an address nor seeds for must be.
    known: Vec<(&'static str, Address)>,
    /// What must follow the named accounts.
    remaining: Vec<AccountMeta>,
}

fn cases() -> Vec<Case> {
    let admin = addr(1);
    let new_admin = addr(2);
    let worker = addr(3);
    let client = addr(4);
    let recipient = addr(5);
    let scheduler = addr(6);
    let randomness = addr(7);
    let job_id: [u8; 32] = bytes(8);
    let committee = [addr(9), addr(10), addr(11)];
    let (missing, replacement) = (addr(12), addr(13));
    let (seed, output_hash, signature, pointer): ([u8; 32], [u8; 32], [u8; 64], Vec<u8>) =
        (bytes(14), bytes(15), bytes(16), b"s3://bucket/output".to_vec());
    let params = config_params();
    let post = post_job_args();
    let mut job: Job = anchor_lang::bytemuck::Zeroable::zeroed();
    job.job_id = job_id;
    job.client = client;
    job.assigned_workers[..committee.len()].copy_from_slice(&committee);
    job.assigned_count = committee.len() as u8;

    let job_known = ("job", job_address(&job_id));
    let output_known = ("output_availability", output_address(&job_id));
    vec![
        Case {
            name: "initialize_config",
            ix: ix::initialize_config(&admin, params),
            args: json!({ "params": config_params_json(&params) }),
            known: vec![("admin", admin), ("program_data", program_data_address())],
            remaining: vec![],
        },
        Case {
            name: "update_config",
            ix: ix::update_config(&admin, params),
            args: json!({ "params": config_params_json(&params) }),
            known: vec![("admin", admin)],
            remaining: vec![],
        },
        Case {
            name: "propose_admin",
            ix: ix::propose_admin(&admin, &new_admin),
            args: json!({ "new_admin": pk(&new_admin) }),
            known: vec![("admin", admin)],
            remaining: vec![],
        },
        Case {
            name: "accept_admin",
            ix: ix::accept_admin(&new_admin),
            args: json!({}),
            known: vec![("new_admin", new_admin)],
            remaining: vec![],
        },
        Case {
            name: "register_worker",
            ix: ix::register_worker(&worker),
            args: json!({}),
            known: vec![("worker", worker)],
            remaining: vec![],
        },
        Case {
            name: "deposit_stake",
            ix: ix::deposit_stake(&worker, 0x0303_0303_0303_0301),
            args: json!({ "amount": 0x0303_0303_0303_0301u64 }),
            known: vec![("worker", worker)],
            remaining: vec![],
        },
        Case {
            name: "withdraw_stake",
            ix: ix::withdraw_stake(&worker, 0x0303_0303_0303_0302),
            args: json!({ "amount": 0x0303_0303_0303_0302u64 }),
            known: vec![("worker", worker)],
            remaining: vec![],
        },
        Case {
            name: "withdraw_treasury",
            ix: ix::withdraw_treasury(&admin, &recipient, 0x0303_0303_0303_0303),
            args: json!({ "amount": 0x0303_0303_0303_0303u64 }),
            known: vec![("admin", admin), ("recipient", recipient)],
            remaining: vec![],
        },
        Case {
            name: "post_job",
            ix: ix::post_job(&client, post.clone()),
            args: json!({ "args": post_job_args_json(&post) }),
            known: vec![("client", client), ("job", job_address(&post.job_id))],
            remaining: vec![],
        },
        Case {
            name: "cancel_job",
            ix: ix::cancel_job(&client, &job_id),
            args: json!({}),
            known: vec![("client", client), job_known],
            remaining: vec![],
        },
        Case {
            name: "set_job_seed",
            ix: ix::set_job_seed(&randomness, &job_id, seed),
            args: json!({ "seed": seed }),
            known: vec![("randomness_authority", randomness), job_known],
            remaining: vec![],
        },
        Case {
            name: "assign_workers",
            ix: ix::assign_workers(&scheduler, &job_id, &committee),
            args: json!({ "workers": committee.iter().map(pk).collect::<Vec<_>>() }),
            known: vec![("scheduler_authority", scheduler), job_known],
            remaining: committee.iter().map(|w| AccountMeta::new(worker_stake_address(w), false)).collect(),
        },
        Case {
            name: "submit_result",
            ix: ix::submit_result(&worker, &job_id, output_hash, signature),
            args: json!({ "output_hash": output_hash, "attestation_sig": signature.to_vec() }),
            known: vec![("worker", worker), job_known, ("job_result", job_result_address(&job_id, &worker))],
            remaining: vec![],
        },
        Case {
            name: "reach_quorum",
            ix: ix::reach_quorum(&job_id, &committee),
            args: json!({}),
            known: vec![job_known],
            remaining: committee_metas(&job_id, &committee, false),
        },
        Case {
            name: "declare_output",
            ix: ix::declare_output(&worker, &job_id, output_hash, &pointer),
            args: json!({ "output_hash": output_hash, "pointer": pointer }),
            known: vec![
                ("publisher", worker),
                job_known,
                ("job_result", job_result_address(&job_id, &worker)),
                output_known,
            ],
            remaining: vec![],
        },
        Case {
            name: "finalize_job",
            ix: ix::finalize_job(&job_id, &committee),
            args: json!({}),
            known: vec![job_known, output_known],
            remaining: committee_metas(&job_id, &committee, true),
        },
        Case {
            name: "penalize_non_submitters",
            ix: ix::penalize_non_submitters(&job_id, &committee),
            args: json!({}),
            known: vec![job_known],
            remaining: committee_metas(&job_id, &committee, true),
        },
        Case {
            name: "reassign_missing",
            ix: ix::reassign_missing(&scheduler, &job_id, &missing, &replacement),
            args: json!({ "missing_worker": pk(&missing), "replacement_worker": pk(&replacement) }),
            known: vec![
                ("scheduler_authority", scheduler),
                job_known,
                ("missing_job_result", job_result_address(&job_id, &missing)),
                ("missing_worker_stake", worker_stake_address(&missing)),
                ("replacement_worker_stake", worker_stake_address(&replacement)),
            ],
            remaining: vec![],
        },
        Case {
            name: "cancel_no_da",
            ix: ix::cancel_no_da(&job_id, &committee),
            args: json!({}),
            known: vec![job_known, output_known],
            remaining: committee_metas(&job_id, &committee, true),
        },
        Case {
            name: "cancel_expired_job",
            ix: ix::cancel_expired_job(&job_id, &client, &committee),
            args: json!({}),
            known: vec![job_known, ("client", client)],
            remaining: committee_metas(&job_id, &committee, true),
        },
        Case {
            name: "close_job",
            ix: ix::close_job(&job),
            args: json!({}),
            known: vec![job_known, ("client", client), output_known],
            // Each member's JobResult (closed; its rent goes to the client).
            remaining: committee.iter().map(|w| AccountMeta::new(job_result_address(&job_id, w), false)).collect(),
        },
        Case {
            name: "settle_input_unavailable",
            ix: ix::settle_input_unavailable(&job_id, &client, &committee),
            args: json!({}),
            known: vec![job_known, ("client", client)],
            remaining: committee_metas(&job_id, &committee, true),
        },
        Case {
            name: "set_worker_capacity",
            ix: ix::set_worker_capacity(&worker, 4, 250_000_000),
            args: json!({ "max_concurrent_jobs": 4, "instructions_per_second": 250_000_000u64 }),
            known: vec![("worker", worker), ("worker_stake", worker_stake_address(&worker))],
            remaining: vec![],
        },
    ]
}

// ---------------------------------------------------------------------------------------------
// The IDL's view of an instruction.
// ---------------------------------------------------------------------------------------------

fn named_accounts(instruction: &IdlInstruction) -> Vec<&IdlInstructionAccount> {
    instruction
        .accounts
        .iter()
        .map(|item| match item {
            IdlInstructionAccountItem::Single(account) => account,
            IdlInstructionAccountItem::Composite(group) => {
                panic!("{}: composite account group `{}`: teach this test about it", instruction.name, group.name)
            }
        })
        .collect()
}

/// The address the IDL puts `name` at: its fixed address, or its PDA from the seeds (consts,
/// other accounts, arguments); otherwise the case's `known` one. Both, when both exist, must agree.
fn expected_address(instruction: &IdlInstruction, case: &Case, idl: &Idl, name: &str) -> Address {
    let accounts = named_accounts(instruction);
    let account = accounts
        .iter()
        .find(|a| a.name == name)
        .unwrap_or_else(|| panic!("{}: the IDL has no account `{name}`", instruction.name));
    let known = case.known.iter().find(|(n, _)| *n == name).map(|(_, a)| *a);
    let derived = if let Some(address) = &account.address {
        Some(Address::from_str(address).unwrap_or_else(|e| panic!("{}.{name}: address {address}: {e}", case.name)))
    } else if let Some(pda) = &account.pda {
        let seed_bytes = |seed: &anchor_lang_idl_spec::IdlSeed| -> Vec<u8> {
            match seed {
                anchor_lang_idl_spec::IdlSeed::Const(c) => c.value.clone(),
                anchor_lang_idl_spec::IdlSeed::Account(a) => {
                    assert!(
                        a.account.is_none() && !a.path.contains('.'),
                        "{}.{name}: seed from account data `{}`: teach this test about it",
                        case.name,
                        a.path
                    );
                    expected_address(instruction, case, idl, &a.path).to_bytes().to_vec()
                }
                anchor_lang_idl_spec::IdlSeed::Arg(a) => {
                    let mut path = a.path.split('.');
                    let arg = path.next().unwrap();
                    let ty = &instruction.args.iter().find(|f| f.name == arg).expect("seed arg").ty;
                    let mut value = &case.args[arg];
                    let mut ty = ty.clone();
                    for field in path {
                        ty = field_type(idl, &ty, field);
                        value = &value[field];
                    }
                    let mut out = Vec::new();
                    encode(idl, &ty, value, &a.path, &mut out, &mut Vec::new());
                    out
                }
            }
        };
        let seeds: Vec<Vec<u8>> = pda.seeds.iter().map(seed_bytes).collect();
        let program = match &pda.program {
            None => edgerun::ID,
            Some(seed) => Address::try_from(seed_bytes(seed).as_slice()).expect("program seed is 32 bytes"),
        };
        let refs: Vec<&[u8]> = seeds.iter().map(Vec::as_slice).collect();
        Some(Address::find_program_address(&refs, &program).0)
    } else {
        None
    };
    match (derived, known) {
        (Some(derived), Some(known)) => {
            assert_eq!(derived, known, "{}.{name}: the IDL's seeds and the test disagree", case.name);
            derived
        }
        (Some(address), None) | (None, Some(address)) => address,
        (None, None) => panic!("{}.{name}: the IDL gives no address or seeds; add it to the case's `known`", case.name),
    }
}

fn field_type(idl: &Idl, ty: &IdlType, field: &str) -> IdlType {
    let IdlType::Defined { name, .. } = ty else { panic!("`{field}` of a non-struct {ty:?}") };
    let def = idl.types.iter().find(|t| t.name == *name).unwrap_or_else(|| panic!("type `{name}` not in the IDL"));
    match &def.ty {
        IdlTypeDefTy::Struct { fields: Some(IdlDefinedFields::Named(fields)) } => {
            fields.iter().find(|f| f.name == field).unwrap_or_else(|| panic!("`{name}` has no `{field}`")).ty.clone()
        }
        other => panic!("`{field}` of {other:?}"),
    }
}

/// Borsh encoding of `value` as the IDL type `ty`, recording where each leaf field lands.
fn encode(
    idl: &Idl,
    ty: &IdlType,
    value: &Value,
    path: &str,
    out: &mut Vec<u8>,
    spans: &mut Vec<(String, Range<usize>)>,
) {
    let start = out.len();
    let uint = |bits: u32| -> u64 {
        let n = value.as_u64().unwrap_or_else(|| panic!("{path}: {value} is not an unsigned integer"));
        assert!(bits == 64 || n >> bits == 0, "{path}: {n} does not fit u{bits}");
        n
    };
    match ty {
        IdlType::Bool => out.push(u8::from(value.as_bool().unwrap_or_else(|| panic!("{path}: {value} is not a bool")))),
        IdlType::U8 => out.push(uint(8) as u8),
        IdlType::U16 => out.extend_from_slice(&(uint(16) as u16).to_le_bytes()),
        IdlType::U32 => out.extend_from_slice(&(uint(32) as u32).to_le_bytes()),
        IdlType::U64 => out.extend_from_slice(&uint(64).to_le_bytes()),
        IdlType::Pubkey => {
            let text = value.as_str().unwrap_or_else(|| panic!("{path}: {value} is not a base58 address"));
            out.extend_from_slice(Address::from_str(text).expect("base58 address").as_ref());
        }
        IdlType::Bytes | IdlType::String => {
            let data: Vec<u8> = match value {
                Value::String(s) => s.as_bytes().to_vec(),
                _ => serde_json::from_value(value.clone()).unwrap_or_else(|_| panic!("{path}: {value} is not bytes")),
            };
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&data);
        }
        IdlType::Option(inner) => {
            if value.is_null() {
                out.push(0);
            } else {
                out.push(1);
                encode(idl, inner, value, path, out, spans);
            }
        }
        IdlType::Vec(inner) => {
            let items = value.as_array().unwrap_or_else(|| panic!("{path}: {value} is not an array"));
            out.extend_from_slice(&(items.len() as u32).to_le_bytes());
            spans.push((format!("{path} (u32 LE length)"), start..out.len()));
            for (i, item) in items.iter().enumerate() {
                encode(idl, inner, item, &format!("{path}[{i}]"), out, spans);
            }
            return;
        }
        IdlType::Array(inner, len) => {
            let items = value.as_array().unwrap_or_else(|| panic!("{path}: {value} is not an array"));
            let IdlArrayLen::Value(len) = len else { panic!("{path}: generic array length") };
            assert_eq!(items.len(), *len, "{path}: the IDL's array has {len} elements");
            if **inner == IdlType::U8 {
                for item in items {
                    encode(idl, inner, item, path, out, &mut Vec::new());
                }
            } else {
                for (i, item) in items.iter().enumerate() {
                    encode(idl, inner, item, &format!("{path}[{i}]"), out, spans);
                }
                return;
            }
        }
        IdlType::Defined { name, generics } => {
            assert!(generics.is_empty(), "{path}: generic type `{name}`");
            let def =
                idl.types.iter().find(|t| t.name == *name).unwrap_or_else(|| panic!("type `{name}` not in the IDL"));
            assert_eq!(def.serialization, IdlSerialization::Borsh, "{path}: `{name}` is not borsh-serialized");
            match &def.ty {
                IdlTypeDefTy::Struct { fields: Some(IdlDefinedFields::Named(fields)) } => {
                    let object = value.as_object().unwrap_or_else(|| panic!("{path}: {value} is not an object"));
                    let idl_names: BTreeSet<&str> = fields.iter().map(|f| f.name.as_str()).collect();
                    let sample_names: BTreeSet<&str> = object.keys().map(String::as_str).collect();
                    assert_eq!(
                        sample_names, idl_names,
                        "{path}: the sample's fields are not the IDL's `{name}` fields"
                    );
                    for field in fields {
                        encode(idl, &field.ty, &object[&field.name], &format!("{path}.{}", field.name), out, spans);
                    }
                }
                IdlTypeDefTy::Struct { fields: None } => {}
                IdlTypeDefTy::Type { alias } => encode(idl, alias, value, path, out, spans),
                other => panic!("{path}: `{name}` is {other:?}: teach this test about it"),
            }
            return;
        }
        other => panic!("{path}: IDL type {other:?}: teach this test about it"),
    }
    spans.push((path.to_owned(), start..out.len()));
}

/// Where the first difference between `got` and `want` lies, by field.
fn first_difference(got: &[u8], want: &[u8], spans: &[(String, Range<usize>)]) -> String {
    let at = got.iter().zip(want).position(|(a, b)| a != b).unwrap_or(got.len().min(want.len()));
    let field = spans.iter().find(|(_, r)| r.contains(&at)).map_or("past the last field", |(name, _)| name);
    format!("{} bytes, the IDL says {}; first difference at byte {at}: {field}", got.len(), want.len())
}

fn check_case(idl: &Idl, case: &Case) {
    let instruction = idl
        .instructions
        .iter()
        .find(|i| i.name == case.name)
        .unwrap_or_else(|| panic!("the SDK builds `{}`, which the IDL does not have", case.name));
    let name = case.name;
    assert_eq!(case.ix.program_id.to_string(), idl.address, "{name}: program id");

    // Discriminator, then the arguments in the IDL's order, encoded from its type description.
    let data = &case.ix.data;
    let disc = &instruction.discriminator;
    assert!(data.starts_with(disc), "{name}: data {data:?} does not start with the IDL's discriminator {disc:?}");
    let object = case.args.as_object().expect("args object");
    let idl_args: BTreeSet<&str> = instruction.args.iter().map(|a| a.name.as_str()).collect();
    let sample_args: BTreeSet<&str> = object.keys().map(String::as_str).collect();
    assert_eq!(sample_args, idl_args, "{name}: the sample's arguments are not the IDL's");
    let mut want = disc.clone();
    let mut spans = vec![("discriminator".to_owned(), 0..disc.len())];
    for arg in &instruction.args {
        encode(idl, &arg.ty, &object[&arg.name], &arg.name, &mut want, &mut spans);
    }
    assert!(*data == want, "{name}: instruction data: {}", first_difference(data, &want, &spans));

    // Named accounts: the IDL's order, addresses and flags; then the remaining accounts.
    let named = named_accounts(instruction);
    for (known, _) in &case.known {
        assert!(
            named.iter().any(|a| a.name == *known),
            "{name}: the test knows `{known}`, the IDL has no such account"
        );
    }
    let metas = &case.ix.accounts;
    assert!(metas.len() >= named.len(), "{name}: {} accounts, the IDL names {}", metas.len(), named.len());
    for (position, (meta, account)) in metas.iter().zip(&named).enumerate() {
        let want = expected_address(instruction, case, idl, &account.name);
        let at = |a: &Address| {
            named
                .iter()
                .map(|n| n.name.as_str())
                .find(|n| expected_address(instruction, case, idl, n) == *a)
                .map_or_else(|| "no named account".to_owned(), |n| format!("`{n}`"))
        };
        assert!(
            meta.pubkey == want,
            "{name}: account {position} must be `{}` (the IDL's order); the builder put {} there",
            account.name,
            at(&meta.pubkey)
        );
        assert_eq!(meta.is_signer, account.signer, "{name}: `{}` signer flag", account.name);
        assert_eq!(meta.is_writable, account.writable, "{name}: `{}` writable flag", account.name);
    }
    assert_eq!(metas[named.len()..], case.remaining[..], "{name}: the accounts after the IDL's named ones");
}

#[test]
fn every_idl_instruction_is_built_as_the_idl_says() {
    let idl = idl();
    let cases = cases();
    let built: BTreeSet<&str> = cases.iter().map(|c| c.name).collect();
    assert_eq!(built.len(), cases.len(), "one case per instruction");
    let described: BTreeSet<&str> = idl.instructions.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(built, described, "SDK builders vs. IDL instructions");
    for case in &cases {
        check_case(&idl, case);
    }
}

/// Every `pub fn … -> Instruction` of `sdk/src/instructions.rs` has a case above (so every
/// builder is checked against the IDL).
#[test]
fn every_sdk_builder_has_a_case() {
    let source = include_str!("../src/instructions.rs");
    let builders: BTreeSet<&str> = source
        .split("pub fn ")
        .skip(1)
        .filter(|item| item.split('{').next().unwrap().contains("-> Instruction"))
        .map(|item| item.split('(').next().unwrap().trim())
        .collect();
    let cases: BTreeSet<&str> = cases().iter().map(|c| c.name).collect();
    assert_eq!(builders, cases, "instruction builders in sdk/src/instructions.rs vs. the cases of this test");
}

/// Every `EdgerunError`, in declaration order. The `match` makes a new variant a compile error
/// here; the code check below makes a wrong order fail.
macro_rules! every_error {
    ($($variant:ident)*) => {{
        #[allow(dead_code)]
        fn exhaustive(error: EdgerunError) {
            match error { $(EdgerunError::$variant => {})* }
        }
        [$((stringify!($variant), EdgerunError::$variant)),*]
    }};
}

#[test]
fn idl_errors_are_the_programs() {
    let errors = every_error!(
        NotAdmin NotSchedulerAuthority NotRandomnessAuthority NotJobClient ProtocolPaused InvalidConfig
        InvalidFeeBps InvalidCommittee ZeroAmount InsufficientUnlockedStake InsufficientTreasuryBalance
        JobIdMismatch InvalidJobLimits RuntimeNotAllowed InvalidJobStatus SeedAlreadySet SeedNotSet
        WrongCommitteeSize DuplicateWorker WorkerNotActive InvalidWorkerStakeAccount InvalidJobResultAccount
        InvalidOutputAccount WrongRemainingAccounts WorkerNotAssigned DeadlinePassed DeadlineNotPassed
        AlreadySubmitted MissingEd25519Instruction MalformedEd25519Instruction AttestationKeyMismatch
        AttestationMessageMismatch AttestationSignatureMismatch QuorumNotReached NotWinningOutput NotAWinner
        PointerTooLong OutputAlreadyDeclared OutputNotDeclared DaWindowNotPassed NothingToPenalize
        WorkerAlreadySubmitted ReplacementAlreadyAssigned RetentionNotPassed WrongRentRecipient InvalidTreasury
        ArithmeticOverflow StakeInvariantViolated ReplacementPreviouslyRemoved ReassignmentLimitReached
        NotUpgradeAuthority InvalidProgramData NotPendingAdmin InvalidPenalty WindowTooLong
        MinEscrowBelowRentExemption EscrowBelowMinimum MemberDeadlineNotPassed InputUnavailableQuorum
        InputUnavailableNotReached RentReserveExhausted InvalidWorkerCapacity
    );
    let program: Vec<(u32, String)> = errors
        .iter()
        .enumerate()
        .map(|(i, (name, error))| {
            let code = match anchor_lang::prelude::ProgramError::from(*error) {
                anchor_lang::prelude::ProgramError::Custom(code) => code,
                other => panic!("{name} is not a custom error: {other:?}"),
            };
            assert_eq!(code, 6000 + i as u32, "{name}: declared at position {i}");
            assert_eq!(format!("{error:?}"), *name);
            (code, name.to_string())
        })
        .collect();
    let described: Vec<(u32, String)> = idl().errors.iter().map(|e| (e.code, e.name.clone())).collect();
    assert_eq!(described, program, "IDL errors vs. EdgerunError");
    assert!(idl().errors.iter().all(|e| e.msg.as_deref().is_some_and(|m| !m.is_empty())), "every error has a message");
}

fn discriminators(items: &[(&str, &[u8])]) -> BTreeMap<String, Vec<u8>> {
    items.iter().map(|(name, disc)| (name.to_string(), disc.to_vec())).collect()
}

#[test]
fn idl_account_and_event_discriminators_are_the_programs() {
    use edgerun::events::*;
    use edgerun::state::{GlobalConfig, JobResult, OutputAvailability, Treasury, WorkerStake};
    let idl = idl();
    let accounts = discriminators(&[
        ("GlobalConfig", GlobalConfig::DISCRIMINATOR),
        ("Job", Job::DISCRIMINATOR),
        ("JobResult", JobResult::DISCRIMINATOR),
        ("OutputAvailability", OutputAvailability::DISCRIMINATOR),
        ("Treasury", Treasury::DISCRIMINATOR),
        ("WorkerStake", WorkerStake::DISCRIMINATOR),
    ]);
    let described = idl.accounts.iter().map(|a| (a.name.clone(), a.discriminator.clone())).collect();
    assert_eq!(accounts, described, "account discriminators");
    let events = discriminators(&[
        ("ConfigUpdated", ConfigUpdated::DISCRIMINATOR),
        ("WorkerRegistered", WorkerRegistered::DISCRIMINATOR),
        ("StakeDeposited", StakeDeposited::DISCRIMINATOR),
        ("StakeWithdrawn", StakeWithdrawn::DISCRIMINATOR),
        ("JobPosted", JobPosted::DISCRIMINATOR),
        ("JobSeeded", JobSeeded::DISCRIMINATOR),
        ("WorkersAssigned", WorkersAssigned::DISCRIMINATOR),
        ("ResultSubmitted", ResultSubmitted::DISCRIMINATOR),
        ("JobQuorumReached", JobQuorumReached::DISCRIMINATOR),
        ("OutputDeclared", OutputDeclared::DISCRIMINATOR),
        ("JobFinalized", JobFinalized::DISCRIMINATOR),
        ("WorkerPaid", WorkerPaid::DISCRIMINATOR),
        ("WorkerSlashed", WorkerSlashed::DISCRIMINATOR),
        ("WorkerPenalized", WorkerPenalized::DISCRIMINATOR),
        ("WorkerReassigned", WorkerReassigned::DISCRIMINATOR),
        ("JobCancelled", JobCancelled::DISCRIMINATOR),
        ("DaExpired", DaExpired::DISCRIMINATOR),
        ("JobClosed", JobClosed::DISCRIMINATOR),
        ("JobInputUnavailable", JobInputUnavailable::DISCRIMINATOR),
        ("WorkerCapacitySet", WorkerCapacitySet::DISCRIMINATOR),
        ("TreasuryWithdrawn", TreasuryWithdrawn::DISCRIMINATOR),
    ]);
    let described = idl.events.iter().map(|e| (e.name.clone(), e.discriminator.clone())).collect();
    assert_eq!(events, described, "event discriminators");
}
