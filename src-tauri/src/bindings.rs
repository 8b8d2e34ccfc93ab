//! The TypeScript types the UI uses, generated from the Rust types that cross into it.
//!
//! `ui/src/ipc/bindings.ts` is written by the test below (run with `UPDATE_BINDINGS=1`) and
//! committed; the test fails when the committed file differs from what the Rust types say, so the
//! UI can never drift from the commands.

#[cfg(test)]
mod tests {
    use std::path::Path;

    use lohusa_core::change::{Change, EntityKind};
    use lohusa_core::checklist::{
        AnswerValue, Check, ChecklistDefinition, FieldDef, FieldKind, Formula, Section, Subject,
    };
    use lohusa_core::condition::{Comparison, Condition, Reason};
    use lohusa_core::flags::{Flag, FlagLevel, FlagRule};
    use lohusa_core::followup::{FollowUpFilter, FollowUpKind, FollowUpRow};
    use lohusa_core::instrument::{Instrument, InstrumentText, ItemText, TextSource};
    use lohusa_core::merge::{Head, Version};
    use lohusa_core::registration::{
        BabyInput, BabyRecord, BabySex, BirthInput, BirthMode, BirthRecord, Language, MotherInput, MotherRecord,
        RegistrationInput, ResidencyStatus,
    };
    use lohusa_core::review::{ReviewInput, ReviewOrder, ReviewRecord};
    use lohusa_core::schedule::{VisitNumber, VisitStatus, VisitWindow};
    use lohusa_core::today::{TodayEntry, TodayList};
    use lohusa_core::validation::{FieldError, Rule};
    use lohusa_core::visit::{
        LaterResultsInput, VisitCard, VisitCorrectionInput, VisitInput, VisitOutcome, VisitRecord,
    };
    use lohusa_core::{BabyId, BirthId, ChangeId, DeviceId, Hlc, MemberId, MotherId, Role, VisitId};
    use lohusa_store::{
        Conflict, FieldChange, FollowUpList, KnownMember, LocalMember, MotherSummary, MotherView, Refused,
        RegistrationForm, SyncStatus, VisitDraft,
    };
    use lohusa_sync::{Phase, Progress};
    use ts_rs::{Config, TS};

    use lohusa_core::case::{CaseState, CloseCaseInput, CloseReason};
    use lohusa_core::coverage::{CoverageCounts, CoverageRow, CoverageTable};
    use lohusa_core::flag_text::TextLanguage;
    use lohusa_core::sync::{DeviceReport, IssuedCode, NewMember, TeamDevice, TeamMember};

    use lohusa_core::extra::{ExtraVisitInput, ExtraVisitRecord, ExtraVisitStatus};
    use lohusa_exchange::matching::{MatchReason, Suspect};
    use lohusa_exchange::referral::{FileError, ReferralRow, RowError};
    use lohusa_store::{CreatedRow, ExtraVisitView, ImportReport, SuspectRecord, SuspectedDuplicate};

    use crate::commands::{ExportFormat, SavedFile, SavedVisit, SyncView, TeamDevices};
    use crate::error::{AppError, ErrorKind};
    use crate::programme::ProgrammeFile;
    use crate::session::{AppPhase, AppStatus, Notice, SetupDefaults, SyncOnly};
    use lohusa_core::indicators::{
        Breakdown, BreakdownDef, Cell, Dimension, Group, IndicatorDef, IndicatorKind, LocalText, ProgrammeReport,
    };
    use lohusa_core::notes::{NoteInput, NoteRecord, NoteTopic};
    use lohusa_core::stock::{Balance, Holder, Movement, StockInput, StockRecord};
    use lohusa_store::StockView;
    use lohusa_store::keyring::DeviceMember;

    macro_rules! declarations {
        ($cfg:expr; $($ty:ty),* $(,)?) => {
            vec![$(format!("export {}", <$ty as TS>::decl($cfg))),*]
        };
    }

    fn generate() -> String {
        let cfg = Config::new();
        let mut decls: Vec<String> = declarations![&cfg;
            AppError, ErrorKind, FieldError, Rule, AppStatus, LocalMember, Role,
            AppPhase, Notice, SetupDefaults, SyncOnly, DeviceMember, NoteTopic, NoteInput, NoteRecord,
            TeamMember, NewMember, IssuedCode,
            MotherId, VisitId, BabyId, BirthId, ChangeId, DeviceId, MemberId, Hlc, EntityKind, Change,
            RegistrationInput, MotherInput, BirthInput, BabyInput,
            ResidencyStatus, Language, BirthMode, BabySex,
            MotherRecord, BirthRecord, BabyRecord, MotherView, MotherSummary,
            VisitNumber, VisitWindow, VisitStatus, VisitOutcome, VisitInput, VisitRecord, VisitCard, LaterResultsInput,
            AnswerValue, Instrument, TextSource, InstrumentText, ItemText, SavedVisit, VisitDraft,
            FollowUpFilter, FollowUpKind, FollowUpRow, FollowUpList, ReviewInput, ReviewOrder, ReviewRecord,
            TodayEntry, TodayList,
            ChecklistDefinition, Section, Subject, FieldDef, FieldKind, Formula, Check,
            FlagRule, FlagLevel, Comparison, Condition, Flag, Reason,
            SyncView, SyncStatus, Progress, Phase, Conflict, Head, Version, Refused,
            CoverageTable, CoverageRow, CoverageCounts, TeamDevices, TeamDevice, DeviceReport,
            ImportReport, CreatedRow, SuspectRecord, SuspectedDuplicate, ReferralRow, RowError, FileError,
            Suspect, MatchReason, SavedFile, ExportFormat,
            ProgrammeFile, ProgrammeReport, IndicatorDef, IndicatorKind, LocalText, Breakdown, BreakdownDef, Dimension, Group, Cell,
            StockView, Balance, Holder, Movement, StockInput, StockRecord,
            ExtraVisitInput, ExtraVisitRecord, ExtraVisitStatus, ExtraVisitView,
            RegistrationForm, VisitCorrectionInput, FieldChange,
            KnownMember, CaseState, CloseReason, CloseCaseInput, TextLanguage,
        ];
        decls.sort();
        let mut out = String::from(
            "// Generated from the Rust types by src-tauri/src/bindings.rs. Do not edit:\n// run `cargo xtask codegen` instead.\n\n",
        );
        for decl in decls {
            out.push_str(&decl);
            out.push_str("\n\n");
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
        out
    }

    #[test]
    fn typescript_bindings_are_up_to_date() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/ipc/bindings.ts");
        let generated = generate();
        if std::env::var("UPDATE_BINDINGS").is_ok_and(|v| v == "1") {
            std::fs::write(&path, &generated).unwrap();
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "ui/src/ipc/bindings.ts is stale: run `cargo xtask codegen` and commit the result"
        );
    }
}
