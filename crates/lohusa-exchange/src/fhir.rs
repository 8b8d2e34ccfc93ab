//! FHIR R4 export: the programme's records as one `collection` Bundle, for a hospital or the
//! provincial health directorate to load into their own systems.
//!
//! What becomes what:
//!
//! - each mother → a `Patient` (name, identity number, date of birth when known, phone, address,
//!   preferred language, interpreter need, nationality), with a `link` of type `seealso` to the
//!   `RelatedPerson` she is for each of her babies;
//! - each baby → a `Patient` (sex, birth date, birth order of twins); the birth weight → an
//!   `Observation` on the baby;
//! - the mother as each baby's mother → a `RelatedPerson` (relationship `MTH`, her name, phone)
//!   whose `patient` is the baby;
//! - each visit record → an `Encounter` (class `HH`, home health): `finished` when the nurse saw
//!   the mother, `cancelled` when the visit could not happen (not at home, moved, refused, in
//!   hospital), the reason being the `visit-outcome` extension; the name the nurse typed is the
//!   participant's `display`, and when the team member who recorded the visit is known the
//!   participant also references her `Practitioner`;
//! - each team member who recorded an exported visit → one `Practitioner`, named as the team
//!   knows her (the name typed on a visit when the team's list does not have her);
//! - the measurements of a visit → `Observation`s with LOINC codes and UCUM units: blood pressure
//!   panel with systolic and diastolic components, pulse, body temperature and breathing rate of
//!   the mother, hemoglobin, each baby's weight, temperature and breathing rate, the EPDS and
//!   PHQ-9 totals; only values that were recorded (and that the form still shows) are exported,
//!   nothing is filled in: a blood pressure with one of its two values has the other component
//!   with the `data-absent-reason` `unknown` and no value;
//! - each red flag → a `Flag` on the mother or the baby, with the visit as its encounter and its
//!   level as the standard `flag-priority` extension; `active` until a doctor signs it off, then
//!   `inactive` with the (earliest) sign-off's time as the end of its `period`.
//!
//! With a period ([`BundleOptions::period`], both days included), only the visits of those days
//! are exported (with their measurements and flags), and only the mothers who were registered
//! or visited in it (with their babies and the babies' birth weights).
//!
//! Identifiers: every resource id is a UUID and every `fullUrl` is `urn:uuid:<id>`; references
//! use the same `urn:uuid:` form, so they resolve inside the Bundle without a server. Patients
//! and encounters keep the records' own UUIDs. Observations and flags have no record of their
//! own; their UUIDs are derived from the visit (or baby), the subject and the code, and a
//! `RelatedPerson`'s from the baby and the mother, so the same data exported twice gives the same
//! ids (see [`derived_id`]). A `Practitioner` keeps the team member's UUID.
//!
//! Times: a visit's time is local time in Türkiye, which has been UTC+03:00 all year since 2016,
//! so it is written with `+03:00`; a visit without a time (a visit that did not happen) is written
//! as a date. A sign-off's time (the end of a signed-off flag) is an instant, written in UTC.
//!
//! Where no national code system or identifier namespace is published, the export uses the local
//! URIs under [`LOCAL_BASE`]; a receiving system maps them once.

use lohusa_core::flag_text::{self, TextLanguage};
use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use lohusa_core::checklist::{Answers, FormContext, answer_key, by_version};
use lohusa_core::flags::{Flag, FlagLevel};
use lohusa_core::identity::{IdNumber, IdNumberKind};
use lohusa_core::ids::{BabyId, MemberId};
use lohusa_core::programme::MemberNames;
use lohusa_core::registration::{BabyRecord, BabySex, Language, MotherRecord};
use lohusa_core::review::flag_key;
use lohusa_core::visit::{VisitOutcome, VisitRecord, baby_refs};

use crate::MotherExport;

/// The programme's own namespace for identifiers, code systems and extensions that have no
/// published national or HL7 equivalent.
pub const LOCAL_BASE: &str = "https://lohusa.example/fhir";
/// Identifier system of the T.C. kimlik numarası (citizens).
pub const TC_KIMLIK_SYSTEM: &str = "https://lohusa.example/fhir/identifier/tc-kimlik";
/// Identifier system of the yabancı kimlik numarası (foreigners; the number starts with 99).
pub const YABANCI_KIMLIK_SYSTEM: &str = "https://lohusa.example/fhir/identifier/yabanci-kimlik";
/// Extension on `Encounter`: how the visit ended (`visited`, `not_at_home`, `moved`, `refused`,
/// `hospitalised`), as a `valueCode`.
pub const VISIT_OUTCOME_EXTENSION: &str = "https://lohusa.example/fhir/StructureDefinition/visit-outcome";
/// Code system of the red-flag rules (`severe_hypertension`, `weight_loss`, ...): the rule ids of
/// the checklist definitions.
pub const FLAG_RULE_SYSTEM: &str = "https://lohusa.example/fhir/CodeSystem/flag-rule";

pub const LOINC: &str = "http://loinc.org";
pub const UCUM: &str = "http://unitsofmeasure.org";
const ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
const ROLE_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-RoleCode";
const IDENTIFIER_TYPE: &str = "http://terminology.hl7.org/CodeSystem/v2-0203";
const OBSERVATION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
const DATA_ABSENT_REASON: &str = "http://terminology.hl7.org/CodeSystem/data-absent-reason";
const FLAG_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/flag-category";
const FLAG_PRIORITY_EXTENSION: &str = "http://hl7.org/fhir/StructureDefinition/flag-priority";
const FLAG_PRIORITY_CODE: &str = "http://hl7.org/fhir/flag-priority-code";
const INTERPRETER_EXTENSION: &str = "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired";
const NATIONALITY_EXTENSION: &str = "http://hl7.org/fhir/StructureDefinition/patient-nationality";
const LANGUAGE_SYSTEM: &str = "urn:ietf:bcp:47";

/// The LOINC codes the export uses, with their display names.
pub mod loinc {
    pub const BLOOD_PRESSURE_PANEL: (&str, &str) = ("85354-9", "Blood pressure panel with all children optional");
    pub const SYSTOLIC: (&str, &str) = ("8480-6", "Systolic blood pressure");
    pub const DIASTOLIC: (&str, &str) = ("8462-4", "Diastolic blood pressure");
    pub const HEART_RATE: (&str, &str) = ("8867-4", "Heart rate");
    pub const BODY_TEMPERATURE: (&str, &str) = ("8310-5", "Body temperature");
    pub const RESPIRATORY_RATE: (&str, &str) = ("9279-1", "Respiratory rate");
    pub const HEMOGLOBIN: (&str, &str) = ("718-7", "Hemoglobin [Mass/volume] in Blood");
    pub const BODY_WEIGHT: (&str, &str) = ("29463-7", "Body weight");
    pub const BIRTH_WEIGHT: (&str, &str) = ("8339-4", "Birth weight Measured");
    /// The total score; 71354-5 is the EPDS panel (the whole form), not its total.
    pub const EPDS_TOTAL: (&str, &str) = ("99046-5", "Total score [EPDS]");
    pub const PHQ9_TOTAL: (&str, &str) = (
        "44261-6",
        "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]",
    );
}

/// What [`bundle_with`] exports and how.
#[derive(Clone, Copy, Debug)]
pub struct BundleOptions<'a> {
    /// The team members' names, for the `Practitioner`s of those who recorded visits.
    pub members: &'a MemberNames,
    /// The first and last day (both included) of the visits to export; `None` for all of them.
    pub period: Option<(NaiveDate, NaiveDate)>,
    /// The Bundle's `timestamp`.
    pub generated_at: DateTime<Utc>,
    /// The language of the flags' texts.
    pub language: TextLanguage,
}

impl BundleOptions<'_> {
    fn includes(&self, date: NaiveDate) -> bool {
        self.period.is_none_or(|(first, last)| first <= date && date <= last)
    }
}

/// The FHIR R4 Bundle (type `collection`) of these mothers, their babies, all their visits,
/// measurements and red flags: [`bundle_with`] without a period or the team's names (so each
/// `Practitioner` is named as she typed her name on a visit). `generated_at` becomes the Bundle's
/// `timestamp`.
pub fn bundle(mothers: &[MotherExport], generated_at: DateTime<Utc>, language: TextLanguage) -> Value {
    let members = MemberNames::new();
    bundle_with(
        mothers,
        &BundleOptions {
            members: &members,
            period: None,
            generated_at,
            language,
        },
    )
}

/// The FHIR R4 Bundle (type `collection`) of these mothers, their babies, visits, measurements,
/// red flags and the team members who recorded the visits, limited to `options.period` when
/// there is one (see the module's documentation).
pub fn bundle_with(mothers: &[MotherExport], options: &BundleOptions) -> Value {
    let mut resources = Vec::new();
    let mut practitioners = BTreeMap::new();
    for export in mothers {
        mother_resources(export, options, &mut practitioners, &mut resources);
    }
    for (member, name) in practitioners {
        resources.push(practitioner(member, name.as_deref()));
    }
    let mut bundle = Map::new();
    bundle.insert("resourceType".into(), json!("Bundle"));
    bundle.insert("type".into(), json!("collection"));
    bundle.insert("timestamp".into(), json!(instant(options.generated_at)));
    // FHIR JSON has no empty arrays: an export of nobody has no `entry`.
    if !resources.is_empty() {
        let entries: Vec<Value> = resources
            .into_iter()
            .map(|resource| {
                let id = resource["id"].as_str().expect("every resource has an id").to_owned();
                json!({ "fullUrl": format!("urn:uuid:{id}"), "resource": resource })
            })
            .collect();
        bundle.insert("entry".into(), Value::Array(entries));
    }
    Value::Object(bundle)
}

/// A deterministic UUID for a resource that has no record of its own (an observation, a flag):
/// the 128-bit FNV-1a hash of a domain tag and the length-prefixed parts, stamped as a UUIDv8
/// (RFC 9562, custom layout). Different parts give different ids for any realistic volume.
pub fn derived_id(parts: &[&[u8]]) -> Uuid {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    let mut hash = OFFSET;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            hash ^= u128::from(*b);
            hash = hash.wrapping_mul(PRIME);
        }
    };
    feed(b"lohusa-fhir-r4");
    for part in parts {
        feed(&(part.len() as u32).to_le_bytes());
        feed(part);
    }
    let mut bytes = hash.to_be_bytes();
    bytes[6] = (bytes[6] & 0x0f) | 0x80; // version 8
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 9562 variant
    Uuid::from_bytes(bytes)
}

/// A visit's answers as the form shows them, with the computed fields (screening totals, weight
/// change) its checklist definition derives from them. Shared by the FHIR and CSV exports.
pub(crate) struct VisitValues {
    answers: Answers,
    computed: BTreeMap<String, f64>,
}

impl VisitValues {
    pub(crate) fn of(export: &MotherExport, visit: &VisitRecord) -> VisitValues {
        let Some(definition) = by_version(visit.checklist_version) else {
            // A definition this build does not ship: the stored answers as they are.
            return VisitValues {
                answers: visit.answers.clone(),
                computed: BTreeMap::new(),
            };
        };
        let babies = baby_refs(&export.babies);
        let form = FormContext {
            visit: visit.number,
            babies: &babies,
            birth_date: export.birth.birth_date,
            birth_mode: export.birth.mode,
            visit_date: visit.visited_on,
            today: visit.visited_on,
        };
        let answers = definition.visible_answers(&form, &visit.answers);
        let computed = definition.computed(&form, &answers);
        VisitValues { answers, computed }
    }

    /// A number answered or computed for the mother (`baby` = `None`) or a baby.
    pub(crate) fn number(&self, baby: Option<BabyId>, field: &str) -> Option<f64> {
        let key = answer_key(baby, field);
        self.answers
            .get(&key)
            .and_then(Value::as_f64)
            .or_else(|| self.computed.get(&key).copied())
            .filter(|n| n.is_finite())
    }

    fn date(&self, baby: Option<BabyId>, field: &str) -> Option<NaiveDate> {
        self.answers
            .get(&answer_key(baby, field))
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok())
    }
}

/// The team members who recorded the exported visits, with the name each is exported under.
type Practitioners = BTreeMap<MemberId, Option<String>>;

fn mother_resources(
    export: &MotherExport,
    options: &BundleOptions,
    practitioners: &mut Practitioners,
    out: &mut Vec<Value>,
) {
    let mother = &export.mother;
    let mut visits: Vec<_> = export
        .visits
        .iter()
        .filter(|v| options.includes(v.visit.visited_on))
        .collect();
    if visits.is_empty() && !options.includes(mother.registered_on) {
        return;
    }
    out.push(mother_patient(mother, &export.babies));
    let several = export.babies.len() > 1;
    for baby in &export.babies {
        out.push(baby_patient(export, baby, several));
        out.push(mother_of(mother, baby));
        let weight = f64::from(baby.birth_weight_g);
        out.push(observation(Observation {
            id: derived_id(&[b"observation", baby.id.0.as_bytes(), loinc::BIRTH_WEIGHT.0.as_bytes()]),
            category: Category::VitalSigns,
            code: loinc::BIRTH_WEIGHT,
            subject: reference("Patient", baby.id.0),
            encounter: None,
            effective: export.birth.birth_date.format("%Y-%m-%d").to_string(),
            value: Some(("valueQuantity", quantity(weight, "g"))),
            components: vec![],
        }));
    }
    visits.sort_by_key(|v| (v.visit.number, v.visit.visited_on, v.visit.id));
    for exported in visits {
        let visit = &exported.visit;
        let recorder = exported.recorded_by.map(|member| {
            let name = practitioners.entry(member).or_default();
            if name.is_none() {
                *name = options
                    .members
                    .get(&member)
                    .and_then(|n| text_str(n))
                    .or_else(|| text_str(&visit.visited_by))
                    .map(str::to_owned);
            }
            (member, name.clone())
        });
        out.push(encounter(visit, recorder));
        if visit.outcome == VisitOutcome::Visited {
            visit_observations(export, visit, out);
        }
        for flag in &exported.flags {
            out.push(flag_resource(export, visit, flag, options.language));
        }
    }
}

fn mother_patient(mother: &MotherRecord, babies: &[BabyRecord]) -> Value {
    let mut patient = Map::new();
    patient.insert("resourceType".into(), json!("Patient"));
    patient.insert("id".into(), json!(mother.id.to_string()));
    let mut extensions = vec![json!({ "url": INTERPRETER_EXTENSION, "valueBoolean": mother.interpreter_needed })];
    if let Some(nationality) = text(&mother.nationality) {
        extensions.push(json!({
            "url": NATIONALITY_EXTENSION,
            "extension": [{ "url": "code", "valueCodeableConcept": { "text": nationality } }],
        }));
    }
    patient.insert("extension".into(), Value::Array(extensions));
    if let Some(number) = text(&mother.id_number) {
        let kind = IdNumber::parse(number)
            .map(|id| id.kind)
            .unwrap_or(if number.starts_with("99") {
                IdNumberKind::Foreigner
            } else {
                IdNumberKind::Citizen
            });
        let (system, label) = match kind {
            IdNumberKind::Citizen => (TC_KIMLIK_SYSTEM, "T.C. kimlik numarası"),
            IdNumberKind::Foreigner => (YABANCI_KIMLIK_SYSTEM, "Yabancı kimlik numarası"),
        };
        patient.insert(
            "identifier".into(),
            json!([{
                "use": "official",
                "type": {
                    "coding": [{
                        "system": IDENTIFIER_TYPE,
                        "code": "NI",
                        "display": "National unique individual identifier",
                    }],
                    "text": label,
                },
                "system": system,
                "value": number,
            }]),
        );
    }
    if let Some(name) = text_str(&mother.full_name) {
        patient.insert("name".into(), json!([{ "text": name }]));
    }
    if let Some(phone) = text(&mother.phone) {
        patient.insert("telecom".into(), json!([{ "system": "phone", "value": phone }]));
    }
    patient.insert("gender".into(), json!("female"));
    if let Some(date) = mother.date_of_birth {
        patient.insert("birthDate".into(), json!(date.format("%Y-%m-%d").to_string()));
    }
    // A Turkish address reads neighbourhood (mahalle) first, then the street and number.
    let lines: Vec<&str> = [text(&mother.neighbourhood), text(&mother.street)]
        .into_iter()
        .flatten()
        .collect();
    let district = text(&mother.district);
    if !lines.is_empty() || district.is_some() {
        let mut address = Map::new();
        address.insert("use".into(), json!("home"));
        if !lines.is_empty() {
            address.insert("line".into(), json!(lines));
        }
        if let Some(district) = district {
            address.insert("district".into(), json!(district));
        }
        patient.insert("address".into(), json!([address]));
    }
    if let Some((code, display)) = language(mother.preferred_language) {
        patient.insert(
            "communication".into(),
            json!([{
                "language": {
                    "coding": [{ "system": LANGUAGE_SYSTEM, "code": code, "display": display }],
                    "text": display,
                },
                "preferred": true,
            }]),
        );
    }
    // R4 has no reference from one Patient to another person's Patient (`link` to a Patient is
    // for the same person), so the mother links to the RelatedPerson she is for each baby.
    if !babies.is_empty() {
        let links: Vec<Value> = babies
            .iter()
            .map(|baby| {
                json!({
                    "other": reference("RelatedPerson", mother_of_id(mother, baby)),
                    "type": "seealso",
                })
            })
            .collect();
        patient.insert("link".into(), Value::Array(links));
    }
    Value::Object(patient)
}

/// A baby's `Patient`; her mother is her `RelatedPerson` (see [`mother_of`]).
fn baby_patient(export: &MotherExport, baby: &BabyRecord, several: bool) -> Value {
    let mut patient = Map::new();
    patient.insert("resourceType".into(), json!("Patient"));
    patient.insert("id".into(), json!(baby.id.to_string()));
    if let Some(name) = text(&baby.name) {
        patient.insert("name".into(), json!([{ "text": name }]));
    }
    let gender = match baby.sex {
        BabySex::Female => "female",
        BabySex::Male => "male",
        // Sex not determined at birth: not known, rather than "other".
        BabySex::Undetermined => "unknown",
    };
    patient.insert("gender".into(), json!(gender));
    patient.insert(
        "birthDate".into(),
        json!(export.birth.birth_date.format("%Y-%m-%d").to_string()),
    );
    if several {
        patient.insert("multipleBirthInteger".into(), json!(baby.ordinal));
    } else {
        patient.insert("multipleBirthBoolean".into(), json!(false));
    }
    Value::Object(patient)
}

fn mother_of_id(mother: &MotherRecord, baby: &BabyRecord) -> Uuid {
    derived_id(&[b"related-person", baby.id.0.as_bytes(), mother.id.0.as_bytes()])
}

/// The mother as her baby's related person: the baby's `MTH`.
fn mother_of(mother: &MotherRecord, baby: &BabyRecord) -> Value {
    let mut related = Map::new();
    related.insert("resourceType".into(), json!("RelatedPerson"));
    related.insert("id".into(), json!(mother_of_id(mother, baby).to_string()));
    related.insert("patient".into(), reference("Patient", baby.id.0));
    related.insert(
        "relationship".into(),
        json!([{ "coding": [{ "system": ROLE_CODE, "code": "MTH", "display": "mother" }] }]),
    );
    if let Some(name) = text_str(&mother.full_name) {
        related.insert("name".into(), json!([{ "text": name }]));
    }
    if let Some(phone) = text(&mother.phone) {
        related.insert("telecom".into(), json!([{ "system": "phone", "value": phone }]));
    }
    related.insert("gender".into(), json!("female"));
    if let Some(date) = mother.date_of_birth {
        related.insert("birthDate".into(), json!(date.format("%Y-%m-%d").to_string()));
    }
    Value::Object(related)
}

/// A team member who recorded visits; `name` as the team knows her, or as she typed it.
fn practitioner(member: MemberId, name: Option<&str>) -> Value {
    let mut practitioner = Map::new();
    practitioner.insert("resourceType".into(), json!("Practitioner"));
    practitioner.insert("id".into(), json!(member.0.to_string()));
    if let Some(name) = name {
        practitioner.insert("name".into(), json!([{ "text": name }]));
    }
    Value::Object(practitioner)
}

/// `recorder`: the member who recorded the visit and the name her `Practitioner` has.
fn encounter(visit: &VisitRecord, recorder: Option<(MemberId, Option<String>)>) -> Value {
    let status = if visit.outcome == VisitOutcome::Visited {
        "finished"
    } else {
        "cancelled"
    };
    let outcome = serde_json::to_value(visit.outcome).expect("an outcome serialises");
    let mut encounter = Map::new();
    encounter.insert("resourceType".into(), json!("Encounter"));
    encounter.insert("id".into(), json!(visit.id.to_string()));
    encounter.insert(
        "extension".into(),
        json!([{ "url": VISIT_OUTCOME_EXTENSION, "valueCode": outcome }]),
    );
    encounter.insert("status".into(), json!(status));
    encounter.insert(
        "class".into(),
        json!({ "system": ACT_CODE, "code": "HH", "display": "home health" }),
    );
    encounter.insert(
        "type".into(),
        json!([{ "text": format!("Postpartum home visit {}", visit.number.get()) }]),
    );
    encounter.insert("subject".into(), reference("Patient", visit.mother_id.0));
    // The name typed on the tablet is shown; the member who recorded the visit, when known, is
    // referenced.
    let mut individual = recorder
        .as_ref()
        .map_or_else(|| json!({}), |(member, _)| reference("Practitioner", member.0));
    let typed = text_str(&visit.visited_by);
    if let Some(display) = typed.or(recorder.as_ref().and_then(|(_, name)| name.as_deref())) {
        individual["display"] = json!(display);
    }
    if individual.as_object().is_some_and(|i| !i.is_empty()) {
        encounter.insert("participant".into(), json!([{ "individual": individual }]));
    }
    encounter.insert("period".into(), json!({ "start": visit_time(visit) }));
    Value::Object(encounter)
}

fn visit_observations(export: &MotherExport, visit: &VisitRecord, out: &mut Vec<Value>) {
    let values = VisitValues::of(export, visit);
    let mother = visit.mother_id.0;
    let at = visit_time(visit);
    let id = |subject: Uuid, code: &str| {
        derived_id(&[
            b"observation",
            visit.id.0.as_bytes(),
            subject.as_bytes(),
            code.as_bytes(),
        ])
    };

    let systolic = values.number(None, "bp_systolic");
    let diastolic = values.number(None, "bp_diastolic");
    if systolic.is_some() || diastolic.is_some() {
        // The vital-signs profile wants both components: one not recorded has a reason instead
        // of a value.
        let components = [(loinc::SYSTOLIC, systolic), (loinc::DIASTOLIC, diastolic)]
            .into_iter()
            .map(|(code, value)| match value {
                Some(v) => json!({ "code": loinc_code(code), "valueQuantity": quantity(v, "mm[Hg]") }),
                None => json!({ "code": loinc_code(code), "dataAbsentReason": unknown_value() }),
            })
            .collect();
        out.push(observation(Observation {
            id: id(mother, loinc::BLOOD_PRESSURE_PANEL.0),
            category: Category::VitalSigns,
            code: loinc::BLOOD_PRESSURE_PANEL,
            subject: reference("Patient", mother),
            encounter: Some(visit.id.0),
            effective: at.clone(),
            value: None,
            components,
        }));
    }
    let vital = |subject: Uuid, code: (&'static str, &'static str), value: f64, unit: &str| {
        observation(Observation {
            id: id(subject, code.0),
            category: Category::VitalSigns,
            code,
            subject: reference("Patient", subject),
            encounter: Some(visit.id.0),
            effective: at.clone(),
            value: Some(("valueQuantity", quantity(value, unit))),
            components: vec![],
        })
    };
    let mother_vitals = [
        ("pulse", loinc::HEART_RATE, "/min"),
        ("temperature", loinc::BODY_TEMPERATURE, "Cel"),
        ("breathing_rate", loinc::RESPIRATORY_RATE, "/min"),
    ];
    for (field, code, unit) in mother_vitals {
        if let Some(value) = values.number(None, field) {
            out.push(vital(mother, code, value, unit));
        }
    }
    if let Some(hb) = values.number(None, "hemoglobin") {
        // The blood was taken on the sample date, which may differ from the visit's.
        let effective = values
            .date(None, "hb_sample_date")
            .map_or_else(|| at.clone(), |d| d.format("%Y-%m-%d").to_string());
        out.push(observation(Observation {
            id: id(mother, loinc::HEMOGLOBIN.0),
            category: Category::Laboratory,
            code: loinc::HEMOGLOBIN,
            subject: reference("Patient", mother),
            encounter: Some(visit.id.0),
            effective,
            value: Some(("valueQuantity", quantity(hb, "g/dL"))),
            components: vec![],
        }));
    }
    for (field, code) in [("epds_total", loinc::EPDS_TOTAL), ("phq9_total", loinc::PHQ9_TOTAL)] {
        if let Some(total) = values.number(None, field) {
            out.push(observation(Observation {
                id: id(mother, code.0),
                category: Category::Survey,
                code,
                subject: reference("Patient", mother),
                encounter: Some(visit.id.0),
                effective: at.clone(),
                value: Some(("valueInteger", json!(total.round() as i64))),
                components: vec![],
            }));
        }
    }
    let baby_vitals = [
        ("weight_g", loinc::BODY_WEIGHT, "g"),
        ("baby_temperature", loinc::BODY_TEMPERATURE, "Cel"),
        ("baby_breathing_rate", loinc::RESPIRATORY_RATE, "/min"),
    ];
    for baby in &export.babies {
        for (field, code, unit) in baby_vitals {
            if let Some(value) = values.number(Some(baby.id), field) {
                out.push(vital(baby.id.0, code, value, unit));
            }
        }
    }
}

fn flag_resource(export: &MotherExport, visit: &VisitRecord, flag: &Flag, language: TextLanguage) -> Value {
    // A flag about a baby this export does not list stays on the mother, so it still resolves.
    let subject = match flag.baby {
        Some(baby) if export.babies.iter().any(|b| b.id == baby) => baby.0,
        _ => visit.mother_id.0,
    };
    let (priority, priority_display) = match flag.level {
        FlagLevel::Note => ("PL", "Low priority"),
        FlagLevel::Attention => ("PM", "Medium priority"),
        FlagLevel::Urgent => ("PH", "High priority"),
    };
    let definition = lohusa_core::checklist::by_version(visit.checklist_version);
    let reasons = flag_text::reasons_sentence(language, flag, definition);
    // Signed off by a doctor: no longer active from the (first) sign-off.
    let key = flag_key(flag);
    let signed_off = export
        .reviews
        .iter()
        .filter(|r| r.visit_id == visit.id && r.flags.contains(&key))
        .map(|r| r.reviewed_at)
        .min();
    let mut period = json!({ "start": visit_time(visit) });
    if let Some(at) = signed_off {
        period["end"] = json!(instant(at));
    }
    let mut label = flag_text::flag_title(language, flag, &export.babies);
    if !reasons.trim().is_empty() {
        label.push_str(" — ");
        label.push_str(reasons.trim());
    }
    json!({
        "resourceType": "Flag",
        "id": derived_id(&[b"flag", visit.id.0.as_bytes(), subject.as_bytes(), flag.rule.as_bytes()]).to_string(),
        "extension": [{
            "url": FLAG_PRIORITY_EXTENSION,
            "valueCodeableConcept": {
                "coding": [{ "system": FLAG_PRIORITY_CODE, "code": priority, "display": priority_display }],
            },
        }],
        "status": if signed_off.is_some() { "inactive" } else { "active" },
        "category": [{
            "coding": [{ "system": FLAG_CATEGORY, "code": "clinical", "display": "Clinical" }],
        }],
        "code": {
            "coding": [{ "system": FLAG_RULE_SYSTEM, "code": flag.rule }],
            "text": label,
        },
        "subject": reference("Patient", subject),
        "period": period,
        "encounter": reference("Encounter", visit.id.0),
    })
}

#[derive(Clone, Copy)]
enum Category {
    VitalSigns,
    Laboratory,
    Survey,
}

struct Observation {
    id: Uuid,
    category: Category,
    code: (&'static str, &'static str),
    subject: Value,
    encounter: Option<Uuid>,
    effective: String,
    /// The value element's name (`valueQuantity`, `valueInteger`) and value; none for a panel.
    value: Option<(&'static str, Value)>,
    components: Vec<Value>,
}

fn observation(o: Observation) -> Value {
    let (category, category_display) = match o.category {
        Category::VitalSigns => ("vital-signs", "Vital Signs"),
        Category::Laboratory => ("laboratory", "Laboratory"),
        Category::Survey => ("survey", "Survey"),
    };
    let mut resource = Map::new();
    resource.insert("resourceType".into(), json!("Observation"));
    resource.insert("id".into(), json!(o.id.to_string()));
    resource.insert("status".into(), json!("final"));
    resource.insert(
        "category".into(),
        json!([{
            "coding": [{ "system": OBSERVATION_CATEGORY, "code": category, "display": category_display }],
        }]),
    );
    resource.insert("code".into(), loinc_code(o.code));
    resource.insert("subject".into(), o.subject);
    if let Some(encounter) = o.encounter {
        resource.insert("encounter".into(), reference("Encounter", encounter));
    }
    resource.insert("effectiveDateTime".into(), json!(o.effective));
    if let Some((name, value)) = o.value {
        resource.insert(name.into(), value);
    }
    if !o.components.is_empty() {
        resource.insert("component".into(), Value::Array(o.components));
    }
    Value::Object(resource)
}

fn loinc_code((code, display): (&str, &str)) -> Value {
    json!({ "coding": [{ "system": LOINC, "code": code, "display": display }], "text": display })
}

/// A UCUM quantity; `unit` is both the UCUM code and what is shown.
fn quantity(value: f64, unit: &str) -> Value {
    json!({ "value": number(value), "unit": unit, "system": UCUM, "code": unit })
}

/// Whole numbers as JSON integers (118, not 118.0), others as they are (10.4).
fn number(value: f64) -> Value {
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        json!(value as i64)
    } else {
        json!(value)
    }
}

/// The `data-absent-reason` of a value the form asks for that was not recorded.
fn unknown_value() -> Value {
    json!({
        "coding": [{ "system": DATA_ABSENT_REASON, "code": "unknown", "display": "Unknown" }],
        "text": "Unknown",
    })
}

/// An instant in UTC, to the second.
fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn reference(kind: &str, id: Uuid) -> Value {
    json!({ "reference": format!("urn:uuid:{id}"), "type": kind })
}

/// The visit's date, with its local time (UTC+03:00) when recorded.
fn visit_time(visit: &VisitRecord) -> String {
    let date = visit.visited_on.format("%Y-%m-%d");
    match visit.visited_at {
        Some(time) => format!("{date}T{}+03:00", time.format("%H:%M:%S")),
        None => date.to_string(),
    }
}

fn language(language: Language) -> Option<(&'static str, &'static str)> {
    match language {
        Language::Tr => Some(("tr", "Turkish")),
        Language::Ar => Some(("ar", "Arabic")),
        Language::En => Some(("en", "English")),
        Language::Ku => Some(("ku", "Kurdish")),
        Language::Fa => Some(("fa", "Persian")),
        // Not recorded which: nothing to say.
        Language::Other => None,
    }
}

/// A recorded text, trimmed; FHIR has no empty strings.
fn text(value: &Option<String>) -> Option<&str> {
    value.as_deref().and_then(text_str)
}

fn text_str(value: &str) -> Option<&str> {
    let trimmed = value.trim();
    (!trimmed.is_empty()).then_some(trimmed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_are_stable_distinct_version_8_uuids() {
        let visit = Uuid::from_u128(7);
        let a = derived_id(&[b"observation", visit.as_bytes(), b"718-7"]);
        assert_eq!(a, derived_id(&[b"observation", visit.as_bytes(), b"718-7"]));
        assert_ne!(a, derived_id(&[b"observation", visit.as_bytes(), b"8480-6"]));
        assert_ne!(a, derived_id(&[b"flag", visit.as_bytes(), b"718-7"]));
        // Length prefixes keep ("ab", "c") and ("a", "bc") apart.
        assert_ne!(derived_id(&[b"ab", b"c"]), derived_id(&[b"a", b"bc"]));
        assert_eq!(a.get_version_num(), 8);
        assert_eq!(a.get_variant(), uuid::Variant::RFC4122);
    }

    #[test]
    fn whole_numbers_are_written_as_integers() {
        assert_eq!(number(118.0), json!(118));
        assert_eq!(number(10.4), json!(10.4));
    }

    #[test]
    fn an_empty_export_is_a_bundle_without_entries() {
        let at = DateTime::parse_from_rfc3339("2027-01-12T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            bundle(&[], at, TextLanguage::En),
            json!({ "resourceType": "Bundle", "type": "collection", "timestamp": "2027-01-12T09:00:00Z" })
        );
    }
}
