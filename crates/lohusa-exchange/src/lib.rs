//! Data exchange with the world outside the team: hospital referrals coming in as CSV (with
//! duplicate detection across Latin and Arabic spellings) and the programme's reports going out
//! as CSV and as a FHIR R4 Bundle. Plain functions over the core's records; no IO.

pub mod csv_export;
pub mod fhir;
pub mod line_lists;
pub mod matching;
pub mod referral;
pub mod report_tables;
pub mod tables;

/// One mother's record as exported (the core's `ProgrammeMother`: registration, visits with their
/// flags as raised now and who recorded them, sign-offs, the case).
pub use lohusa_core::programme::ProgrammeMother as MotherExport;
/// A visit, who recorded it and the flags it raises.
pub use lohusa_core::programme::ProgrammeVisit as VisitExport;
