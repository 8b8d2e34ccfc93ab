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
        // Each enum of plain values also as a list, in the Rust declaration's order, for the
        // screens' choices: the UI never copies a list of values by hand.
        let lists: Vec<String> = decls.iter().filter_map(|d| value_list(d)).collect();
        for decl in decls {
            out.push_str(&decl);
            out.push_str("\n\n");
        }
        for list in lists {
            out.push_str(&list);
            out.push_str("\n\n");
        }
        // Lists of field names the core keeps.
        let quoted: Vec<String> = lohusa_core::fields::MERGEABLE_FIELDS
            .iter()
            .map(|f| format!("\"{f}\""))
            .collect();
        out.push_str(&format!(
            "/** The mother fields a merge may take from a referral, in the order shown. */\nexport const MERGEABLE_FIELDS = [{}] as const;\n\n",
            quoted.join(", ")
        ));
        out.truncate(out.trim_end().len());
        out.push('\n');
        out
    }

    /// `export type VisitOutcome = "visited" | "moved";` gives
    /// `export const VISIT_OUTCOME_VALUES: readonly VisitOutcome[] = ["visited", "moved"];`.
    fn value_list(decl: &str) -> Option<String> {
        let (name, union) = decl.strip_prefix("export type ")?.split_once(" = ")?;
        let values: Vec<&str> = union.strip_suffix(';')?.split(" | ").collect();
        let plain =
            |v: &&str| v.len() >= 2 && v.starts_with('"') && v.ends_with('"') && !v[1..v.len() - 1].contains('"');
        if !values.iter().all(plain) || name.contains('<') {
            return None;
        }
        let mut constant = String::new();
        for (i, c) in name.chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                constant.push('_');
            }
            constant.push(c.to_ascii_uppercase());
        }
        Some(format!(
            "export const {constant}_VALUES: readonly {name}[] = [{}];",
            values.join(", ")
        ))
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

    /// The commands `generate_handler!` registers, each with the argument keys the UI must send
    /// (Tauri names them in camelCase; the app's state and handles are not sent).
    fn registered_commands() -> std::collections::BTreeMap<String, Vec<String>> {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
        let list = lib
            .split_once("generate_handler![")
            .and_then(|(_, rest)| rest.split_once(']'))
            .map(|(list, _)| list)
            .expect("generate_handler! in lib.rs");
        let mut files: std::collections::HashMap<String, syn::File> = std::collections::HashMap::new();
        let mut commands = std::collections::BTreeMap::new();
        for path in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (module, name) = path.split_once("::").expect("module::command");
            let file = files.entry(module.to_owned()).or_insert_with(|| {
                syn::parse_file(&std::fs::read_to_string(src.join(format!("{module}.rs"))).unwrap()).unwrap()
            });
            let function = file
                .items
                .iter()
                .find_map(|item| match item {
                    syn::Item::Fn(f) if f.sig.ident == name => Some(f),
                    _ => None,
                })
                .unwrap_or_else(|| panic!("{path} is registered but not a function of {module}.rs"));
            assert!(
                function
                    .attrs
                    .iter()
                    .any(|a| a.path().segments.last().is_some_and(|s| s.ident == "command")),
                "{path} has no #[tauri::command]"
            );
            let mut keys = Vec::new();
            for input in &function.sig.inputs {
                let syn::FnArg::Typed(typed) = input else { continue };
                let ty = quote_type(&typed.ty);
                if ["State", "AppHandle", "Window", "WebviewWindow"]
                    .iter()
                    .any(|t| ty.contains(t))
                {
                    continue;
                }
                let syn::Pat::Ident(ident) = &*typed.pat else {
                    panic!("{path}: an argument that is not a plain name")
                };
                keys.push(camel(&ident.ident.to_string()));
            }
            keys.sort();
            commands.insert(name.to_owned(), keys);
        }
        commands
    }

    /// A type's last path segments, enough to tell the app's state and handles apart.
    fn quote_type(ty: &syn::Type) -> String {
        match ty {
            syn::Type::Path(p) => p
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect::<Vec<_>>()
                .join("::"),
            syn::Type::Reference(r) => quote_type(&r.elem),
            _ => String::new(),
        }
    }

    fn camel(snake: &str) -> String {
        let mut out = String::new();
        let mut upper = false;
        for c in snake.chars() {
            if c == '_' {
                upper = true;
            } else if upper {
                out.push(c.to_ascii_uppercase());
                upper = false;
            } else {
                out.push(c);
            }
        }
        out
    }

    /// What `ui/src/ipc/index.ts` invokes: each command with the keys of the object it sends.
    fn invoked_commands() -> std::collections::BTreeMap<String, Vec<String>> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/ipc/index.ts");
        let text = std::fs::read_to_string(path).unwrap();
        let mut invoked = std::collections::BTreeMap::new();
        for call in text.split("invoke(\"").skip(1) {
            let (name, rest) = call.split_once('"').unwrap();
            let rest = rest.trim_start();
            let mut keys = Vec::new();
            if let Some(args) = rest.strip_prefix(',') {
                let object = args
                    .trim_start()
                    .strip_prefix('{')
                    .expect("invoke's arguments are an object literal");
                let (object, _) = object.split_once('}').unwrap();
                for entry in object.split(',').map(str::trim).filter(|e| !e.is_empty()) {
                    keys.push(entry.split(':').next().unwrap().trim().to_owned());
                }
            }
            keys.sort();
            assert!(
                invoked.insert(name.to_owned(), keys).is_none(),
                "{name} is invoked twice"
            );
        }
        invoked
    }

    /// The UI's wrappers call exactly the registered commands, each with the arguments its Rust
    /// function takes: a renamed command or argument fails here, not in a nurse's hands.
    #[test]
    fn the_ui_invokes_every_command_with_its_arguments() {
        let registered = registered_commands();
        let invoked = invoked_commands();
        assert!(registered.len() > 40, "{registered:?}");
        assert_eq!(
            invoked, registered,
            "ui/src/ipc/index.ts (left) differs from the commands (right)"
        );
    }
}
