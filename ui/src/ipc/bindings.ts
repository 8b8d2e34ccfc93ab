// Generated from the Rust types by src-tauri/src/bindings.rs. Do not edit:
// run `cargo xtask codegen` instead.

export type AnswerValue = number | boolean | string | Array<string>;

export type AppError = { kind: ErrorKind, message: string, errors: Array<FieldError>, 
/**
 * A finer, stable reason for some kinds (the sync server's error kind).
 */
code: string | null, };

export type AppPhase = "setup" | "locked" | "open";

export type AppStatus = { phase: AppPhase, 
/**
 * Who can sign in here (the sign-in screen).
 */
members: Array<DeviceMember>, 
/**
 * Who is signed in.
 */
member: LocalMember | null, 
/**
 * Whether this device is enrolled with a server (known while open).
 */
enrolled: boolean, sync_only: SyncOnly | null, notice: Notice | null, setup_defaults: SetupDefaults | null, 
/**
 * Set up half-way: enrolled with the server, waiting for an accepted member code.
 */
enrolled_waiting_member: boolean, 
/**
 * Minutes without use after which the app locks itself.
 */
lock_after_minutes: number, 
/**
 * Today's date in İzmir.
 */
today: string, version: string, };

export type BabyId = string;

export type BabyInput = { name: string, sex: BabySex | null, birth_weight_g: string, };

export type BabyRecord = { id: BabyId, birth_id: BirthId, mother_id: MotherId, 
/**
 * 1 for the first-born, 2 for a twin, ...
 */
ordinal: number, name: string | null, sex: BabySex, birth_weight_g: number, };

export type BabySex = "female" | "male" | "undetermined";

export type Balance = { holder: Holder, 
/**
 * The nurse's name when known.
 */
name: string | null, 
/**
 * Per kind, in `PACKAGE_KINDS` order: what she holds now (below zero when visits gave more
 * than was handed: a movement not recorded, or not synced yet).
 */
held: number[], 
/**
 * Per kind: given out at visits.
 */
given: number[], 
/**
 * Per kind: below zero, or below `LOW_STOCK` (the office below `LOW_OFFICE_STOCK`) once
 * stock of it was received.
 */
low: Array<boolean>, };

export type BirthId = string;

export type BirthInput = { birth_date: string, discharge_date: string, mode: BirthMode | null, gestational_weeks: string, };

export type BirthMode = "vaginal" | "caesarean";

export type BirthRecord = { id: BirthId, mother_id: MotherId, birth_date: string, discharge_date: string | null, mode: BirthMode, gestational_weeks: number | null, };

export type Breakdown = { dimension: Dimension, name: LocalText, groups: Array<Group>, };

export type BreakdownDef = { id: Dimension, name: LocalText, };

export type CaseState = { assigned_to: MemberId | null, 
/**
 * The assigned member's name, when this device knows her.
 */
assigned_name: string | null, closed_on: string | null, closed_reason: CloseReason | null, };

export type Cell = { numerator: number, 
/**
 * Absent for a count.
 */
denominator: number | null, 
/**
 * For a median indicator: the median of the units' values (the denominator is how many).
 */
median: number | null, 
/**
 * Hidden in a de-identified report because a number in it is between 1 and 4.
 */
suppressed: boolean, };

export type Change = { id: ChangeId, entity: EntityKind, entity_id: string, fields: Record<string, unknown>, 
/**
 * Per field, the versions the writer's replica held when it wrote (what this write
 * replaces). Absent for a field that had no value; how concurrent writes are told apart.
 */
base?: Record<string, string[]>, hlc: Hlc, author: MemberId, device: DeviceId, schema_version: number, };

export type ChangeId = string;

export type Check = { "type": "below", field: string, other: string, } | { "type": "not_before", field: string, other: string, };

export type ChecklistDefinition = { version: number, sections: Array<Section>, 
/**
 * Red-flag rules over this definition's fields (see `flags`).
 */
flags: Array<FlagRule>, 
/**
 * How the screening instruments its items belong to are scored.
 */
instruments: Array<Instrument>, };

export type CloseCaseInput = { 
/**
 * DD.MM.YYYY or YYYY-MM-DD.
 */
closed_on: string, reason: CloseReason | null, };

export type CloseReason = "moved_away" | "transferred" | "declined" | "mother_died" | "baby_died" | "lost_to_follow_up";

export type Comparison = "lt" | "le" | "gt" | "ge";

export type Condition = { field: string, op: Comparison, value: number, } | { field: string, op: Comparison, other: string, } | { field: string, is: Array<string>, } | { field: string, risen_by: number, } | { all: Array<Condition>, } | { any: Array<Condition>, };

export type Conflict = { entity: EntityKind, entity_id: string, 
/**
 * The mother the record belongs to, and her name, when known here.
 */
mother_id: string | null, mother_name: string | null, 
/**
 * For a visit's field: which of the three visits.
 */
visit_number: number | null, field: string, shown_value: unknown, shown_version: Version, shown_author: MemberId | null, 
/**
 * The authors' names, when their devices have synced them.
 */
shown_author_name: string | null, other_author_name: string | null, other: Head, };

export type CoverageCounts = { done: number, done_late: number, 
/**
 * Closed by an outcome without a visit, or passed with nothing recorded (the next window
 * opened).
 */
missed: number, 
/**
 * Window closed, nothing recorded, the next window not open yet.
 */
late: number, 
/**
 * Window not closed yet, nothing recorded (due now or opening later in the month).
 */
open: number, };

export type CoverageRow = { nurse: string | null, 
/**
 * Visits 1, 2 and 3, in that order.
 */
visits: Array<CoverageCounts>, total: CoverageCounts, 
/**
 * Mothers with a window this month and no visit made at all yet.
 */
mothers_without_visit: number, };

export type CoverageTable = { 
/**
 * The month's first and last day.
 */
from: string, to: string, 
/**
 * As of this day.
 */
today: string, 
/**
 * Per nurse, by name; the row without a nurse last.
 */
rows: Array<CoverageRow>, 
/**
 * The whole team.
 */
team: CoverageRow, };

export type CreatedRow = { line: number, mother_id: MotherId, full_name: string, };

export type DeviceId = string;

export type DeviceMember = { id: MemberId, name: string, role: Role | null, 
/**
 * Until when wrong PINs keep her from trying again (Unix ms).
 */
locked_until_ms: number | null, };

export type DeviceReport = { app_version: string, 
/**
 * The member signed in on it.
 */
member: string | null, 
/**
 * Changes written on it and not confirmed by the server yet.
 */
pending: number, 
/**
 * Fields with two values waiting for someone to choose.
 */
conflicts: number, 
/**
 * Changes the server refused, kept on the device with the reason.
 */
quarantined: number, };

export type Dimension = "total" | "residency_status" | "nationality" | "district" | "neighbourhood" | "nurse";

export type EntityKind = "mother" | "birth" | "baby" | "visit" | "member" | "review" | "extra_visit" | "psychology_note" | "social_note" | "stock_movement";

export type ErrorKind = "validation" | "not_found" | "deleted" | "no_member" | "storage" | "internal" | "sync" | "locked";

export type ExportFormat = "visits_csv" | "flags_csv" | "fhir_bundle";

export type ExtraVisitInput = { mother_id: MotherId, due_on: string, reason: string, 
/**
 * The sign-off that ordered it, if one did.
 */
review_id: string | null, };

export type ExtraVisitRecord = { id: string, mother_id: MotherId, due_on: string, reason: string, ordered_by: string, ordered_at: string, review_id: string | null, };

export type ExtraVisitStatus = "upcoming" | "due" | "late" | "done";

export type ExtraVisitView = { record: ExtraVisitRecord, status: ExtraVisitStatus, 
/**
 * The checklist it uses (that of the window the mother is in on its date, or today).
 */
number: VisitNumber, visit: VisitRecord | null, flags: Array<Flag>, };

export type FieldChange = { field: string, 
/**
 * When it was written, by the writer's clock.
 */
at: string, 
/**
 * The member who wrote it, by name, when this device knows her.
 */
by: string | null, device: DeviceId, 
/**
 * The value before, in the order every device merges (`null` for the first value).
 */
old: unknown, new: unknown, 
/**
 * The reason given with a correction of a visit.
 */
reason: string | null, 
/**
 * Written without seeing the value before it in this order (two devices apart): a
 * conflict, listed among the conflicts while both values stand.
 */
concurrent: boolean, };

export type FieldDef = { 
/**
 * Unique across the definition; also the translation key of the field's label.
 */
key: string, kind: FieldKind, 
/**
 * The field is asked only when this holds (urinalysis details once a urinalysis was done).
 */
show_if: Condition | null, };

export type FieldError = { field: string, rule: Rule, 
/**
 * Values the message cites: `value`, `min`, `max`, `unit`, `other`, `max_len`.
 */
params: { [key in string]: string }, };

export type FieldKind = { "type": "number", unit: string, min: number, max: number, decimals: number, } | { "type": "choice", options: Array<number>, } | { "type": "single", options: Array<string>, } | { "type": "multiple", options: Array<string>, } | { "type": "yes_no" } | { "type": "scale", min: number, max: number, } | { "type": "date" } | { "type": "time" } | { "type": "text", max_len: number, } | { "type": "item", instrument: string, item: number, } | { "type": "computed", unit: string | null, formula: Formula, };

export type FileError = { "kind": "empty" } | { "kind": "missing_columns", columns: Array<string>, } | { "kind": "unknown_columns", columns: Array<string>, } | { "kind": "too_many_rows", max: number, } | { "kind": "unreadable", detail: string, };

export type Flag = { rule: string, level: FlagLevel, 
/**
 * The baby it is about; `None` for the mother.
 */
baby: BabyId | null, reasons: Array<Reason>, };

export type FlagLevel = "note" | "attention" | "urgent";

export type FlagRule = { 
/**
 * Stable id; also the translation key of the flag's title and of what to do.
 */
id: string, level: FlagLevel, subject: Subject, when: Condition, 
/**
 * Rules this one makes redundant when both fire (severe hypertension over hypertension).
 */
supersedes: Array<string>, };

export type FollowUpFilter = { nurse: string | null, neighbourhood: string | null, number: VisitNumber | null, nationality: string | null, from: string | null, to: string | null, };

export type FollowUpKind = "urgent_flag" | "attention_flag" | "late_visit" | "missed_visit" | "abnormal_lab" | "due_soon";

export type FollowUpList = { 
/**
 * The first rows, in order.
 */
rows: Array<FollowUpRow>, 
/**
 * How many rows the whole list has, and of each kind (in the list's order).
 */
total: number, counts: Array<[FollowUpKind, number]>, today: string, 
/**
 * The last successful sync: the list knows nothing recorded elsewhere since.
 */
last_sync: string | null, };

export type FollowUpRow = { kind: FollowUpKind, mother_id: MotherId, full_name: string, neighbourhood: string | null, nationality: string | null, number: VisitNumber, 
/**
 * The visit date for a flag; the window's last day for a late or missed visit; its first
 * day for one coming due.
 */
date: string, nurse: string | null, 
/**
 * The flag, for flag and lab rows (filled in by the caller for the rows it shows).
 */
flag: Flag | null, 
/**
 * The visit and the flag's place among its flags, for flag and lab rows.
 */
visit_id: VisitId | null, position: number | null, };

export type Formula = { "type": "sum", fields: Array<string>, } | { "type": "percent_change_from_birth_weight", field: string, } | { "type": "day_of_life" } | { "type": "at_most", field: string, max: number, } | { "type": "instrument_total", instrument: string, } | { "type": "item_score", instrument: string, item: number, };

export type Group = { 
/**
 * A stable key: a residency status, an ISO 3166 code, a folded place name, a member id;
 * `unknown` when not recorded.
 */
key: string, 
/**
 * What to show.
 */
name: LocalText, cells: Array<Cell>, };

export type Head = { version: Version, value: unknown, author: MemberId, change: ChangeId, };

export type Hlc = string;

export type Holder = { "type": "office" } | { "type": "nurse", "member": MemberId };

export type ImportReport = { 
/**
 * Set when the file could not be read at all; then nothing else is.
 */
file_error: FileError | null, created: Array<CreatedRow>, suspected: Array<SuspectedDuplicate>, errors: Array<RowError>, };

export type IndicatorDef = { id: string, kind: IndicatorKind, 
/**
 * The part of the report it is shown in: reach, windows, baby, labs, mood, flags, care.
 */
section: string, 
/**
 * The unit of a median (`days`, `hours`).
 */
unit: string | null, name: LocalText, numerator: LocalText, denominator: LocalText | null, 
/**
 * Indicators with the same partition split one denominator between them (a window is in
 * window, late, missed or not yet due): a de-identified report hides them together.
 */
partition: string | null, };

export type IndicatorKind = "count" | "share" | "median";

export type Instrument = { 
/**
 * `epds`, `phq9`; also the translation key of its name.
 */
id: string, items: number, 
/**
 * Options per item.
 */
options: number, 
/**
 * Items (numbered from 1) whose first printed option scores highest.
 */
reversed: Array<number>, 
/**
 * The item that asks about self-harm; any score above zero is urgent.
 */
self_harm_item: number, 
/**
 * Whether its texts ship with the app (`shipped`) or must be loaded (`licensed`).
 */
texts: TextSource, };

export type InstrumentText = { instrument: string, language: Language, title: string, instructions: string, items: Array<ItemText>, 
/**
 * Where the text comes from and under which licence, shown under the form.
 */
source: string, };

export type IssuedCode = { code: string, expires_ms: number, };

export type ItemText = { text: string, options: Array<string>, };

export type KnownMember = { id: MemberId, name: string, };

export type Language = "tr" | "ar" | "en" | "ku" | "fa" | "other";

export type LaterResultsInput = { visit_id: VisitId, 
/**
 * Raw answers keyed by `checklist::answer_key`, only of sections marked `later`.
 */
answers: { [key in string]: string }, };

export type LocalMember = { id: MemberId, name: string, role: Role | null, };

export type LocalText = { tr: string, en: string, ar: string, };

export type MatchReason = "same_id_number" | "similar_id_number" | "name_spelling" | "name_similar" | "same_phone" | "same_date_of_birth" | "same_baby_birth_date" | "similar_age" | "different_id_number" | "different_date_of_birth" | "different_age";

export type MemberId = string;

export type MotherId = string;

export type MotherInput = { full_name: string, 
/**
 * YYYY-MM-DD, or empty when only the age is known.
 */
date_of_birth: string, 
/**
 * Age in years when the date of birth is unknown.
 */
age_years: string, phone: string, street: string, neighbourhood: string, district: string, residency_status: ResidencyStatus | null, nationality: string, id_number: string, preferred_language: Language | null, interpreter_needed: boolean, };

export type MotherRecord = { id: MotherId, full_name: string, date_of_birth: string | null, age_years: number | null, phone: string | null, street: string | null, neighbourhood: string | null, district: string | null, residency_status: ResidencyStatus | null, nationality: string | null, id_number: string | null, preferred_language: Language, interpreter_needed: boolean, registered_on: string, };

export type MotherSummary = { id: MotherId, full_name: string, neighbourhood: string | null, birth_date: string, day_of_life: number, 
/**
 * The first visit still open, with its status.
 */
next_visit: VisitNumber | null, next_status: VisitStatus | null, };

export type MotherView = { mother: MotherRecord, birth: BirthRecord, babies: Array<BabyRecord>, cards: Array<VisitCard>, 
/**
 * The baby's day of life today.
 */
day_of_life: number, today: string, 
/**
 * Visits with an unfinished form on this device.
 */
drafts: Array<VisitNumber>, 
/**
 * Doctors' sign-offs of her flags, oldest first.
 */
reviews: Array<ReviewRecord>, 
/**
 * Visits planned outside the windows, by date.
 */
extra_visits: Array<ExtraVisitView>, 
/**
 * Where fields of her record came from (a referral file and line), by field.
 */
sources: { [key in string]: string }, 
/**
 * Notes of the psychologist and the social care specialist that the signed-in member's
 * role may read, newest first.
 */
notes: Array<NoteRecord>, 
/**
 * The kind of note the signed-in member writes, if any.
 */
note_topic: NoteTopic | null, 
/**
 * Whose she is, and whether her case is closed.
 */
case: CaseState, };

export type Movement = "prepared" | "handed" | "returned" | "lost";

export type NewMember = { name: string, role: Role, };

export type NoteInput = { mother_id: MotherId | null, text: string, };

export type NoteRecord = { id: string, topic: NoteTopic, mother_id: MotherId, written_on: string, text: string, written_by: string, };

export type NoteTopic = "psychology" | "social";

export type Notice = "idle" | "revoked_erased" | "member_revoked" | "member_erased";

export type Phase = "connecting" | "pushing" | "pulling" | "done";

export type ProgrammeFile = "report_xlsx" | "report_csv" | "line_lists_xlsx" | "line_lists_csv";

export type ProgrammeReport = { 
/**
 * The month's first and last day.
 */
from: string, to: string, 
/**
 * As of this day.
 */
today: string, 
/**
 * Small cells are suppressed and nothing names a mother.
 */
deidentified: boolean, indicators: Array<IndicatorDef>, 
/**
 * The whole team first, then each breakdown of the dictionary.
 */
breakdowns: Array<Breakdown>, };

export type Progress = { phase: Phase, pushed: number, pulled: number, 
/**
 * Local changes still to push when the sync started.
 */
to_push: number, };

export type Reason = { "type": "compare", field: string, value: number, op: Comparison, threshold: number, } | { "type": "compare_fields", field: string, value: number, op: Comparison, other: string, other_value: number, } | { "type": "is", field: string, 
/**
 * The option (or "yes"/"no") that matched.
 */
answer: string, } | { "type": "risen", field: string, value: number, previous: number, risen_by: number, };

export type ReferralRow = { 
/**
 * The line in the file (the header is line 1).
 */
line: number, input: RegistrationInput, hospital: string | null, };

export type Refused = { entity: EntityKind, 
/**
 * The mother the record belongs to, when known here.
 */
mother_name: string | null, 
/**
 * The fields the change wrote.
 */
fields: Array<string>, 
/**
 * The server's reason code (`other_team`, `clock_ahead`, …).
 */
reason: string, 
/**
 * When it was refused (RFC 3339).
 */
at: string, };

export type RegistrationForm = { input: RegistrationInput, 
/**
 * The babies already recorded come first in `input.babies`, in this order; they cannot be
 * removed.
 */
recorded_babies: number, baby_ids: Array<BabyId>, };

export type RegistrationInput = { mother: MotherInput, birth: BirthInput, babies: Array<BabyInput>, };

export type ResidencyStatus = "citizen" | "temporary_protection" | "international_protection" | "residence_permit" | "other";

export type ReviewInput = { mother_id: MotherId, visit_id: VisitId, 
/**
 * The flags signed off, by `flag_key`.
 */
flags: Array<string>, order: ReviewOrder, note: string, };

export type ReviewOrder = "none" | "iron_supplement" | "referral" | "extra_visit" | "other";

export type ReviewRecord = { id: string, mother_id: MotherId, visit_id: VisitId, flags: Array<string>, order: ReviewOrder, note: string | null, reviewed_by: string, reviewed_at: string, };

export type Role = "nurse" | "doctor" | "psychologist" | "social_worker" | "team_lead" | "admin";

export type RowError = { line: number, column: string, error: FieldError, };

export type Rule = "required" | "too_long" | "not_a_date" | "not_a_time" | "not_a_number" | "not_a_whole_number" | "too_many_decimals" | "out_of_range" | "in_the_future" | "in_the_past" | "before_birth" | "too_long_ago" | "must_be_below" | "date_order" | "not_asked" | "not_shown" | "not_a_screening_text" | "id_number_format" | "id_number_checksum" | "id_number_kind" | "age_mismatch" | "phone_format" | "not_a_choice" | "baby_count" | "baby_removed" | "deleted" | "already_recorded" | "pin_format" | "pin_too_simple" | "pin_mismatch" | "wrong_pin" | "pin_locked" | "not_your_role" | "invalid_value" | "control_characters";

export type SavedFile = { path: string, bytes: number, 
/**
 * Records in it (mothers, rows or resources, by format).
 */
records: number, };

export type SavedVisit = { id: VisitId, flags: Array<Flag>, };

export type Section = { 
/**
 * Also the translation key of the section's title.
 */
id: string, subject: Subject, 
/**
 * The visits (1, 2, 3) that include this section.
 */
visits: Array<number>, 
/**
 * Its answers may be added after the visit was recorded (a lab result that arrives later).
 */
later: boolean, 
/**
 * The section is asked only when this holds (the caesarean wound after a caesarean).
 */
show_if: Condition | null, fields: Array<FieldDef>, checks: Array<Check>, };

export type SetupDefaults = { server: string, code: string, member_code: string, };

export type StockInput = { movement: Movement, 
/**
 * One of `PACKAGE_KINDS`.
 */
kind: string, count: string, 
/**
 * DD.MM.YYYY or YYYY-MM-DD.
 */
moved_on: string, 
/**
 * The nurse, for a hand-over, a return or a loss from her stock.
 */
member: MemberId | null, lot: string, 
/**
 * What a prepared package holds (the checklist's `package_items` codes).
 */
contents: Array<string>, };

export type StockRecord = { id: string, movement: Movement, kind: string, count: number, moved_on: string, member: MemberId | null, lot: string | null, contents: Array<string>, };

export type StockView = { 
/**
 * The package kinds, in the order of each balance's numbers.
 */
kinds: Array<string>, 
/**
 * The office first, then each nurse.
 */
balances: Array<Balance>, 
/**
 * Every movement, newest first.
 */
movements: Array<StockRecord>, };

export type Subject = "mother" | "baby";

export type Suspect = { id: string, 
/**
 * 0–100; [`SUSPECT_THRESHOLD`] or more for a reported suspect.
 */
score: number, reasons: Array<MatchReason>, };

export type SuspectRecord = { suspect: Suspect, mother: MotherRecord, birth: BirthRecord | null, };

export type SuspectedDuplicate = { row: ReferralRow, suspects: Array<SuspectRecord>, };

export type SyncOnly = "lease" | "revoked";

export type SyncStatus = { 
/**
 * The server this replica syncs with, once enrolled.
 */
server: string | null, team: string | null, 
/**
 * Local changes the server has not confirmed yet.
 */
pending: number, 
/**
 * Local changes the server refused; kept here with the reason.
 */
quarantined: number, cursor: number, open_conflicts: number, last_success: string | null, 
/**
 * The kind of the last failure (`offline`, `unauthorized`, …) when it came after the last
 * success.
 */
last_error: string | null, 
/**
 * Server clock minus this device's clock at the last sync, in ms.
 */
clock_skew_ms: number | null, 
/**
 * Visit forms kept as drafts: on this device only, never synced until saved.
 */
drafts: number, 
/**
 * Safe to hand the device over (or wipe it): enrolled, and every change made here is
 * confirmed by the server, none refused, no draft left.
 */
safe_to_hand_over: boolean, };

export type SyncView = { status: SyncStatus, running: boolean, progress: Progress | null, 
/**
 * The tablet's clock is off from the server's by more than a few minutes.
 */
clock_skew_warning: boolean, 
/**
 * The server address is plain HTTP to this computer (development only; plain HTTP to another
 * computer is refused).
 */
unencrypted: boolean, 
/**
 * Who is using this device, to tell "you" from others in conflicts.
 */
member: MemberId | null, };

export type TeamDevice = { id: string, name: string, enrolled_ms: number, 
/**
 * Its last request of any kind.
 */
last_seen_ms: number | null, 
/**
 * Its last successful sync (when it last reported).
 */
last_sync_ms: number | null, 
/**
 * From its last report; `None` before the first.
 */
report: DeviceReport | null, };

export type TeamDevices = { this_device: string, devices: Array<TeamDevice>, 
/**
 * A device whose last sync is older than this many days stands out.
 */
silent_after_days: number, };

export type TeamMember = { num: number, id: MemberId | null, name: string, role: Role, active: boolean, 
/**
 * The devices she signed in on.
 */
devices: Array<string>, };

export type TextLanguage = "tr" | "en" | "ar";

export type TextSource = "shipped" | "licensed";

export type TodayEntry = { mother_id: MotherId, full_name: string, neighbourhood: string | null, number: VisitNumber, opens_on: string, closes_on: string, status: VisitStatus, 
/**
 * The baby's day of life today (birth day = 0).
 */
day_of_life: number, 
/**
 * Set for an extra visit (outside the windows): which one, and why it was planned.
 * `number` is then the checklist it uses, `opens_on` its date.
 */
extra_visit: string | null, reason: string | null, 
/**
 * Nobody has visited her yet (a mother referred late is first seen at this visit).
 */
no_visit_yet: boolean, 
/**
 * The nurse she is assigned to, by name (when this device knows her).
 */
assigned_to: string | null, 
/**
 * Whether she is assigned to anyone (perhaps a member this device has no name for yet).
 */
assigned: boolean, };

export type TodayList = { today: string, 
/**
 * Window closed with nothing recorded; most overdue first.
 */
late: Array<TodayEntry>, 
/**
 * Window open now; closing soonest first.
 */
due: Array<TodayEntry>, 
/**
 * Window opens within `UPCOMING_DAYS`; soonest first.
 */
upcoming: Array<TodayEntry>, };

export type Version = string;

export type VisitCard = { window: VisitWindow, status: VisitStatus, 
/**
 * First and last day of life of the window.
 */
first_day: number, last_day: number, 
/**
 * Day of life on the visit date, when one is recorded.
 */
day_of_life_at_visit: number | null, 
/**
 * The record that decides the status: the visit if it happened, else the latest outcome.
 */
visit: VisitRecord | null, 
/**
 * Earlier outcomes that did not decide it (not at home on day 2 before the visit on day 4).
 */
attempts: Array<VisitRecord>, 
/**
 * The same visit recorded again (two tablets offline, say): visits of this window besides
 * the one that decides it. They count once; someone should review them (`duplicates`).
 */
duplicates: Array<VisitRecord>, 
/**
 * Red flags the recorded answers raise, by the rules of the definition they were filled with.
 */
flags: Array<Flag>, };

export type VisitCorrectionInput = { visit_id: VisitId, form: VisitInput, 
/**
 * Why (a typo, a value read again from the device, ...); kept with the change.
 */
reason: string, };

export type VisitDraft = { input: VisitInput, saved_at: string, };

export type VisitId = string;

export type VisitInput = { mother_id: MotherId, number: VisitNumber, outcome: VisitOutcome, 
/**
 * YYYY-MM-DD.
 */
visited_on: string, 
/**
 * HH:MM, local time.
 */
visited_at: string, visited_by: string, note: string, 
/**
 * Raw answers keyed by `checklist::answer_key`.
 */
answers: { [key in string]: string }, };

export type VisitNumber = 1 | 2 | 3;

export type VisitOutcome = "visited" | "not_at_home" | "moved" | "refused" | "hospitalised";

export type VisitRecord = { id: VisitId, mother_id: MotherId, number: VisitNumber, outcome: VisitOutcome, visited_on: string, visited_at: string | null, visited_by: string, note: string | null, 
/**
 * The checklist definition version the answers were filled with.
 */
checklist_version: number, answers: Record<string, AnswerValue>, 
/**
 * Set when this is an extra visit (`extra::ExtraVisitRecord`) rather than one of the three
 * windows'; `number` then says whose checklist it used.
 */
extra_visit_id: string | null, };

export type VisitStatus = "upcoming" | "due" | "late" | "passed" | "done" | "done_late" | "missed";

export type VisitWindow = { number: VisitNumber, opens_on: string, closes_on: string, };

export const APP_PHASE_VALUES: readonly AppPhase[] = ["setup", "locked", "open"];

export const BABY_SEX_VALUES: readonly BabySex[] = ["female", "male", "undetermined"];

export const BIRTH_MODE_VALUES: readonly BirthMode[] = ["vaginal", "caesarean"];

export const CLOSE_REASON_VALUES: readonly CloseReason[] = ["moved_away", "transferred", "declined", "mother_died", "baby_died", "lost_to_follow_up"];

export const COMPARISON_VALUES: readonly Comparison[] = ["lt", "le", "gt", "ge"];

export const DIMENSION_VALUES: readonly Dimension[] = ["total", "residency_status", "nationality", "district", "neighbourhood", "nurse"];

export const ENTITY_KIND_VALUES: readonly EntityKind[] = ["mother", "birth", "baby", "visit", "member", "review", "extra_visit", "psychology_note", "social_note", "stock_movement"];

export const ERROR_KIND_VALUES: readonly ErrorKind[] = ["validation", "not_found", "deleted", "no_member", "storage", "internal", "sync", "locked"];

export const EXPORT_FORMAT_VALUES: readonly ExportFormat[] = ["visits_csv", "flags_csv", "fhir_bundle"];

export const EXTRA_VISIT_STATUS_VALUES: readonly ExtraVisitStatus[] = ["upcoming", "due", "late", "done"];

export const FLAG_LEVEL_VALUES: readonly FlagLevel[] = ["note", "attention", "urgent"];

export const FOLLOW_UP_KIND_VALUES: readonly FollowUpKind[] = ["urgent_flag", "attention_flag", "late_visit", "missed_visit", "abnormal_lab", "due_soon"];

export const INDICATOR_KIND_VALUES: readonly IndicatorKind[] = ["count", "share", "median"];

export const LANGUAGE_VALUES: readonly Language[] = ["tr", "ar", "en", "ku", "fa", "other"];

export const MATCH_REASON_VALUES: readonly MatchReason[] = ["same_id_number", "similar_id_number", "name_spelling", "name_similar", "same_phone", "same_date_of_birth", "same_baby_birth_date", "similar_age", "different_id_number", "different_date_of_birth", "different_age"];

export const MOVEMENT_VALUES: readonly Movement[] = ["prepared", "handed", "returned", "lost"];

export const NOTE_TOPIC_VALUES: readonly NoteTopic[] = ["psychology", "social"];

export const NOTICE_VALUES: readonly Notice[] = ["idle", "revoked_erased", "member_revoked", "member_erased"];

export const PHASE_VALUES: readonly Phase[] = ["connecting", "pushing", "pulling", "done"];

export const PROGRAMME_FILE_VALUES: readonly ProgrammeFile[] = ["report_xlsx", "report_csv", "line_lists_xlsx", "line_lists_csv"];

export const RESIDENCY_STATUS_VALUES: readonly ResidencyStatus[] = ["citizen", "temporary_protection", "international_protection", "residence_permit", "other"];

export const REVIEW_ORDER_VALUES: readonly ReviewOrder[] = ["none", "iron_supplement", "referral", "extra_visit", "other"];

export const ROLE_VALUES: readonly Role[] = ["nurse", "doctor", "psychologist", "social_worker", "team_lead", "admin"];

export const RULE_VALUES: readonly Rule[] = ["required", "too_long", "not_a_date", "not_a_time", "not_a_number", "not_a_whole_number", "too_many_decimals", "out_of_range", "in_the_future", "in_the_past", "before_birth", "too_long_ago", "must_be_below", "date_order", "not_asked", "not_shown", "not_a_screening_text", "id_number_format", "id_number_checksum", "id_number_kind", "age_mismatch", "phone_format", "not_a_choice", "baby_count", "baby_removed", "deleted", "already_recorded", "pin_format", "pin_too_simple", "pin_mismatch", "wrong_pin", "pin_locked", "not_your_role", "invalid_value", "control_characters"];

export const SUBJECT_VALUES: readonly Subject[] = ["mother", "baby"];

export const SYNC_ONLY_VALUES: readonly SyncOnly[] = ["lease", "revoked"];

export const TEXT_LANGUAGE_VALUES: readonly TextLanguage[] = ["tr", "en", "ar"];

export const TEXT_SOURCE_VALUES: readonly TextSource[] = ["shipped", "licensed"];

export const VISIT_OUTCOME_VALUES: readonly VisitOutcome[] = ["visited", "not_at_home", "moved", "refused", "hospitalised"];

export const VISIT_STATUS_VALUES: readonly VisitStatus[] = ["upcoming", "due", "late", "passed", "done", "done_late", "missed"];

/** The mother fields a merge may take from a referral, in the order shown. */
export const MERGEABLE_FIELDS = ["full_name", "date_of_birth", "age_years", "phone", "id_number", "street", "neighbourhood", "district", "nationality", "residency_status", "preferred_language", "interpreter_needed"] as const;
