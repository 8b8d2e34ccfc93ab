//! Who may read and write what: the roles of a team and the table the server enforces on every
//! change it takes and every change it hands out.
//!
//! The table is per entity, with one field-level rule: a social care specialist sees that a
//! visit happened (date, outcome, who) but not its clinical answers or the nurse's note. Writing implies reading.
//! A member record (a name) is read by everyone and written only by the member herself.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::change::{ENTITY_KINDS, EntityKind};

/// A member's role in the team.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Nurse or midwife: visits mothers at home.
    Nurse,
    Doctor,
    Psychologist,
    /// Social care specialist.
    SocialWorker,
    TeamLead,
    /// Runs the server; reads and writes no care record on a device.
    Admin,
}

/// Every role, in a stable order.
pub const ROLES: [Role; 6] = [
    Role::Nurse,
    Role::Doctor,
    Role::Psychologist,
    Role::SocialWorker,
    Role::TeamLead,
    Role::Admin,
];

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Nurse => "nurse",
            Role::Doctor => "doctor",
            Role::Psychologist => "psychologist",
            Role::SocialWorker => "social_worker",
            Role::TeamLead => "team_lead",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        ROLES.into_iter().find(|role| role.as_str() == text)
    }
}

/// What a role may do with one entity's fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    None,
    /// Reads that a visit happened (`VISIT_FACTS`), not what was found or noted.
    ReadWithoutAnswers,
    Read,
    Write,
}

impl Access {
    fn symbol(self) -> &'static str {
        match self {
            Access::None => "–",
            Access::ReadWithoutAnswers => "R¹",
            Access::Read => "R",
            Access::Write => "RW",
        }
    }
}

/// The table itself.
pub fn access(role: Role, entity: EntityKind) -> Access {
    use Access::*;
    use EntityKind as E;
    use Role::*;
    match (entity, role) {
        (_, Admin) => None,
        (E::Member, _) => Write,
        (E::Mother | E::Birth | E::Baby | E::ExtraVisit, Nurse | Doctor | TeamLead) => Write,
        (E::Mother | E::Birth | E::Baby | E::ExtraVisit, Psychologist | SocialWorker) => Read,
        (E::Visit, Nurse | Doctor | TeamLead) => Write,
        (E::Visit, Psychologist) => Read,
        (E::Visit, SocialWorker) => ReadWithoutAnswers,
        (E::Review, Doctor) => Write,
        (E::Review, Nurse | Psychologist | TeamLead) => Read,
        (E::Review, SocialWorker) => None,
        (E::PsychologyNote, Psychologist) => Write,
        (E::PsychologyNote, Doctor) => Read,
        (E::PsychologyNote, Nurse | SocialWorker | TeamLead) => None,
        (E::SocialNote, SocialWorker) => Write,
        (E::SocialNote, Doctor | Psychologist | TeamLead) => Read,
        (E::SocialNote, Nurse) => None,
        // The office keeps the stock; a nurse sees what she was handed.
        (E::StockMovement, TeamLead) => Write,
        (E::StockMovement, Nurse | Doctor) => Read,
        (E::StockMovement, Psychologist | SocialWorker) => None,
    }
}

/// The fields of a visit that say it happened: when, by whom, with what outcome. A role that
/// reads only these never receives the answers or the nurse's note.
pub const VISIT_FACTS: [&str; 7] = [
    "mother_id",
    "number",
    "outcome",
    "visited_on",
    "visited_at",
    "visited_by",
    "extra_visit_id",
];

/// Whether a member with `role` may read `field` of an `entity`.
pub fn may_read(role: Role, entity: EntityKind, field: &str) -> bool {
    match access(role, entity) {
        Access::None => false,
        Access::ReadWithoutAnswers => VISIT_FACTS.contains(&field),
        Access::Read | Access::Write => true,
    }
}

/// Whether a member with `role` may write `field` of an `entity` (a member record: only her own,
/// which the server checks by id).
pub fn may_write(role: Role, entity: EntityKind, _field: &str) -> bool {
    access(role, entity) == Access::Write
}

/// Whether a member with `role` may write the programme's exports (every record but the notes,
/// in one file): the team lead and doctors. An admin runs the server and holds nothing here.
pub fn may_export(role: Role) -> bool {
    matches!(role, Role::TeamLead | Role::Doctor)
}

/// Whether any of `roles` reads `field` of an `entity`: what a device shared by them receives.
pub fn any_may_read(roles: &[Role], entity: EntityKind, field: &str) -> bool {
    roles.iter().any(|role| may_read(*role, entity, field))
}

/// Whether `roles` read every field of every record: their device receives the log unfiltered.
pub fn reads_everything(roles: &[Role]) -> bool {
    ENTITY_KINDS.into_iter().all(|entity| {
        roles
            .iter()
            .any(|role| matches!(access(*role, entity), Access::Read | Access::Write))
    })
}

/// The table as Markdown, as ARCHITECTURE.md shows it (a test keeps the two the same).
pub fn markdown_table() -> String {
    let mut out = String::from("| record |");
    for role in ROLES {
        out.push_str(&format!(" {} |", role.as_str()));
    }
    out.push_str("\n|---|");
    for _ in ROLES {
        out.push_str("---|");
    }
    for entity in ENTITY_KINDS {
        out.push_str(&format!("\n| {} |", entity.as_str()));
        for role in ROLES {
            out.push_str(&format!(" {} |", access(role, entity).symbol()));
        }
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_visit_facts_are_fields_a_visit_has() {
        let visit = crate::fields::fields(EntityKind::Visit);
        for fact in VISIT_FACTS {
            assert!(visit.contains(&fact), "{fact} is not a field of a visit");
        }
    }

    #[test]
    fn roles_round_trip_by_name() {
        for role in ROLES {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            assert_eq!(serde_json::to_value(role).unwrap(), role.as_str());
        }
        assert_eq!(Role::parse("superuser"), None);
    }

    #[test]
    fn the_rules_the_programme_names() {
        // Only a doctor signs off a flag.
        for role in ROLES {
            assert_eq!(
                may_write(role, EntityKind::Review, "flags"),
                role == Role::Doctor,
                "{role:?}"
            );
        }
        // Psychology notes are read only by psychologists and doctors.
        let readers: Vec<Role> = ROLES
            .into_iter()
            .filter(|r| may_read(*r, EntityKind::PsychologyNote, "text"))
            .collect();
        assert_eq!(readers, [Role::Doctor, Role::Psychologist]);
        // A social care specialist sees that a visit happened, not what was found.
        assert!(may_read(Role::SocialWorker, EntityKind::Visit, "visited_on"));
        assert!(!may_read(
            Role::SocialWorker,
            EntityKind::Visit,
            "answers.mother.epds_total"
        ));
        // An admin runs the server and reads no care record.
        assert!(!may_read(Role::Admin, EntityKind::Mother, "full_name"));
        // The programme's exports: the team lead and doctors.
        let exporters: Vec<Role> = ROLES.into_iter().filter(|r| may_export(*r)).collect();
        assert_eq!(exporters, [Role::Doctor, Role::TeamLead]);
    }

    #[test]
    fn a_shared_device_reads_what_any_of_its_members_reads() {
        assert!(!any_may_read(&[Role::Nurse], EntityKind::PsychologyNote, "text"));
        assert!(any_may_read(
            &[Role::Nurse, Role::Psychologist],
            EntityKind::PsychologyNote,
            "text"
        ));
        assert!(reads_everything(&[Role::Doctor]));
        assert!(!reads_everything(&[Role::Nurse]));
        assert!(!reads_everything(&[]));
    }
}
