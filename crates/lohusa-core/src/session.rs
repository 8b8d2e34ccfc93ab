//! The session's decisions after a sync, without the app shell: whether the lease ends, which
//! members the device forgets, whether it locks, erases itself or stays open for sync only. The
//! shell (`src-tauri/src/session.rs`) gathers what it knows into a `SessionView`, asks
//! `after_sync`, and carries out the actions in order.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::ids::MemberId;

/// Where the app is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AppPhase {
    /// Nothing on this device yet: set it up (with the team's server, or without for now).
    Setup,
    /// Set up and locked: a member signs in with her PIN.
    Locked,
    Open,
}

/// Why only the sync screen is open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SyncOnly {
    /// Out of touch with the server for longer than the lease.
    Lease,
    /// The team lead revoked this device, and it still holds records the server does not.
    Revoked,
}

/// Something the app says once, on the next screen (kept in a small file without patient data).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Notice {
    /// Locked after the idle time without use.
    Idle,
    /// Revoked: everything was on the server, and the data was erased from this device.
    RevokedErased,
    /// The signed-in member was revoked by the team lead and removed from this device.
    MemberRevoked,
    /// Too many wrong PINs removed a member from this device.
    MemberErased,
}

/// How a sync ended, as the session needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncEnd {
    /// It finished; the server named these members of this device as revoked.
    Finished { revoked_members: Vec<MemberId> },
    /// The server said the team lead revoked this device; `all_uploaded` when the server holds
    /// everything it recorded.
    DeviceRevoked { all_uploaded: bool },
    /// Offline, refused for another reason, interrupted: nothing changes.
    Failed,
}

/// What the session is, as the decisions after a sync read it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionView {
    /// The member signed in now, if the store is open.
    pub signed_in: Option<MemberId>,
    pub sync_only: Option<SyncOnly>,
    /// The members whose PIN opens this device.
    pub members_on_device: Vec<MemberId>,
}

/// One thing the shell does, in the order given. When one fails, the shell reports it and
/// carries out none of those after it (a notice of an erasure that did not happen is never
/// shown).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// The sync-only state ends (the lease is renewed).
    EndSyncOnly,
    /// These members can no longer open this device.
    ForgetMembers(Vec<MemberId>),
    /// Close the store: the sign-in screen (or setup, once erased) is next.
    Lock,
    /// Remove the export files (health data in clear).
    EraseExports,
    /// Erase the store and its keys: nothing on this device can be read any more.
    Wipe,
    /// Remember in the store that this device was revoked (it then only uploads).
    MarkRevoked,
    /// Only the sync screen stays open, for this reason.
    SyncOnly(SyncOnly),
    /// Say this once, on the next screen.
    Notice(Notice),
}

/// What a finished sync means for the session:
/// - the lease is renewed by any finished sync;
/// - revoked members are forgotten; if the one signed in is among them the device locks first,
///   and when no member is left who could open it, it is erased;
/// - a revoked device that uploaded everything locks, erases its exports and itself and says so;
///   one that still holds records the server lacks stays open for sync only, marked revoked.
pub fn after_sync(view: &SessionView, end: &SyncEnd) -> Vec<Action> {
    let mut actions = Vec::new();
    match end {
        SyncEnd::Finished { revoked_members } => {
            if view.sync_only == Some(SyncOnly::Lease) {
                actions.push(Action::EndSyncOnly);
            }
            if revoked_members.is_empty() {
                return actions;
            }
            let signed_in_revoked = view.signed_in.is_some_and(|m| revoked_members.contains(&m));
            // She is locked out first, whatever happens to the rest.
            if signed_in_revoked {
                actions.push(Action::Lock);
            }
            actions.push(Action::ForgetMembers(revoked_members.clone()));
            if signed_in_revoked {
                actions.push(Action::Notice(Notice::MemberRevoked));
                let left = view.members_on_device.iter().any(|m| !revoked_members.contains(m));
                if !left {
                    // No one left who can open it: nothing else can ever read it.
                    actions.push(Action::Wipe);
                }
            }
        }
        SyncEnd::DeviceRevoked { all_uploaded: true } => actions.extend([
            Action::Lock,
            Action::EraseExports,
            Action::Wipe,
            Action::Notice(Notice::RevokedErased),
            Action::EndSyncOnly,
        ]),
        SyncEnd::DeviceRevoked { all_uploaded: false } => {
            actions.extend([Action::MarkRevoked, Action::SyncOnly(SyncOnly::Revoked)])
        }
        SyncEnd::Failed => {}
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(n: u128) -> MemberId {
        MemberId(uuid::Uuid::from_u128(n))
    }

    fn view(signed_in: Option<u128>, sync_only: Option<SyncOnly>, on_device: &[u128]) -> SessionView {
        SessionView {
            signed_in: signed_in.map(member),
            sync_only,
            members_on_device: on_device.iter().copied().map(member).collect(),
        }
    }

    fn finished(revoked: &[u128]) -> SyncEnd {
        SyncEnd::Finished {
            revoked_members: revoked.iter().copied().map(member).collect(),
        }
    }

    #[test]
    fn a_finished_sync_renews_a_lapsed_lease_and_changes_nothing_else() {
        assert_eq!(
            after_sync(&view(Some(1), Some(SyncOnly::Lease), &[1]), &finished(&[])),
            [Action::EndSyncOnly]
        );
        assert_eq!(after_sync(&view(Some(1), None, &[1]), &finished(&[])), []);
        // A revoked device's sync-only state is not a lease: a sync does not end it.
        assert_eq!(
            after_sync(&view(None, Some(SyncOnly::Revoked), &[1]), &finished(&[])),
            []
        );
    }

    #[test]
    fn a_revoked_colleague_is_forgotten_without_locking_the_one_signed_in() {
        assert_eq!(
            after_sync(&view(Some(1), None, &[1, 2]), &finished(&[2])),
            [Action::ForgetMembers(vec![member(2)])]
        );
        // Locked, nobody signed in: forgotten all the same.
        assert_eq!(
            after_sync(&view(None, None, &[1, 2]), &finished(&[2])),
            [Action::ForgetMembers(vec![member(2)])]
        );
    }

    #[test]
    fn the_member_signed_in_revoked_locks_and_the_last_one_erases_the_device() {
        assert_eq!(
            after_sync(&view(Some(1), None, &[1, 2]), &finished(&[1])),
            [
                Action::Lock,
                Action::ForgetMembers(vec![member(1)]),
                Action::Notice(Notice::MemberRevoked)
            ]
        );
        assert_eq!(
            after_sync(&view(Some(1), None, &[1]), &finished(&[1])),
            [
                Action::Lock,
                Action::ForgetMembers(vec![member(1)]),
                Action::Notice(Notice::MemberRevoked),
                Action::Wipe
            ]
        );
    }

    #[test]
    fn a_revoked_device_erases_itself_only_once_the_server_has_everything() {
        assert_eq!(
            after_sync(
                &view(Some(1), None, &[1]),
                &SyncEnd::DeviceRevoked { all_uploaded: false }
            ),
            [Action::MarkRevoked, Action::SyncOnly(SyncOnly::Revoked)]
        );
        assert_eq!(
            after_sync(
                &view(Some(1), Some(SyncOnly::Revoked), &[1]),
                &SyncEnd::DeviceRevoked { all_uploaded: true }
            ),
            [
                Action::Lock,
                Action::EraseExports,
                Action::Wipe,
                Action::Notice(Notice::RevokedErased),
                Action::EndSyncOnly
            ]
        );
    }

    #[test]
    fn a_failed_sync_changes_nothing() {
        assert_eq!(
            after_sync(&view(Some(1), Some(SyncOnly::Lease), &[1]), &SyncEnd::Failed),
            []
        );
    }
}
