//! Lohusa's domain core: plain data and pure functions, with no file, network or clock access.
//!
//! Everything here takes "now" and "today" as arguments, so the same rules run identically on
//! every tablet, on the server and inside tests.

pub mod access;
pub mod case;
pub mod change;
pub mod checklist;
pub mod condition;
pub mod coverage;
pub mod extra;
pub mod fields;
pub mod flag_text;
pub mod flags;
pub mod followup;
pub mod hlc;
pub mod identity;
pub mod ids;
pub mod indicators;
pub mod instrument;
pub mod local_text;
pub mod merge;
pub mod nationality;
pub mod notes;
pub mod pin;
pub mod programme;
pub mod registration;
pub mod review;
pub mod schedule;
pub mod search;
pub mod session;
pub mod stock;
pub mod sync;
pub mod time;
pub mod today;
pub mod validation;
pub mod visit;

pub use access::Role;
pub use change::{Change, EntityKind, FieldValues};
pub use hlc::Hlc;
pub use ids::{BabyId, BirthId, ChangeId, DeviceId, MemberId, MotherId, VisitId};
pub use merge::{EntityMeta, Version};
pub use schedule::{VisitNumber, VisitStatus, VisitWindow};
pub use validation::{FieldError, Rule, ValidationErrors};
