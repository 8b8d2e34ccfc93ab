//! Data exchange with the world outside the team: hospital referrals coming in as CSV (with
//! duplicate detection across Latin and Arabic spellings) and the programme's reports going out
//! as CSV and as a FHIR R4 Bundle. Plain functions over the core's records; no IO.

pub mod csv_export;
pub mod fhir;
pub mod matching;
pub mod referral;

use lohusa_core::flags::Flag;
use lohusa_core::registration::{BabyRecord, BirthRecord, MotherRecord};
use lohusa_core::visit::VisitRecord;

/// One mother's record as exported: her registration and her visits with their flags as raised
/// now.
#[derive(Clone, Debug)]
pub struct MotherExport {
    pub mother: MotherRecord,
    pub birth: BirthRecord,
    pub babies: Vec<BabyRecord>,
    pub visits: Vec<VisitExport>,
}

/// A visit and the flags it raises.
#[derive(Clone, Debug)]
pub struct VisitExport {
    pub visit: VisitRecord,
    pub flags: Vec<Flag>,
}
