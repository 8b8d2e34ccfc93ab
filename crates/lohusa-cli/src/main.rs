//! `lohusa-cli`: a local replica without a window. Create one, enroll it with a server, register
//! mothers, record visits, sync, look at its status and conflicts, and export it as JSON. It runs
//! the same store and sync code as the app; output is JSON, for people and for scripts.

/// mimalloc instead of the system allocator: sync, the lists and the merge build and drop many
/// small maps and strings, which it serves faster (`cargo xtask bench sync` measures it).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod set;

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};
use lohusa_core::registration::{BabyInput, BirthInput, MotherInput, RegistrationInput};
use lohusa_core::visit::{LaterResultsInput, VisitInput};
use lohusa_core::{EntityKind, MotherId, VisitId, VisitNumber};
use lohusa_store::{Store, StoreError};
use serde_json::{Value, json};

#[derive(Parser)]
#[command(name = "lohusa-cli", version, about = "A Lohusa replica on the command line")]
struct Cli {
    /// The replica's database file.
    #[arg(long, global = true, default_value = "lohusa.sqlite3")]
    db: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the replica (if needed) and name the member using it.
    Init {
        #[arg(long)]
        member: String,
    },
    /// Enroll with a server using a one-time code from the team lead.
    Enroll {
        #[arg(long)]
        server: String,
        #[arg(long)]
        code: String,
        #[arg(long, default_value = "lohusa-cli")]
        name: String,
        /// The team's certificate authority (PEM) the server's certificate must chain to, for an
        /// office server with its own certificate.
        #[arg(long)]
        ca: Option<std::path::PathBuf>,
        /// The member's one-time code from the team lead: binds her to this device.
        #[arg(long)]
        member_code: Option<String>,
    },
    /// Bind a member to this enrolled device with her one-time member code, and make her the
    /// one using it.
    Claim { code: String },
    /// Register a mother with her birth and babies; prints her id.
    Register {
        #[arg(long)]
        name: String,
        /// Day of birth, DD.MM.YYYY.
        #[arg(long)]
        birth_date: String,
        #[arg(long, default_value = "")]
        age: String,
        #[arg(long, default_value = "")]
        phone: String,
        #[arg(long, default_value = "")]
        neighbourhood: String,
        #[arg(long, default_value = "")]
        district: String,
        /// Nationality as typed (`T.C.`, `Suriye`); reports map it to an ISO 3166 code.
        #[arg(long, default_value = "")]
        nationality: String,
        /// citizen, temporary_protection, international_protection, residence_permit or other.
        #[arg(long)]
        residency: Option<String>,
        /// vaginal or caesarean.
        #[arg(long, default_value = "vaginal")]
        mode: String,
        /// The mother's preferred language: tr, ar, en, ku, fa or other.
        #[arg(long, default_value = "tr")]
        language: String,
        /// female, male or undetermined, for every baby.
        #[arg(long, default_value = "undetermined")]
        baby_sex: String,
        /// Birth weight of each baby in grams (repeat for twins).
        #[arg(long = "baby-weight", default_value = "3200")]
        baby_weights: Vec<String>,
    },
    /// The care-package stock: the office's and each nurse's balance, and every movement.
    Stock,
    /// Record packages prepared, handed to a nurse, returned or lost (the team lead).
    StockMove {
        /// prepared, handed, returned or lost.
        #[arg(long)]
        movement: String,
        /// health_care, woman_care or baby_care.
        #[arg(long)]
        kind: String,
        #[arg(long)]
        count: String,
        /// DD.MM.YYYY.
        #[arg(long)]
        date: String,
        /// The nurse's member id (handed, returned, lost from her).
        #[arg(long)]
        member: Option<String>,
        #[arg(long, default_value = "")]
        lot: String,
        /// An item the prepared packages hold (repeat): sanitary_pads, underwear, soap, towel,
        /// nipple_cream, iron_tablets, nappies, baby_clothes, blanket, baby_soap, wet_wipes,
        /// thermometer.
        #[arg(long = "item")]
        contents: Vec<String>,
    },
    /// Record a visit (or the outcome that closed it); prints its id.
    Visit {
        #[arg(long)]
        mother: String,
        #[arg(long)]
        number: u8,
        /// DD.MM.YYYY.
        #[arg(long)]
        date: String,
        #[arg(long, default_value = "10:00")]
        time: String,
        /// visited, not_at_home, moved, refused or hospitalised.
        #[arg(long, default_value = "visited")]
        outcome: String,
        #[arg(long, default_value = "")]
        note: String,
        /// A checklist answer, key=value (repeat).
        #[arg(long = "answer")]
        answers: Vec<String>,
    },
    /// Add lab results that arrived after a visit, e.g. --answer mother.ua_nitrite=positive.
    Results {
        #[arg(long)]
        visit: uuid::Uuid,
        /// A lab answer, key=value (repeat).
        #[arg(long = "answer")]
        answers: Vec<String>,
    },
    /// Load a screening questionnaire's text (the licensed EPDS) from a JSON content file.
    ScreeningText { file: std::path::PathBuf },
    /// Correct one field of a record by the rules of the form that wrote it, e.g. --entity
    /// mother --field phone --value '0532 111 22 33', or a visit's answer with --reason.
    Set(set::SetArgs),
    /// Delete a mother's record: hidden everywhere after sync, kept in the log. Deletion is a
    /// field like any other, so a concurrent edit and a deletion merge by the same rule.
    Delete {
        #[arg(long)]
        mother: uuid::Uuid,
    },
    /// Close a mother's case: she leaves Today and the follow-up list, stays in every report.
    Close {
        #[arg(long)]
        mother: uuid::Uuid,
        /// DD.MM.YYYY.
        #[arg(long)]
        date: String,
        /// moved_away, transferred, declined, mother_died, baby_died or lost_to_follow_up.
        #[arg(long)]
        reason: String,
    },
    /// Reopen a closed case.
    Reopen {
        #[arg(long)]
        mother: uuid::Uuid,
    },
    /// Assign mothers to a member (by her member id; `nobody` to unassign): one mother, or every
    /// open case of a neighbourhood.
    Assign {
        #[arg(long, conflicts_with = "neighbourhood", required_unless_present = "neighbourhood")]
        mother: Option<uuid::Uuid>,
        #[arg(long)]
        neighbourhood: Option<String>,
        #[arg(long)]
        to: String,
    },
    /// Every change of every field of one record, oldest first: who, when, on which device,
    /// old → new, and why (a visit's correction).
    History {
        #[arg(long)]
        entity: String,
        #[arg(long)]
        id: uuid::Uuid,
    },
    /// The mothers on this replica.
    List,
    /// The nurse's Today list: late, due and this week's visits, extra visits included; with
    /// --mine, only the mothers of this replica's member (and those assigned to nobody).
    Today {
        #[arg(long)]
        mine: bool,
    },
    /// The doctor's follow-up list (flags not signed off, late, missed, abnormal labs, due soon).
    FollowUp,
    /// Import a hospital referral CSV: good rows are registered, suspected duplicates and bad
    /// rows are listed (decide on duplicates in the app's office screen).
    Import { file: std::path::PathBuf },
    /// Write a report file: visits-csv, flags-csv or fhir (an R4 Bundle).
    Report {
        /// visits-csv, flags-csv, fhir, programme-xlsx, programme-csv, line-lists-xlsx.
        #[arg(long)]
        format: String,
        #[arg(long)]
        out: std::path::PathBuf,
        /// The language flags and definitions are written in: tr, en or ar.
        #[arg(long, default_value = "en")]
        language: String,
        /// The month, YYYY-MM: the programme report's and line lists' month, the FHIR bundle's
        /// period (every visit when not given; this month for the programme report).
        #[arg(long)]
        month: Option<String>,
        /// The programme report and line lists for the donor: small numbers hidden, no names.
        #[arg(long)]
        deidentified: bool,
    },
    /// Push what is pending, then pull what is new.
    Sync,
    /// Sync state: server, pending changes, cursor, conflicts, last success and error.
    Status,
    /// Open conflicts: fields written on two devices without either seeing the other.
    Conflicts,
    /// Changes the server refused, with its reason; kept here, never lost. With --retry, put
    /// them back in the upload queue (after the server was fixed).
    Quarantine {
        #[arg(long)]
        retry: bool,
    },
    /// Resolve a conflict by choosing the value (as JSON); the choice syncs like any change.
    Resolve(FieldValue),
    /// Everything on this replica as JSON (records; with --changes, the change log).
    Export {
        #[arg(long)]
        changes: bool,
    },
}

/// One field of one record and a value for it.
#[derive(clap::Args)]
struct FieldValue {
    /// mother, birth, baby, visit, member, review, extra_visit, psychology_note or social_note.
    #[arg(long)]
    entity: String,
    #[arg(long)]
    id: uuid::Uuid,
    /// The field, e.g. phone or answers.mother.bp_systolic.
    #[arg(long)]
    field: String,
    /// The value as JSON, e.g. '"text"' or 42.
    #[arg(long)]
    value: String,
}

impl FieldValue {
    fn parse(self) -> anyhow::Result<(EntityKind, uuid::Uuid, String, Value)> {
        let value = serde_json::from_str(&self.value).context("--value must be JSON, e.g. '\"text\"' or 42")?;
        Ok((entity(&self.entity)?, self.id, self.field, value))
    }
}

/// Writes the JSON out; a reader that stopped early (`| head`) is not an error.
fn print(value: &impl serde::Serialize) -> anyhow::Result<()> {
    use std::io::Write;
    let text = serde_json::to_string_pretty(value)?;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

fn entity(text: &str) -> anyhow::Result<EntityKind> {
    EntityKind::parse(text).with_context(|| {
        let kinds: Vec<&str> = lohusa_core::change::ENTITY_KINDS.iter().map(|k| k.as_str()).collect();
        format!("--entity must be one of {}, not {text:?}", kinds.join(", "))
    })
}

fn member(store: &Store) -> anyhow::Result<lohusa_core::MemberId> {
    Ok(store
        .local_member()?
        .context("no member on this replica yet; run `lohusa-cli init --member NAME` first")?
        .id)
}

/// Field errors as "field: rule" lines, the way a script or a person can read them.
fn explain(error: StoreError) -> anyhow::Error {
    match error {
        StoreError::Validation(errors) => {
            let lines: Vec<String> = errors.0.iter().map(|e| e.english_message()).collect();
            anyhow::anyhow!("the input was refused, nothing was saved:\n{}", lines.join("\n"))
        }
        other => other.into(),
    }
}

fn enum_value<T: serde::de::DeserializeOwned>(flag: &str, text: &str) -> anyhow::Result<T> {
    one_of(&format!("--{flag}"), text)
}

/// One of a type's names (`caesarean`), or an error naming `what` and every accepted name, as
/// the type lists them.
fn one_of<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> anyhow::Result<T> {
    serde_json::from_value(json!(text)).map_err(|e| {
        let message = e.to_string();
        match message.split("expected ").nth(1) {
            Some(list) => anyhow::anyhow!(
                "{what} {text:?} is not one of: {}",
                list.trim_start_matches("one of ")
                    .replace('`', "")
                    .replace(" or ", ", ")
            ),
            None => anyhow::anyhow!("{what} {text:?} is not one of the accepted values"),
        }
    })
}

/// Runs the command; a failure prints its message alone (with its causes), never a backtrace,
/// whatever `RUST_BACKTRACE` says: this is a tool for people.
#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("Error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let mut store = Store::open(&cli.db).with_context(|| format!("opening {}", cli.db.display()))?;
    // The command line's one reading of the clock: a command happens at one moment, and everything
    // below takes it as an argument (a sync reads the clock as it goes, through `Utc::now`).
    let now = Utc::now();
    match cli.command {
        Command::Init { member } => {
            let m = store.set_local_member(&member, now).map_err(explain)?;
            print(&json!({ "device": store.device_id(), "member": m }))?;
        }
        Command::Enroll {
            server,
            code,
            name,
            ca,
            member_code,
        } => {
            let ca = ca.map(std::fs::read_to_string).transpose()?;
            let replica = std::sync::Mutex::new(store);
            let (server, team) = lohusa_sync::enroll_with_ca(&replica, &server, &code, &name, ca.as_deref()).await?;
            let member = match member_code {
                Some(code) => Some(lohusa_sync::claim_member(&replica, &code, now).await?),
                None => None,
            };
            print(&json!({ "team": team, "server": server, "member": member }))?;
        }
        Command::Claim { code } => {
            let replica = std::sync::Mutex::new(store);
            let member = lohusa_sync::claim_member(&replica, &code, now).await?;
            print(&json!({ "member": member }))?;
        }
        Command::Register {
            name,
            birth_date,
            age,
            phone,
            neighbourhood,
            district,
            nationality,
            residency,
            mode,
            language,
            baby_sex,
            baby_weights,
        } => {
            let author = member(&store)?;
            let input = RegistrationInput {
                mother: MotherInput {
                    full_name: name,
                    age_years: age,
                    phone,
                    neighbourhood,
                    district,
                    nationality,
                    residency_status: residency.map(|r| enum_value("residency", &r)).transpose()?,
                    preferred_language: Some(enum_value("language", &language)?),
                    ..Default::default()
                },
                birth: BirthInput {
                    birth_date,
                    mode: Some(enum_value("mode", &mode)?),
                    ..Default::default()
                },
                babies: baby_weights
                    .into_iter()
                    .map(|w| {
                        Ok(BabyInput {
                            birth_weight_g: w,
                            sex: Some(enum_value("baby-sex", &baby_sex)?),
                            ..Default::default()
                        })
                    })
                    .collect::<anyhow::Result<_>>()?,
            };
            let id = store.register_mother(&input, author, now).map_err(explain)?;
            print(&json!({ "mother": id }))?;
        }
        Command::Stock => print(&serde_json::to_value(store.stock()?)?)?,
        Command::StockMove {
            movement,
            kind,
            count,
            date,
            member: nurse,
            lot,
            contents,
        } => {
            // As the app: the office (the team lead) keeps the stock, and the server refuses
            // anyone else's movements.
            let me = store
                .local_member()?
                .context("no member on this replica yet; run `lohusa-cli init --member NAME` first")?;
            if me.role != Some(lohusa_core::Role::TeamLead) {
                anyhow::bail!(
                    "only the team lead records stock movements; this replica's member is {}",
                    me.role.map_or("not confirmed by the server yet", |r| r.as_str())
                );
            }
            let author = me.id;
            let input = lohusa_core::stock::StockInput {
                movement: enum_value("movement", &movement)?,
                kind,
                count,
                moved_on: date,
                member: nurse
                    .map(|m| m.parse().map(lohusa_core::MemberId))
                    .transpose()
                    .map_err(|_| anyhow::anyhow!("--member must be a member id"))?,
                lot,
                contents,
            };
            let record = store.record_stock(&input, author, now).map_err(explain)?;
            print(&serde_json::to_value(record)?)?;
        }
        Command::Visit {
            mother,
            number,
            date,
            time,
            outcome,
            note,
            answers,
        } => {
            let author = store
                .local_member()?
                .context("run `lohusa-cli init --member NAME` first")?;
            let parsed = parse_answers(answers)?;
            let input = VisitInput {
                mother_id: MotherId(mother.parse().context("--mother must be a mother's id")?),
                number: VisitNumber::new(number).context("--number must be 1, 2 or 3")?,
                outcome: enum_value("outcome", &outcome)?,
                visited_on: date,
                visited_at: time,
                visited_by: author.name.clone(),
                note,
                answers: parsed,
            };
            let id = store.record_visit(&input, author.id, now).map_err(explain)?;
            print(&json!({ "visit": id, "flags": flags_of(&store, input.mother_id, id, now)? }))?;
        }
        Command::Results { visit, answers } => {
            let author = store
                .local_member()?
                .context("run `lohusa-cli init --member NAME` first")?;
            let input = LaterResultsInput {
                visit_id: VisitId(visit),
                answers: parse_answers(answers)?,
            };
            store.record_later_results(&input, author.id, now).map_err(explain)?;
            let mother = store.visit(input.visit_id)?.mother_id;
            print(&json!({ "visit": visit, "flags": flags_of(&store, mother, input.visit_id, now)? }))?;
        }
        Command::ScreeningText { file } => {
            let content = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let text = store.install_screening_text(&content, now).map_err(explain)?;
            print(&json!({ "instrument": text.instrument, "language": text.language, "title": text.title }))?;
        }
        Command::Set(args) => {
            let author = member(&store)?;
            print(&set::run(&mut store, args, author, now)?)?;
        }
        Command::Delete { mother } => {
            let author = member(&store)?;
            store.delete_mother(MotherId(mother), author, now).map_err(explain)?;
            print(&json!({ "mother": mother, "deleted": true }))?;
        }
        Command::Today { mine } => {
            let member = if mine { Some(member(&store)?) } else { None };
            print(&store.today_list_for(now, member)?)?
        }
        Command::History { entity: kind, id } => print(&store.history(entity(&kind)?, id)?)?,
        Command::Close { mother, date, reason } => {
            let author = member(&store)?;
            let input = lohusa_core::case::CloseCaseInput {
                closed_on: date,
                reason: Some(enum_value("reason", &reason)?),
            };
            store
                .close_case(MotherId(mother), &input, author, now)
                .map_err(explain)?;
            print(&json!({ "mother": mother, "case": store.case_of(MotherId(mother))? }))?;
        }
        Command::Reopen { mother } => {
            let author = member(&store)?;
            let reopened = store.reopen_case(MotherId(mother), author, now).map_err(explain)?;
            print(&json!({ "mother": mother, "reopened": reopened }))?;
        }
        Command::Assign {
            mother,
            neighbourhood,
            to,
        } => {
            let author = member(&store)?;
            let to = match to.as_str() {
                "nobody" => None,
                id => Some(lohusa_core::MemberId(
                    id.parse().context("--to must be a member id or nobody")?,
                )),
            };
            let mothers = match (mother, neighbourhood) {
                (Some(mother), _) => vec![MotherId(mother)],
                (None, Some(area)) => store.open_cases_in(&area)?,
                (None, None) => bail!("--mother or --neighbourhood"),
            };
            let changed = store.assign_mothers(&mothers, to, author, now).map_err(explain)?;
            print(&json!({ "mothers": mothers.len(), "changed": changed }))?;
        }
        Command::FollowUp => print(&store.follow_up_list(now, &Default::default(), 10_000)?)?,
        Command::Import { file } => {
            let text = std::fs::read_to_string(&file)?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let author = member(&store)?;
            let report = store.import_referrals(&text, &name, author, now).map_err(explain)?;
            for error in &report.errors {
                eprintln!(
                    "line {}, column {}: {}",
                    error.line,
                    error.column,
                    error.error.english_message()
                );
            }
            print(&report)?;
        }
        Command::Report {
            format,
            out,
            language,
            month,
            deidentified,
        } => {
            let language = lohusa_core::flag_text::TextLanguage::parse(&language)
                .with_context(|| format!("--language {language:?}: tr, en or ar"))?;
            let month = month
                .map(|m| lohusa_core::time::parse_month(&m).map_err(|e| anyhow::anyhow!("--month: {e}")))
                .transpose()?;
            let today = lohusa_core::time::istanbul_today(now);
            let records = store.records_for_export(now)?;
            let members = store.member_names_map()?;
            let period = month.map(lohusa_core::coverage::month_of);
            let locale = lohusa_exchange::tables::CsvLocale::of(language);
            // The programme report from the records just read, not a second reading of them.
            let report = || {
                let report =
                    lohusa_core::indicators::programme_report(&records, &members, month.unwrap_or(today), today);
                if deidentified {
                    lohusa_core::indicators::deidentify(report)
                } else {
                    report
                }
            };
            if deidentified && !matches!(format.as_str(), "programme-xlsx" | "programme-csv" | "line-lists-xlsx") {
                anyhow::bail!(
                    "--deidentified: only programme-xlsx, programme-csv and line-lists-xlsx have a de-identified form; {format} carries names"
                );
            }
            let bytes: Vec<u8> = match format.as_str() {
                "visits-csv" => lohusa_exchange::csv_export::visits_csv(&records).into_bytes(),
                "flags-csv" => lohusa_exchange::csv_export::flags_csv(&records, language).into_bytes(),
                "fhir" => serde_json::to_string_pretty(&lohusa_exchange::fhir::bundle_with(
                    &records,
                    &lohusa_exchange::fhir::BundleOptions {
                        members: &members,
                        period,
                        generated_at: now,
                        language,
                    },
                ))?
                .into_bytes(),
                "programme-xlsx" => lohusa_exchange::tables::to_xlsx(&lohusa_exchange::report_tables::report_tables(
                    &report(),
                    language,
                ))?,
                "programme-csv" => lohusa_exchange::tables::to_csv(
                    &lohusa_exchange::report_tables::report_long_table(&report(), language),
                    locale,
                )
                .into_bytes(),
                "line-lists-xlsx" => {
                    let secret = store.export_secret()?;
                    let options = lohusa_exchange::line_lists::LineListOptions {
                        period: period.unwrap_or_else(|| lohusa_core::coverage::month_of(today)),
                        today,
                        variant: if deidentified {
                            lohusa_exchange::line_lists::Variant::Deidentified
                        } else {
                            lohusa_exchange::line_lists::Variant::Identified
                        },
                        language,
                        members: &members,
                        secret: &secret,
                    };
                    lohusa_exchange::tables::to_xlsx(&lohusa_exchange::line_lists::line_lists(&records, &options))?
                }
                other => anyhow::bail!(
                    "unknown report format {other:?}: visits-csv, flags-csv, fhir, programme-xlsx, programme-csv or line-lists-xlsx"
                ),
            };
            std::fs::write(&out, &bytes).with_context(|| format!("could not write {}", out.display()))?;
            print(&json!({ "file": out, "bytes": bytes.len(), "mothers": records.len() }))?;
        }
        Command::List => {
            let state = store.export_state()?;
            let mothers: Vec<Value> = state["mothers"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|m| m["deleted"] != json!(1))
                .map(|m| json!({ "id": m["id"], "full_name": m["full_name"], "phone": m["phone"] }))
                .collect();
            print(&mothers)?;
        }
        Command::Sync => {
            let transport = lohusa_sync::http::HttpTransport::for_store(&store)?;
            let replica = std::sync::Mutex::new(store);
            let version = concat!("cli ", env!("CARGO_PKG_VERSION"));
            let report = lohusa_sync::sync_and_record(&replica, &transport, version, Utc::now, |_| {}).await?;
            print(&report)?;
            // A script must notice what the server refused (kept in `quarantine`): exit 3.
            if report.refused > 0 {
                eprintln!(
                    "lohusa-cli: the server refused {} change(s); they are kept (see `lohusa-cli quarantine`)",
                    report.refused
                );
                std::process::exit(3);
            }
        }
        Command::Status => print(&store.sync_status()?)?,
        Command::Conflicts => print(&store.conflicts()?)?,
        Command::Quarantine { retry } => {
            if retry {
                print(&json!({ "requeued": store.retry_quarantined()? }))?;
            } else {
                let list: Vec<Value> = store
                    .quarantined()?
                    .into_iter()
                    .map(|(change, reason, at)| json!({ "reason": reason, "at": at, "change": change }))
                    .collect();
                print(&list)?;
            }
        }
        Command::Resolve(target) => {
            let author = member(&store)?;
            let (entity, entity_id, field, value) = target.parse()?;
            let change = store
                .resolve_conflict(entity, entity_id, &field, value, author, now)
                .map_err(explain)?;
            print(&json!({ "change": change.id }))?;
        }
        Command::Export { changes } => {
            if changes {
                print(&store.export_changes()?)?;
            } else {
                print(&store.export_state()?)?;
            }
        }
    }
    Ok(())
}

/// `key=value` answers as the forms send them.
fn parse_answers(answers: Vec<String>) -> anyhow::Result<BTreeMap<String, String>> {
    let mut parsed = BTreeMap::new();
    for answer in answers {
        let Some((key, value)) = answer.split_once('=') else {
            bail!("--answer must be key=value, not {answer:?}");
        };
        if parsed.insert(key.to_owned(), value.to_owned()).is_some() {
            bail!("--answer {key} is given twice; give several choices once, comma-separated ({key}=a,b)");
        }
    }
    Ok(parsed)
}

/// The red flags a visit raises now, each as rule, level, subject and reasons in English.
fn flags_of(store: &Store, mother: MotherId, visit: VisitId, now: DateTime<Utc>) -> anyhow::Result<Vec<Value>> {
    use lohusa_core::flag_text::{TextLanguage, flag_title, reasons_sentence};
    let view = store.mother_view(mother, now)?;
    let mut out = Vec::new();
    for card in view
        .cards
        .iter()
        .filter(|c| c.visit.as_ref().is_some_and(|v| v.id == visit))
    {
        let definition = card
            .visit
            .as_ref()
            .and_then(|v| lohusa_core::checklist::by_version(v.checklist_version));
        for f in &card.flags {
            out.push(json!({
                "rule": f.rule,
                "level": f.level,
                "baby": f.baby,
                "title": flag_title(TextLanguage::En, f, &view.babies),
                "why": reasons_sentence(TextLanguage::En, f, definition),
            }));
        }
    }
    Ok(out)
}
