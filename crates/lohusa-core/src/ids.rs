//! Typed identifiers, so a baby's id can never be passed where a mother's is expected.
//!
//! Ids are UUIDv7 (time-ordered). The core never creates them: it has no clock and no randomness;
//! the store mints them and hands them in.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
        #[serde(transparent)]
        #[ts(type = "string")]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                $name(id)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map($name)
            }
        }
    };
}

id_type!(
    /// A mother (the woman cared for).
    MotherId
);
id_type!(
    /// One birth of a mother; the visit schedule hangs off its date.
    BirthId
);
id_type!(
    /// One baby of a birth (twins are two babies of one birth).
    BabyId
);
id_type!(
    /// One home visit record.
    VisitId
);
id_type!(
    /// One change record in the append-only log.
    ChangeId
);
id_type!(
    /// A tablet or desktop install.
    DeviceId
);
id_type!(
    /// A member of the care team (the author of a change).
    MemberId
);
