//! Account layouts. Every account is zero-copy (`[8-byte discriminator][repr(C) Pod struct]`) so
//! the SDK and the services read them with the very same types.

mod config;
mod job;
mod job_result;
mod output_availability;
mod treasury;
mod worker_stake;

pub use config::*;
pub use job::*;
pub use job_result::*;
pub use output_availability::*;
pub use treasury::*;
pub use worker_stake::*;

/// The IDL's definitions of the enums whose values the accounts store as one raw byte (a
/// zero-copy field must accept every byte, so it cannot be the enum itself): `JobStatus` and
/// `WorkerStatus`, for clients to name a status. Nothing in the program's interface refers to
/// them by type, so anchor-lang's own print tests leave them out; `scripts/idl.sh` runs this
/// one with theirs (same name prefix) and tools/idl adds the `type` blocks to the IDL's types.
#[cfg(all(test, feature = "idl-build"))]
mod idl_status_types {
    use anchor_lang::IdlAccountType;

    #[test]
    fn __anchor_private_print_idl_status_types() {
        for definition in [
            <super::JobStatus as IdlAccountType>::__idl_type_def(),
            <super::WorkerStatus as IdlAccountType>::__idl_type_def(),
        ] {
            println!("--- IDL begin type ---");
            println!("{}", definition.expect("an IdlType enum has a type definition"));
            println!("--- IDL end type ---");
        }
    }
}
