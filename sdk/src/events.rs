//! Edgerun events as read back from transaction logs.
//!
//! The program emits every event with Anchor v2's `emit!`: one `Program data: <base64>` log line
//! holding the event's 8-byte discriminator followed by its wincode body in Anchor's borsh-compatible
//! configuration (`anchor_lang::BORSH_CONFIG`). The `#[event]` macro only derives the *writing*
//! half (`wincode::SchemaWrite`) on the program's types, so this module declares one read-side
//! twin per event. The twins cannot drift from the program silently:
//!
//! - the discriminator of each variant is the program type's own `Discriminator::DISCRIMINATOR`;
//! - `From<edgerun::events::X>` destructures the program's event exhaustively (no `..`), so a field
//!   added to, removed from or renamed in the program breaks this crate's build;
//! - the unit tests encode a program event with the program's `Event::data()` and decode it here,
//!   for every event, with distinct values in every field (which catches a reordered field).
//!
//! Only `Program data:` lines written while the Edgerun program is the innermost running program
//! count: [`decode_logs`] follows the `Program <id> invoke [n]` / `success` / `failed` lines, so
//! data logged by another program (or by a program Edgerun invokes) is never taken for ours.

use anchor_lang::{Discriminator, BORSH_CONFIG};
use base64::Engine;
use edgerun::instructions::ConfigParams;
use solana_address::Address;

/// Why a `Program data:` payload from the Edgerun program could not be read as an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventDecodeError {
    #[error("event data is not valid base64")]
    NotBase64,
    #[error("no Edgerun event has the discriminator {0}")]
    UnknownDiscriminator(String),
    #[error("the body of event {event} is malformed: {reason}")]
    MalformedBody { event: &'static str, reason: String },
}

macro_rules! edgerun_events {
    ($($name:ident { $($field:ident : $ty:ty),* $(,)? }),* $(,)?) => {
        $(
            #[doc = concat!("`edgerun::events::", stringify!($name), "` as decoded from logs.")]
            #[derive(Debug, Clone, Copy, PartialEq, Eq, wincode::SchemaRead, wincode::SchemaWrite)]
            pub struct $name {
                $(pub $field: $ty),*
            }

            impl From<edgerun::events::$name> for $name {
                fn from(event: edgerun::events::$name) -> Self {
                    // Exhaustive on purpose: a field change in the program fails to compile here.
                    let edgerun::events::$name { $($field),* } = event;
                    $name { $($field),* }
                }
            }

            impl From<$name> for edgerun::events::$name {
                fn from(event: $name) -> Self {
                    let $name { $($field),* } = event;
                    edgerun::events::$name { $($field),* }
                }
            }
        )*

        /// Every event the Edgerun program emits.
        // `WorkersAssigned` carries the whole committee (~340 bytes); events are decoded once and
        // matched by value, so its variant is not boxed.
        #[allow(clippy::large_enum_variant)]
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum EdgerunEvent {
            $($name($name)),*
        }

        impl EdgerunEvent {
            /// Decodes one event payload: discriminator, then body (nothing may follow it).
            pub fn decode(data: &[u8]) -> Result<Self, EventDecodeError> {
                $(
                    if let Some(body) = data.strip_prefix(<edgerun::events::$name as Discriminator>::DISCRIMINATOR) {
                        return wincode::config::deserialize_exact::<$name, _>(body, BORSH_CONFIG)
                            .map(EdgerunEvent::$name)
                            .map_err(|error| EventDecodeError::MalformedBody {
                                event: stringify!($name),
                                reason: error.to_string(),
                            });
                    }
                )*
                let prefix = &data[..data.len().min(8)];
                Err(EventDecodeError::UnknownDiscriminator(hex::encode(prefix)))
            }

            /// The event's name, as declared in the program.
            pub fn name(&self) -> &'static str {
                match self {
                    $(EdgerunEvent::$name(_) => stringify!($name)),*
                }
            }
        }

        #[cfg(test)]
        mod generated_tests {
            use super::*;
            use anchor_lang::Event;

            /// One program event of each kind, every field filled with distinct bytes.
            pub(super) fn one_of_each() -> Vec<(Vec<u8>, EdgerunEvent)> {
                let mut seed = 0u8;
                vec![$({
                    let twin = $name { $($field: sample::Sample::sample(&mut seed)),* };
                    let program_event: edgerun::events::$name = twin.into();
                    (program_event.data(), EdgerunEvent::$name(twin))
                }),*]
            }
        }
    };
}

edgerun_events! {
    ConfigUpdated { admin: Address, pending_admin: Address, params: ConfigParams },
    WorkerRegistered { worker: Address },
    StakeDeposited { worker: Address, amount: u64, total_stake: u64 },
    StakeWithdrawn { worker: Address, amount: u64, total_stake: u64 },
    JobPosted { job_id: [u8; 32], client: Address, escrow_lamports: u64, committee_size: u8, quorum: u8 },
    JobSeeded { job_id: [u8; 32], seed: [u8; 32] },
    WorkersAssigned { job_id: [u8; 32], workers: [Address; 9], assigned_count: u8, deadline_slot: u64 },
    ResultSubmitted { job_id: [u8; 32], worker: Address, output_hash: [u8; 32] },
    JobQuorumReached { job_id: [u8; 32], winning_output_hash: [u8; 32] },
    OutputDeclared { job_id: [u8; 32], output_hash: [u8; 32], publisher: Address },
    JobFinalized { job_id: [u8; 32], winning_output_hash: [u8; 32] },
    WorkerPaid { job_id: [u8; 32], worker: Address, amount: u64 },
    WorkerSlashed { job_id: [u8; 32], worker: Address, amount: u64 },
    WorkerPenalized { job_id: [u8; 32], worker: Address, amount: u64 },
    WorkerReassigned { job_id: [u8; 32], missing_worker: Address, replacement_worker: Address, deadline_slot: u64 },
    JobCancelled { job_id: [u8; 32], refund_lamports: u64 },
    DaExpired { job_id: [u8; 32], deadline_slot: u64 },
    JobClosed { job_id: [u8; 32] },
    JobInputUnavailable { job_id: [u8; 32] },
    WorkerCapacitySet { worker: Address, max_concurrent_jobs: u16, instructions_per_second: u64 },
    TreasuryWithdrawn { recipient: Address, amount: u64 },
}

const DATA_PREFIX: &str = "Program data: ";

/// Every `Program data:` line the Edgerun program wrote in `logs`, decoded, in log order. Lines
/// written by other programs are skipped; a line of ours that does not decode is an `Err` entry
/// (a program newer than this SDK, or a corrupted log).
pub fn parse_logs(logs: &[String]) -> Vec<Result<EdgerunEvent, EventDecodeError>> {
    let program = edgerun::ID.to_string();
    // Programs currently running, innermost last.
    let mut running: Vec<&str> = Vec::new();
    let mut events = Vec::new();
    for line in logs {
        if let Some(payload) = line.strip_prefix(DATA_PREFIX) {
            if running.last() == Some(&program.as_str()) {
                events.push(decode_payload(payload));
            }
        } else if let Some(rest) = line.strip_prefix("Program ") {
            let mut words = rest.split_whitespace();
            let (Some(id), Some(verb)) = (words.next(), words.next()) else { continue };
            match verb {
                "invoke" => running.push(id),
                "success" => {
                    running.pop();
                }
                _ if verb.starts_with("failed") => {
                    running.pop();
                }
                _ => {}
            }
        }
    }
    events
}

/// The events of [`parse_logs`] that decoded.
pub fn decode_logs(logs: &[String]) -> Vec<EdgerunEvent> {
    parse_logs(logs).into_iter().filter_map(Result::ok).collect()
}

fn decode_payload(payload: &str) -> Result<EdgerunEvent, EventDecodeError> {
    // `sol_log_data` logs each slice as one base64 word; `emit!` passes exactly one.
    let bytes =
        base64::engine::general_purpose::STANDARD.decode(payload.trim()).map_err(|_| EventDecodeError::NotBase64)?;
    EdgerunEvent::decode(&bytes)
}

#[cfg(test)]
mod sample {
    use solana_address::Address;

    /// Test values where every byte differs from the previous field's, so a swapped field order
    /// between the program and the twin cannot decode to equal values.
    pub trait Sample {
        fn sample(seed: &mut u8) -> Self;
    }

    fn next(seed: &mut u8) -> u8 {
        *seed = seed.wrapping_add(1);
        *seed
    }

    impl Sample for u8 {
        fn sample(seed: &mut u8) -> Self {
            next(seed)
        }
    }

    impl Sample for u64 {
        fn sample(seed: &mut u8) -> Self {
            u64::from_le_bytes(std::array::from_fn(|_| next(seed)))
        }
    }

    impl Sample for bool {
        fn sample(_: &mut u8) -> Self {
            true
        }
    }

    impl Sample for [u8; 32] {
        fn sample(seed: &mut u8) -> Self {
            std::array::from_fn(|_| next(seed))
        }
    }

    impl Sample for Address {
        fn sample(seed: &mut u8) -> Self {
            Address::new_from_array(Sample::sample(seed))
        }
    }

    impl<const N: usize> Sample for [Address; N] {
        fn sample(seed: &mut u8) -> Self {
            std::array::from_fn(|_| Address::sample(seed))
        }
    }

    impl Sample for u16 {
        fn sample(seed: &mut u8) -> Self {
            u16::from_le_bytes([next(seed), next(seed)])
        }
    }

    impl Sample for edgerun::instructions::ConfigParams {
        fn sample(seed: &mut u8) -> Self {
            edgerun::instructions::ConfigParams {
                scheduler_authority: Sample::sample(seed),
                randomness_authority: Sample::sample(seed),
                protocol_fee_bps: Sample::sample(seed),
                min_worker_stake_lamports: Sample::sample(seed),
                challenge_window_slots: Sample::sample(seed),
                da_window_slots: Sample::sample(seed),
                non_response_slash_lamports: Sample::sample(seed),
                committee_tiering_enabled: Sample::sample(seed),
                committee_size: Sample::sample(seed),
                quorum: Sample::sample(seed),
                max_memory_bytes: Sample::sample(seed),
                max_instructions: Sample::sample(seed),
                job_retention_slots: Sample::sample(seed),
                allowed_runtime_root: Sample::sample(seed),
                paused: Sample::sample(seed),
                min_escrow_lamports: Sample::sample(seed),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data_line(bytes: &[u8]) -> String {
        format!("{DATA_PREFIX}{}", base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    #[test]
    fn every_program_event_decodes_to_its_twin() {
        let all = generated_tests::one_of_each();
        assert_eq!(all.len(), 21);
        for (data, expected) in all {
            assert_eq!(EdgerunEvent::decode(&data).as_ref(), Ok(&expected), "{}", expected.name());
            // Trailing bytes are refused: the body must be exactly the event.
            let mut longer = data.clone();
            longer.push(0);
            assert!(matches!(EdgerunEvent::decode(&longer), Err(EventDecodeError::MalformedBody { .. })));
            assert!(matches!(
                EdgerunEvent::decode(&data[..data.len() - 1]),
                Err(EventDecodeError::MalformedBody { .. })
            ));
        }
    }

    #[test]
    fn only_data_written_by_the_edgerun_program_counts() {
        let all = generated_tests::one_of_each();
        let (ours, expected) = &all[4];
        let (theirs, _) = &all[5];
        let other = Address::new_from_array([7; 32]).to_string();
        let edgerun = edgerun::ID.to_string();
        let logs = vec![
            format!("Program {other} invoke [1]"),
            data_line(theirs),
            format!("Program {other} success"),
            format!("Program {edgerun} invoke [1]"),
            "Program log: Instruction: PostJob".to_string(),
            format!("Program {other} invoke [2]"),
            data_line(theirs),
            format!("Program {other} success"),
            data_line(ours),
            format!("Program {edgerun} consumed 5000 of 200000 compute units"),
            format!("Program {edgerun} success"),
            data_line(theirs),
        ];
        assert_eq!(decode_logs(&logs), vec![expected.clone()]);
    }

    #[test]
    fn undecodable_data_of_ours_is_reported_not_dropped() {
        let edgerun = edgerun::ID.to_string();
        let logs = vec![
            format!("Program {edgerun} invoke [1]"),
            format!("{DATA_PREFIX}!!!"),
            data_line(&[1, 2, 3, 4, 5, 6, 7, 8, 9]),
            format!("Program {edgerun} failed: custom program error: 0x1770"),
        ];
        let parsed = parse_logs(&logs);
        assert_eq!(parsed[0], Err(EventDecodeError::NotBase64));
        assert_eq!(parsed[1], Err(EventDecodeError::UnknownDiscriminator("0102030405060708".into())));
        assert!(decode_logs(&logs).is_empty());
    }
}
