//! `getProgramAccounts` filters over Edgerun accounts. Every offset is computed from the
//! program's account types (`[discriminator][repr(C) Pod struct]`, alignment 1, so a field's
//! offset in the account data is the discriminator length plus `offset_of!`): when the program
//! adds or moves a field, the filters follow on the next build.

use core::mem::{offset_of, size_of};

use anchor_lang::Discriminator;
use edgerun::constants::{MAX_COMMITTEE_SIZE, MAX_REASSIGNMENTS};
use edgerun::state::{Job, JobStatus};
use solana_address::Address;

use super::Memcmp;

/// Offset in the account data of a field at `field_offset` in the struct of account type `T`.
const fn data_offset<T: Discriminator>(field_offset: usize) -> usize {
    T::DISCRIMINATOR.len() + field_offset
}

/// Accounts of type `T` only.
pub fn discriminator<T: Discriminator>() -> Memcmp {
    Memcmp::new(0, T::DISCRIMINATOR)
}

/// Jobs in `status`.
pub fn job_status(status: JobStatus) -> Memcmp {
    Memcmp::new(data_offset::<Job>(offset_of!(Job, status)), [status as u8])
}

/// Jobs posted by `client`.
pub fn job_client(client: &Address) -> Memcmp {
    Memcmp::new(data_offset::<Job>(offset_of!(Job, client)), client.to_bytes())
}

/// Jobs that run the bundle `bundle_hash` (the gateway's retention asks whether a stored bundle
/// is still wanted).
pub fn job_bundle_hash(bundle_hash: &[u8; 32]) -> Memcmp {
    Memcmp::new(data_offset::<Job>(offset_of!(Job, bundle_hash)), bundle_hash.to_vec())
}

/// Jobs whose winning output is `output_hash`.
pub fn job_winning_output(output_hash: &[u8; 32]) -> Memcmp {
    Memcmp::new(data_offset::<Job>(offset_of!(Job, winning_output_hash)), output_hash.to_vec())
}

/// Jobs with `worker` in committee slot `slot` (`0..MAX_COMMITTEE_SIZE`). A slot at or beyond
/// the job's `assigned_count` is not a committee member: check `Job::committee_index` on what
/// comes back.
pub fn job_assigned_worker(slot: usize, worker: &Address) -> Memcmp {
    assert!(slot < MAX_COMMITTEE_SIZE, "committee slot {slot} out of range");
    let offset = offset_of!(Job, assigned_workers) + slot * size_of::<Address>();
    Memcmp::new(data_offset::<Job>(offset), worker.to_bytes())
}

/// Jobs that replaced `worker` at position `position` of their replaced list
/// (`0..MAX_REASSIGNMENTS`). A position at or beyond the job's `replaced_count` is not a replaced
/// member: check `Job::replaced` on what comes back.
pub fn job_replaced_worker(position: usize, worker: &Address) -> Memcmp {
    assert!(position < MAX_REASSIGNMENTS, "replaced position {position} out of range");
    let offset = offset_of!(Job, replaced_workers) + position * size_of::<Address>();
    Memcmp::new(data_offset::<Job>(offset), worker.to_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::AccountDeserialize;

    /// The filters select the bytes that the program's own decoder reads those fields from.
    #[test]
    fn offsets_point_at_the_fields_in_serialized_accounts() {
        let worker = Address::new_from_array([5; 32]);
        let client = Address::new_from_array([6; 32]);
        let mut job: Job = anchor_lang::bytemuck::Zeroable::zeroed();
        job.set_status(JobStatus::Assigned);
        job.client = client;
        job.assigned_workers[2] = worker;
        job.assigned_count = 3;
        job.bundle_hash = [8; 32];
        job.winning_output_hash = [9; 32];
        job.replaced_workers[1] = client;
        job.replaced_count = 2;
        let mut data = Job::DISCRIMINATOR.to_vec();
        data.extend_from_slice(anchor_lang::bytemuck::bytes_of(&job));
        let decoded = Job::try_deserialize(&mut data.as_slice()).expect("decode the job");
        assert_eq!((decoded.status, decoded.client, decoded.committee()), (job.status, client, job.committee()));

        assert!(discriminator::<Job>().matches(&data));
        assert!(job_status(JobStatus::Assigned).matches(&data));
        assert!(!job_status(JobStatus::Posted).matches(&data));
        assert!(job_client(&client).matches(&data));
        assert!(!job_client(&worker).matches(&data));
        assert!(job_assigned_worker(2, &worker).matches(&data));
        assert!(!job_assigned_worker(1, &worker).matches(&data));
        assert!(job_replaced_worker(1, &client).matches(&data) && !job_replaced_worker(0, &client).matches(&data));
        assert!(job_bundle_hash(&[8; 32]).matches(&data) && !job_bundle_hash(&[9; 32]).matches(&data));
        assert!(job_winning_output(&[9; 32]).matches(&data) && !job_winning_output(&[8; 32]).matches(&data));
    }
}
