//! The session as a state machine without the app shell: whether the store is open, for whom,
//! whether only sync may be used, when the app locks itself, and what a finished sync means
//! (the lease renewed, members forgotten, locking, erasing). The shell (`src-tauri`) feeds it
//! events (a member signed in, activity, a tick of the clock, a sync or a command that waits on
//! the server starting and ending, a lock asked for) and carries out the effects it returns, in
//! order; it keeps no phase of its own.
//!
//! Time here is monotonic: a `Duration` since the shell started, never a date.

use std::time::Duration;

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
    /// Offline, refused for another reason, interrupted, or not run at all (the device is not
    /// enrolled): nothing changes.
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

/// Inactivity after which the app locks itself.
pub const LOCK_AFTER: Duration = Duration::from_secs(5 * 60);

/// Where the session is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Nothing on this device (never set up, or erased): the setup screen.
    Setup,
    /// Set up, the store closed: a member signs in with her PIN.
    Locked,
    /// The store is open for `member`; with `sync_only` set, only the sync screen may use it.
    Open {
        member: MemberId,
        sync_only: Option<SyncOnly>,
        last_activity: Duration,
    },
    /// A lock was asked for while a sync or a command waiting on the server still runs: the
    /// store is refused to everyone, and closes once they end; `then` follows the closing. The
    /// member whose store it still is, and why it was for sync only, stay known: a sync that
    /// ends meanwhile may still revoke her.
    Locking {
        member: MemberId,
        sync_only: Option<SyncOnly>,
        then: Vec<Effect>,
    },
}

/// What happened, as the session needs to know it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A member's PIN (or a new setup) opened the store. `lease_lapsed` when the device has not
    /// synced for longer than the lease; `marked_revoked` when the store remembers the device
    /// was revoked.
    Opened {
        member: MemberId,
        lease_lapsed: bool,
        marked_revoked: bool,
        at: Duration,
    },
    /// The member is using the app.
    Activity { at: Duration },
    /// The clock moved on (the shell's timer).
    Tick { at: Duration },
    /// Lock now (the *Lock* button, or before erasing the device).
    LockAsked,
    /// A sync that `may_sync` let start has ended; `members_on_device` are those whose PIN opens
    /// this device now.
    SyncEnded {
        end: SyncEnd,
        members_on_device: Vec<MemberId>,
    },
    /// A command that `may_wait_on_server` let start has ended.
    BusyEnded,
    /// A PIN was refused; `member_erased` when it was one wrong PIN too many and her slot is
    /// gone.
    PinRefused { member_erased: bool },
    /// The shell erased the device's data (the member asked, nobody could sign in any more).
    Erased,
}

/// What the shell carries out, in order. When one fails it reports it and carries out none of
/// those after it (a notice of an erasure that did not happen is never shown).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Close the store: its key leaves memory with it.
    CloseStore,
    /// These members can no longer open this device.
    ForgetMembers(Vec<MemberId>),
    /// Remove the export files (health data in clear).
    EraseExports,
    /// Erase the store and its keys: nothing on this device can be read any more.
    Wipe,
    /// Remember in the store that this device was revoked (it then only uploads).
    MarkRevoked,
    /// Say this once, on the next screen.
    Notice(Notice),
    /// The notice was seen (a member signed in).
    ClearNotice,
    /// Sync at once.
    SyncNow,
}

/// Why the store is refused to a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Locked, being locked, or not set up.
    SignedOut,
    /// Out of touch with the server for longer than the lease: sync only.
    LeaseExpired,
    /// The device was revoked and still holds records the server lacks: sync only.
    Revoked,
}

impl Refusal {
    /// The stable name the UI is told.
    pub fn kind(self) -> &'static str {
        match self {
            Refusal::SignedOut => "signed_out",
            Refusal::LeaseExpired => "lease_expired",
            Refusal::Revoked => "revoked",
        }
    }
}

/// The session: its phase, and what runs that a lock must wait for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    phase: Phase,
    /// A sync is running (never two at once).
    syncing: bool,
    /// Commands that wait on the server and need the store afterwards (adding a member,
    /// enrolling).
    busy: usize,
}

impl Session {
    /// A session starting with the store closed: `set_up` when the device has a keyring.
    pub fn new(set_up: bool) -> Session {
        Session {
            phase: if set_up { Phase::Locked } else { Phase::Setup },
            syncing: false,
            busy: 0,
        }
    }

    pub fn phase(&self) -> &Phase {
        &self.phase
    }

    /// The phase the screens show.
    pub fn app_phase(&self) -> AppPhase {
        match self.phase {
            Phase::Setup => AppPhase::Setup,
            Phase::Locked | Phase::Locking { .. } => AppPhase::Locked,
            Phase::Open { .. } => AppPhase::Open,
        }
    }

    pub fn is_open(&self) -> bool {
        matches!(self.phase, Phase::Open { .. })
    }

    pub fn is_locking(&self) -> bool {
        matches!(self.phase, Phase::Locking { .. })
    }

    pub fn is_syncing(&self) -> bool {
        self.syncing
    }

    pub fn sync_only(&self) -> Option<SyncOnly> {
        match self.phase {
            Phase::Open { sync_only, .. } => sync_only,
            _ => None,
        }
    }

    pub fn member(&self) -> Option<MemberId> {
        match self.phase {
            Phase::Open { member, .. } => Some(member),
            _ => None,
        }
    }

    /// Whose store is in memory and why it was for sync only: while open, and while locking
    /// until it closes.
    fn holder(&self) -> (Option<MemberId>, Option<SyncOnly>) {
        match self.phase {
            Phase::Open { member, sync_only, .. } | Phase::Locking { member, sync_only, .. } => {
                (Some(member), sync_only)
            }
            Phase::Setup | Phase::Locked => (None, None),
        }
    }

    /// Whether a command may use the store: any open session for the sync screen, only one
    /// not limited to sync for everything else.
    pub fn may_use_store(&self, for_sync: bool) -> Result<(), Refusal> {
        match self.phase {
            Phase::Open { sync_only: None, .. } => Ok(()),
            Phase::Open { .. } if for_sync => Ok(()),
            Phase::Open {
                sync_only: Some(SyncOnly::Lease),
                ..
            } => Err(Refusal::LeaseExpired),
            Phase::Open {
                sync_only: Some(SyncOnly::Revoked),
                ..
            } => Err(Refusal::Revoked),
            _ => Err(Refusal::SignedOut),
        }
    }

    /// Starts a sync if the store is open (even for sync only) and none runs; the caller then
    /// sends `SyncEnded` when it ends.
    pub fn may_sync(&mut self) -> bool {
        let may = self.is_open() && !self.syncing;
        self.syncing |= may;
        may
    }

    /// Starts a command that waits on the server and needs the store afterwards; refused unless
    /// open. The caller sends `BusyEnded` when it ends.
    pub fn may_wait_on_server(&mut self) -> Result<(), Refusal> {
        self.may_use_store(true)?;
        self.busy += 1;
        Ok(())
    }

    /// When the app locks itself if nobody uses it, while open.
    pub fn lock_due(&self) -> Option<Duration> {
        match self.phase {
            Phase::Open { last_activity, .. } => Some(last_activity + LOCK_AFTER),
            _ => None,
        }
    }

    /// Moves the session on; the effects are for the shell to carry out, in order.
    pub fn handle(&mut self, event: Event) -> Vec<Effect> {
        match event {
            Event::Opened {
                member,
                lease_lapsed,
                marked_revoked,
                at,
            } => {
                // A store opened while the old one is being locked is closed with it: the shell
                // waits for a lock to end before signing anyone in, so this is only a race lost.
                if self.is_locking() {
                    return vec![];
                }
                let sync_only = if marked_revoked {
                    Some(SyncOnly::Revoked)
                } else if lease_lapsed {
                    Some(SyncOnly::Lease)
                } else {
                    None
                };
                self.phase = Phase::Open {
                    member,
                    sync_only,
                    last_activity: at,
                };
                vec![Effect::ClearNotice, Effect::SyncNow]
            }
            Event::Activity { at } => {
                if let Phase::Open { last_activity, .. } = &mut self.phase {
                    *last_activity = (*last_activity).max(at);
                }
                vec![]
            }
            Event::Tick { at } => match self.lock_due() {
                Some(due) if at >= due => self.lock(vec![Effect::Notice(Notice::Idle)]),
                _ => vec![],
            },
            Event::LockAsked => self.lock(vec![]),
            Event::SyncEnded { end, members_on_device } => {
                self.syncing = false;
                let (signed_in, sync_only) = self.holder();
                let view = SessionView {
                    signed_in,
                    sync_only,
                    members_on_device,
                };
                let mut effects = Vec::new();
                let mut actions = after_sync(&view, &end).into_iter();
                while let Some(action) = actions.next() {
                    match action {
                        Action::EndSyncOnly => self.set_sync_only(None),
                        Action::SyncOnly(why) => self.set_sync_only(Some(why)),
                        Action::ForgetMembers(members) => effects.push(Effect::ForgetMembers(members)),
                        Action::EraseExports => effects.push(Effect::EraseExports),
                        Action::Wipe => effects.push(Effect::Wipe),
                        Action::MarkRevoked => effects.push(Effect::MarkRevoked),
                        Action::Notice(notice) => effects.push(Effect::Notice(notice)),
                        Action::Lock => {
                            // The store closes first; everything after waits for it, and what
                            // changes the session's own state is moot once it closes.
                            let then = actions
                                .by_ref()
                                .filter_map(|action| match action {
                                    Action::ForgetMembers(members) => Some(Effect::ForgetMembers(members)),
                                    Action::EraseExports => Some(Effect::EraseExports),
                                    Action::Wipe => Some(Effect::Wipe),
                                    Action::MarkRevoked => Some(Effect::MarkRevoked),
                                    Action::Notice(notice) => Some(Effect::Notice(notice)),
                                    Action::EndSyncOnly | Action::SyncOnly(_) | Action::Lock => None,
                                })
                                .collect();
                            effects.extend(self.lock(then));
                        }
                    }
                }
                effects.extend(self.settle());
                effects
            }
            Event::BusyEnded => {
                self.busy = self.busy.saturating_sub(1);
                self.settle()
            }
            Event::PinRefused { member_erased } => {
                if member_erased {
                    vec![Effect::Notice(Notice::MemberErased)]
                } else {
                    vec![]
                }
            }
            Event::Erased => {
                // Erasing while a store is in memory (someone signed in meanwhile) closes it
                // first: its files are about to go.
                let open = self.holder().0.is_some();
                self.phase = Phase::Setup;
                if open { vec![Effect::CloseStore] } else { vec![] }
            }
        }
    }

    fn set_sync_only(&mut self, why: Option<SyncOnly>) {
        if let Phase::Open { sync_only, .. } = &mut self.phase {
            *sync_only = why;
        }
    }

    /// Starts locking: the store is refused at once, and closes as soon as nothing runs.
    fn lock(&mut self, mut then: Vec<Effect>) -> Vec<Effect> {
        match &mut self.phase {
            Phase::Open { member, sync_only, .. } => {
                self.phase = Phase::Locking {
                    member: *member,
                    sync_only: *sync_only,
                    then,
                };
                self.settle()
            }
            // Asked again while locking: what the second asker wants follows the same close.
            Phase::Locking { then: pending, .. } => {
                pending.append(&mut then);
                vec![]
            }
            // Closed already: the store is not open, so only what follows is left to do.
            Phase::Setup | Phase::Locked => {
                if then.contains(&Effect::Wipe) {
                    self.phase = Phase::Setup;
                }
                then
            }
        }
    }

    /// Closes the store once a lock was asked for and nothing runs any more.
    fn settle(&mut self) -> Vec<Effect> {
        if self.syncing || self.busy > 0 {
            return vec![];
        }
        match std::mem::replace(&mut self.phase, Phase::Locked) {
            Phase::Locking { then, .. } => {
                if then.contains(&Effect::Wipe) {
                    self.phase = Phase::Setup;
                }
                let mut effects = vec![Effect::CloseStore];
                effects.extend(then);
                effects
            }
            other => {
                self.phase = other;
                vec![]
            }
        }
    }
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
    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    fn opened(lease_lapsed: bool, marked_revoked: bool) -> Session {
        let mut session = Session::new(true);
        assert_eq!(
            session.handle(Event::Opened {
                member: member(1),
                lease_lapsed,
                marked_revoked,
                at: secs(10),
            }),
            [Effect::ClearNotice, Effect::SyncNow]
        );
        session
    }

    fn sync_ended(session: &mut Session, end: SyncEnd, on_device: &[u128]) -> Vec<Effect> {
        session.handle(Event::SyncEnded {
            end,
            members_on_device: on_device.iter().copied().map(member).collect(),
        })
    }

    #[test]
    fn a_device_starts_in_setup_or_locked_and_refuses_the_store() {
        for (set_up, phase) in [(false, AppPhase::Setup), (true, AppPhase::Locked)] {
            let mut session = Session::new(set_up);
            assert_eq!(session.app_phase(), phase);
            assert_eq!(session.may_use_store(true), Err(Refusal::SignedOut));
            assert_eq!(session.may_wait_on_server(), Err(Refusal::SignedOut));
            assert!(!session.may_sync(), "no sync without an open store");
            assert_eq!(session.lock_due(), None);
            assert_eq!(
                session.handle(Event::LockAsked),
                [],
                "locking a locked device does nothing"
            );
            assert_eq!(session.handle(Event::Tick { at: secs(100_000) }), []);
        }
    }

    #[test]
    fn signing_in_opens_the_store_and_a_lapsed_lease_or_a_revocation_leaves_sync_only() {
        let session = opened(false, false);
        assert_eq!(session.app_phase(), AppPhase::Open);
        assert_eq!(session.member(), Some(member(1)));
        assert_eq!(session.may_use_store(false), Ok(()));

        let lapsed = opened(true, false);
        assert_eq!(lapsed.sync_only(), Some(SyncOnly::Lease));
        assert_eq!(lapsed.may_use_store(false), Err(Refusal::LeaseExpired));
        assert_eq!(lapsed.may_use_store(true), Ok(()), "the sync screen stays usable");

        // Revoked wins over a lapsed lease: a sync cannot lift it.
        let revoked = opened(true, true);
        assert_eq!(revoked.sync_only(), Some(SyncOnly::Revoked));
        assert_eq!(revoked.may_use_store(false), Err(Refusal::Revoked));
        assert_eq!(revoked.may_use_store(true), Ok(()));
    }

    #[test]
    fn a_finished_sync_lifts_a_lapsed_lease_and_a_failed_one_does_not() {
        let mut session = opened(true, false);
        assert!(session.may_sync());
        assert_eq!(sync_ended(&mut session, SyncEnd::Failed, &[1]), []);
        assert_eq!(session.sync_only(), Some(SyncOnly::Lease));
        assert!(session.may_sync());
        assert_eq!(sync_ended(&mut session, finished(&[]), &[1]), []);
        assert_eq!(session.sync_only(), None);
        assert_eq!(session.may_use_store(false), Ok(()));
    }

    #[test]
    fn never_two_syncs_at_once() {
        let mut session = opened(false, false);
        assert!(session.may_sync());
        assert!(!session.may_sync(), "one runs already");
        assert!(session.is_syncing());
        sync_ended(&mut session, SyncEnd::Failed, &[1]);
        assert!(!session.is_syncing());
        assert!(session.may_sync());
    }

    #[test]
    fn the_app_locks_itself_after_the_idle_time_and_activity_postpones_it() {
        let mut session = opened(false, false);
        assert_eq!(session.lock_due(), Some(secs(10) + LOCK_AFTER));
        session.handle(Event::Activity { at: secs(200) });
        // Activity reported late (an older instant) never brings the lock closer.
        session.handle(Event::Activity { at: secs(100) });
        assert_eq!(session.lock_due(), Some(secs(200) + LOCK_AFTER));
        assert_eq!(
            session.handle(Event::Tick {
                at: secs(200) + LOCK_AFTER - secs(1)
            }),
            []
        );
        assert!(session.is_open());
        assert_eq!(
            session.handle(Event::Tick {
                at: secs(200) + LOCK_AFTER
            }),
            [Effect::CloseStore, Effect::Notice(Notice::Idle)]
        );
        assert_eq!(session.app_phase(), AppPhase::Locked);
        assert_eq!(session.may_use_store(true), Err(Refusal::SignedOut));
    }

    #[test]
    fn a_lock_during_a_sync_refuses_the_store_at_once_and_closes_it_when_the_sync_ends() {
        let mut session = opened(false, false);
        assert!(session.may_sync());
        assert_eq!(session.handle(Event::LockAsked), []);
        assert!(session.is_locking());
        assert_eq!(session.app_phase(), AppPhase::Locked);
        assert_eq!(session.may_use_store(true), Err(Refusal::SignedOut));
        assert_eq!(session.may_wait_on_server(), Err(Refusal::SignedOut));
        assert!(!session.may_sync(), "no new sync starts while locking");
        assert_eq!(session.handle(Event::LockAsked), [], "asked twice, closed once");
        assert_eq!(session.handle(Event::Tick { at: secs(100_000) }), []);
        assert_eq!(sync_ended(&mut session, finished(&[]), &[1]), [Effect::CloseStore]);
        assert_eq!(session.phase(), &Phase::Locked);
    }

    #[test]
    fn a_lock_waits_for_every_command_waiting_on_the_server() {
        let mut session = opened(false, false);
        session.may_wait_on_server().unwrap();
        session.may_wait_on_server().unwrap();
        assert!(session.may_sync());
        assert_eq!(session.handle(Event::LockAsked), []);
        assert_eq!(session.handle(Event::BusyEnded), []);
        assert_eq!(sync_ended(&mut session, SyncEnd::Failed, &[1]), []);
        assert_eq!(session.handle(Event::BusyEnded), [Effect::CloseStore]);
        assert_eq!(session.phase(), &Phase::Locked);
        // An end too many (a bug in the shell) never underflows into a phantom command.
        assert_eq!(session.handle(Event::BusyEnded), []);
    }

    #[test]
    fn a_revoked_device_with_everything_uploaded_closes_erases_and_returns_to_setup() {
        let mut session = opened(false, false);
        assert!(session.may_sync());
        assert_eq!(
            sync_ended(&mut session, SyncEnd::DeviceRevoked { all_uploaded: true }, &[1]),
            [
                Effect::CloseStore,
                Effect::EraseExports,
                Effect::Wipe,
                Effect::Notice(Notice::RevokedErased)
            ]
        );
        assert_eq!(session.phase(), &Phase::Setup);
    }

    #[test]
    fn a_revoked_device_with_unsynced_records_stays_open_to_upload_them() {
        let mut session = opened(false, false);
        assert!(session.may_sync());
        assert_eq!(
            sync_ended(&mut session, SyncEnd::DeviceRevoked { all_uploaded: false }, &[1]),
            [Effect::MarkRevoked]
        );
        assert_eq!(session.sync_only(), Some(SyncOnly::Revoked));
        assert_eq!(session.may_use_store(false), Err(Refusal::Revoked));
        // A sync that finishes does not lift it; the next refusal once uploaded erases it.
        assert!(session.may_sync());
        assert_eq!(sync_ended(&mut session, finished(&[]), &[1]), []);
        assert_eq!(session.sync_only(), Some(SyncOnly::Revoked));
        assert!(session.may_sync());
        assert_eq!(
            sync_ended(&mut session, SyncEnd::DeviceRevoked { all_uploaded: true }, &[1]),
            [
                Effect::CloseStore,
                Effect::EraseExports,
                Effect::Wipe,
                Effect::Notice(Notice::RevokedErased)
            ]
        );
        assert_eq!(session.app_phase(), AppPhase::Setup);
    }

    #[test]
    fn a_device_revoked_during_a_lock_erases_itself_once_closed() {
        let mut session = opened(false, false);
        assert!(session.may_sync());
        session.may_wait_on_server().unwrap();
        assert_eq!(session.handle(Event::LockAsked), []);
        assert_eq!(
            sync_ended(&mut session, SyncEnd::DeviceRevoked { all_uploaded: true }, &[1]),
            []
        );
        assert_eq!(
            session.handle(Event::BusyEnded),
            [
                Effect::CloseStore,
                Effect::EraseExports,
                Effect::Wipe,
                Effect::Notice(Notice::RevokedErased)
            ]
        );
        assert_eq!(session.phase(), &Phase::Setup);
    }

    #[test]
    fn the_member_signed_in_revoked_is_locked_out_before_anything_else() {
        let mut session = opened(false, false);
        assert!(session.may_sync());
        assert_eq!(
            sync_ended(&mut session, finished(&[1]), &[1, 2]),
            [
                Effect::CloseStore,
                Effect::ForgetMembers(vec![member(1)]),
                Effect::Notice(Notice::MemberRevoked)
            ]
        );
        assert_eq!(session.phase(), &Phase::Locked);

        // The last member: the device is erased after the close, and back to setup.
        let mut session = opened(false, false);
        session.may_wait_on_server().unwrap();
        assert!(session.may_sync());
        assert_eq!(sync_ended(&mut session, finished(&[1]), &[1]), []);
        assert_eq!(
            session.may_use_store(true),
            Err(Refusal::SignedOut),
            "locked out at once"
        );
        assert_eq!(
            session.handle(Event::BusyEnded),
            [
                Effect::CloseStore,
                Effect::ForgetMembers(vec![member(1)]),
                Effect::Notice(Notice::MemberRevoked),
                Effect::Wipe
            ]
        );
        assert_eq!(session.phase(), &Phase::Setup);
    }

    #[test]
    fn a_revoked_colleague_is_forgotten_and_the_session_goes_on() {
        let mut session = opened(false, false);
        assert!(session.may_sync());
        assert_eq!(
            sync_ended(&mut session, finished(&[2]), &[1, 2]),
            [Effect::ForgetMembers(vec![member(2)])]
        );
        assert!(session.is_open());
        assert_eq!(session.may_use_store(false), Ok(()));
    }

    #[test]
    fn wrong_pins_keep_the_device_locked_and_the_last_one_says_her_slot_is_gone() {
        let mut session = Session::new(true);
        assert_eq!(session.handle(Event::PinRefused { member_erased: false }), []);
        assert_eq!(
            session.handle(Event::PinRefused { member_erased: true }),
            [Effect::Notice(Notice::MemberErased)]
        );
        assert_eq!(session.phase(), &Phase::Locked);
        assert_eq!(session.may_use_store(true), Err(Refusal::SignedOut));
    }

    #[test]
    fn the_member_revoked_by_a_sync_that_ends_during_a_lock_is_still_locked_out_and_erased() {
        // The idle lock comes while the sync that revokes her runs: she is the only member.
        let mut session = opened(false, false);
        assert!(session.may_sync());
        assert_eq!(
            session.handle(Event::Tick {
                at: secs(10) + LOCK_AFTER
            }),
            []
        );
        assert!(session.is_locking());
        assert_eq!(
            sync_ended(&mut session, finished(&[1]), &[1]),
            [
                Effect::CloseStore,
                Effect::Notice(Notice::Idle),
                Effect::ForgetMembers(vec![member(1)]),
                Effect::Notice(Notice::MemberRevoked),
                Effect::Wipe
            ]
        );
        assert_eq!(session.phase(), &Phase::Setup);

        // The device revoked with records still to upload, during a lock: marked before the
        // store closes.
        let mut session = opened(false, false);
        assert!(session.may_sync());
        session.handle(Event::LockAsked);
        assert_eq!(
            sync_ended(&mut session, SyncEnd::DeviceRevoked { all_uploaded: false }, &[1]),
            [Effect::MarkRevoked, Effect::CloseStore]
        );
        assert_eq!(session.phase(), &Phase::Locked);
    }

    #[test]
    fn the_idle_lock_during_a_sync_closes_when_the_sync_ends() {
        let mut session = opened(false, false);
        assert!(session.may_sync());
        assert_eq!(
            session.handle(Event::Tick {
                at: secs(10) + LOCK_AFTER
            }),
            []
        );
        assert_eq!(
            sync_ended(&mut session, SyncEnd::Failed, &[1]),
            [Effect::CloseStore, Effect::Notice(Notice::Idle)]
        );
    }

    #[test]
    fn a_sign_in_that_races_a_lock_never_reopens_the_session() {
        let mut session = opened(false, false);
        session.may_wait_on_server().unwrap();
        session.handle(Event::LockAsked);
        assert_eq!(
            session.handle(Event::Opened {
                member: member(2),
                lease_lapsed: false,
                marked_revoked: false,
                at: secs(20),
            }),
            []
        );
        assert!(session.is_locking());
        assert_eq!(session.may_use_store(true), Err(Refusal::SignedOut));
        assert_eq!(session.handle(Event::BusyEnded), [Effect::CloseStore]);
    }

    #[test]
    fn erasing_closes_a_store_still_in_memory() {
        let mut session = opened(false, false);
        assert_eq!(session.handle(Event::Erased), [Effect::CloseStore]);
        assert_eq!(session.phase(), &Phase::Setup);
        let mut session = opened(false, false);
        session.may_wait_on_server().unwrap();
        session.handle(Event::LockAsked);
        assert_eq!(session.handle(Event::Erased), [Effect::CloseStore]);
        assert_eq!(session.phase(), &Phase::Setup);
        // The late end of the command finds nothing left to close.
        assert_eq!(session.handle(Event::BusyEnded), []);
    }

    #[test]
    fn an_erased_device_is_set_up_again() {
        let mut session = opened(false, false);
        session.handle(Event::LockAsked);
        assert_eq!(session.phase(), &Phase::Locked);
        assert_eq!(session.handle(Event::Erased), []);
        assert_eq!(session.app_phase(), AppPhase::Setup);
        session.handle(Event::Opened {
            member: member(3),
            lease_lapsed: false,
            marked_revoked: false,
            at: secs(1),
        });
        assert_eq!(session.member(), Some(member(3)));
    }
}
