// The one place that talks to the Rust side. Components call these functions, never `invoke`.
import { invoke } from "@tauri-apps/api/core";

import type {
  AppError,
  AppStatus,
  ChecklistDefinition,
  Conflict,
  CoverageTable,
  ExportFormat,
  ProgrammeFile,
  ProgrammeReport,
  StockInput,
  StockView,
  ExtraVisitInput,
  ExtraVisitRecord,
  ImportReport,
  ReferralRow,
  SavedFile,
  TeamDevices,
  EntityKind,
  FollowUpFilter,
  FollowUpList,
  InstrumentText,
  Language,
  LaterResultsInput,
  MemberId,
  IssuedCode,
  NewMember,
  TeamMember,
  NoteInput,
  NoteRecord,
  MotherId,
  MotherSummary,
  MotherView,
  RegistrationInput,
  RegistrationForm,
  KnownMember,
  TextLanguage,
  CloseCaseInput,
  VisitCorrectionInput,
  FieldChange,
  ReviewInput,
  ReviewRecord,
  Refused,
  SyncStatus,
  SyncView,
  TodayList,
  SavedVisit,
  VisitDraft,
  VisitInput,
  VisitId,
  VisitNumber,
} from "./bindings";

export * from "./bindings";

/** True when `value` is the error shape every command rejects with. */
export function isAppError(value: unknown): value is AppError {
  return (
    typeof value === "object" &&
    value !== null &&
    "kind" in value &&
    "errors" in value &&
    Array.isArray((value as AppError).errors)
  );
}

/**
 * Any rejection as an AppError, so screens handle one shape. Tauri itself rejects with a plain
 * string when a command's arguments do not fit: that is a bug, not a database failure.
 */
export function toAppError(value: unknown): AppError {
  if (isAppError(value)) return value;
  console.error("lohusa: command failed", value);
  return { kind: "internal", message: String(value), errors: [], code: null };
}

/**
 * Draft writes reach the Rust side one after another, in the order the form made them: two in
 * flight at once (a timer's, then the one made on leaving the screen) could otherwise land in
 * either order and keep the older form.
 */
let draftWrites: Promise<unknown> = Promise.resolve();
function inDraftOrder<T>(write: () => Promise<T>): Promise<T> {
  const done = draftWrites.then(write);
  draftWrites = done.catch(() => undefined);
  return done;
}

/**
 * A read that shows drafts (the mother's screen marks a visit with one; the visit form restores
 * it) waits for the draft writes made before it, so the screen left a moment ago is shown as it
 * was kept, not as the draft before it.
 */
function afterDraftWrites<T>(read: () => Promise<T>): Promise<T> {
  return draftWrites.then(read);
}

export const ipc = {
  appStatus: (): Promise<AppStatus> => invoke("get_app_status"),
  setUpDevice: (server: string, code: string, memberCode: string, pin: string, pinAgain: string): Promise<AppStatus> =>
    invoke("set_up_device", { server, code, memberCode, pin, pinAgain }),
  setUpOffline: (name: string, pin: string, pinAgain: string): Promise<AppStatus> =>
    invoke("set_up_offline", { name, pin, pinAgain }),
  signIn: (member: MemberId, pin: string): Promise<AppStatus> => invoke("sign_in", { member, pin }),
  lockApp: (): Promise<AppStatus> => invoke("lock_app"),
  addNote: (input: NoteInput): Promise<NoteRecord> => invoke("add_note", { input }),
  teamMembers: (): Promise<TeamMember[]> => invoke("get_team_members"),
  addTeamMember: (newMember: NewMember): Promise<IssuedCode> => invoke("add_team_member", { new: newMember }),
  newMemberCode: (num: number): Promise<IssuedCode> => invoke("new_member_code", { num }),
  revokeTeamMember: (num: number): Promise<void> => invoke("revoke_team_member", { num }),
  newEnrollmentCode: (): Promise<IssuedCode> => invoke("new_enrollment_code"),
  revokeTeamDevice: (id: string): Promise<void> => invoke("revoke_team_device", { id }),
  stillHere: (): Promise<void> => invoke("still_here"),
  eraseDevice: (): Promise<AppStatus> => invoke("erase_device"),
  addMemberToDevice: (memberCode: string, pin: string, pinAgain: string): Promise<AppStatus> =>
    invoke("add_member_to_device", { memberCode, pin, pinAgain }),
  todayList: (mine: boolean): Promise<TodayList> => invoke("get_today_list", { mine }),
  knownMembers: (): Promise<KnownMember[]> => invoke("get_known_members"),
  assignMothers: (mothers: MotherId[], to: MemberId | null): Promise<number> => invoke("assign_mothers", { mothers, to }),
  openCasesIn: (neighbourhood: string): Promise<MotherId[]> => invoke("get_open_cases_in", { neighbourhood }),
  closeCase: (mother: MotherId, input: CloseCaseInput): Promise<MotherView> => invoke("close_case", { mother, input }),
  reopenCase: (mother: MotherId): Promise<MotherView> => invoke("reopen_case", { mother }),
  registerMother: (input: RegistrationInput): Promise<MotherId> => invoke("register_mother", { input }),
  mother: (id: MotherId): Promise<MotherView> => afterDraftWrites(() => invoke("get_mother", { id })),
  recordVisit: (input: VisitInput): Promise<SavedVisit> => invoke("record_visit", { input }),
  recordReview: (input: ReviewInput, extraVisitOn: string | null = null): Promise<ReviewRecord> =>
    invoke("record_review", { input, extraVisitOn }),
  scheduleExtraVisit: (input: ExtraVisitInput): Promise<ExtraVisitRecord> => invoke("schedule_extra_visit", { input }),
  recordExtraVisit: (extra: string, input: VisitInput): Promise<SavedVisit> => invoke("record_extra_visit", { extra, input }),
  keepVisitAsExtra: (visit: VisitId, reason: string): Promise<MotherView> => invoke("keep_visit_as_extra", { visit, reason }),
  followUpList: (filter: FollowUpFilter): Promise<FollowUpList> => invoke("get_follow_up_list", { filter }),
  saveVisitDraft: (input: VisitInput): Promise<void> => inDraftOrder(() => invoke("save_visit_draft", { input })),
  visitDraft: (mother: MotherId, number: VisitNumber): Promise<VisitDraft | null> =>
    afterDraftWrites(() => invoke("get_visit_draft", { mother, number })),
  discardVisitDraft: (mother: MotherId, number: VisitNumber): Promise<void> =>
    inDraftOrder(() => invoke("discard_visit_draft", { mother, number })),
  recordLaterResults: (input: LaterResultsInput): Promise<SavedVisit> => invoke("record_later_results", { input }),
  registrationForm: (mother: MotherId): Promise<RegistrationForm> => invoke("get_registration_form", { mother }),
  correctRegistration: (mother: MotherId, input: RegistrationInput): Promise<number> => invoke("correct_registration", { mother, input }),
  correctVisit: (input: VisitCorrectionInput): Promise<SavedVisit> => invoke("correct_visit", { input }),
  history: (entity: EntityKind, entityId: string): Promise<FieldChange[]> => invoke("get_history", { entity, entityId }),
  screeningText: (instrument: string, language: Language): Promise<InstrumentText | null> =>
    invoke("get_screening_text", { instrument, language }),
  installScreeningText: (content: string): Promise<InstrumentText> => invoke("install_screening_text", { content }),
  searchMothers: (query: string): Promise<MotherSummary[]> => invoke("search_mothers", { query }),
  checklist: (version: number | null): Promise<ChecklistDefinition> => invoke("get_checklist", { version }),
  syncState: (): Promise<SyncView> => invoke("get_sync_state"),
  syncNow: (): Promise<void> => invoke("sync_now"),
  enrollDevice: (server: string, code: string, memberCode: string): Promise<SyncStatus> =>
    invoke("enroll_device", { server, code, memberCode }),
  conflicts: (): Promise<Conflict[]> => invoke("get_conflicts"),
  refusedChanges: (): Promise<Refused[]> => invoke("get_refused_changes"),
  resolveConflict: (entity: EntityKind, entityId: string, field: string, value: unknown): Promise<void> =>
    invoke("resolve_conflict", { entity, entityId, field, value }),
  /** This month's coverage (in İzmir) when `month` is null. */
  coverage: (month: string | null): Promise<CoverageTable> => invoke("get_coverage", { month }),
  teamDevices: (): Promise<TeamDevices> => invoke("get_team_devices"),
  importReferrals: (text: string, fileName: string): Promise<ImportReport> => invoke("import_referrals", { text, fileName }),
  mergeReferral: (into: MotherId, row: ReferralRow, take: string[], fileName: string): Promise<void> =>
    invoke("merge_referral", { into, row, take, fileName }),
  keepReferralApart: (row: ReferralRow, fileName: string): Promise<MotherId> => invoke("keep_referral_apart", { row, fileName }),
  saveReferralTemplate: (): Promise<SavedFile> => invoke("save_referral_template"),
  exportRecords: (format: ExportFormat, language: TextLanguage): Promise<SavedFile> => invoke("export_records", { format, language }),
  /** This month's programme indicators (in İzmir) when `month` is null. */
  programmeReport: (month: string | null, deidentified: boolean): Promise<ProgrammeReport> =>
    invoke("get_programme_report", { month, deidentified }),
  exportProgramme: (month: string, file: ProgrammeFile, deidentified: boolean, language: TextLanguage): Promise<SavedFile> =>
    invoke("export_programme", { month, file, deidentified, language }),
  stock: (): Promise<StockView> => invoke("get_stock"),
  recordStock: (input: StockInput): Promise<StockView> => invoke("record_stock", { input }),
};
