//! What the programme's numbers and exports are computed from: each mother's registration, birth,
//! babies, visits (with the member who recorded each and the flags it raises), a doctor's
//! sign-offs and the state of her case. A device gathers it from its store, the server from its
//! current state; the indicators (`indicators`), the line lists and the FHIR bundle are pure
//! functions of it.

use std::collections::BTreeMap;

use crate::case::CaseState;
use crate::flags::Flag;
use crate::ids::MemberId;
use crate::registration::{BabyRecord, BirthRecord, MotherRecord};
use crate::review::ReviewRecord;
use crate::visit::VisitRecord;

/// One mother's record as the programme counts and exports it.
#[derive(Clone, Debug)]
pub struct ProgrammeMother {
    pub mother: MotherRecord,
    pub birth: BirthRecord,
    pub babies: Vec<BabyRecord>,
    pub visits: Vec<ProgrammeVisit>,
    /// The doctor's sign-offs of her visits' flags.
    pub reviews: Vec<ReviewRecord>,
    pub case: CaseState,
    /// The referral list she came from (the source of her registration), when she was referred.
    pub referral_source: Option<String>,
}

/// A visit record, who recorded it, and the flags it raises.
#[derive(Clone, Debug)]
pub struct ProgrammeVisit {
    pub visit: VisitRecord,
    /// The member whose change made the record (the nurse's id; `visited_by` is the name she
    /// typed).
    pub recorded_by: Option<MemberId>,
    pub flags: Vec<Flag>,
}

/// The members a device or the server knows, by id: names for the reports.
pub type MemberNames = BTreeMap<MemberId, String>;
