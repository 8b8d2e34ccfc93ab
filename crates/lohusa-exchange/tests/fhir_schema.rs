//! The FHIR export of a realistic caseload, validated against the official FHIR R4 JSON schema
//! vendored beside this file (see README.md here), plus what a schema cannot check: LOINC codes,
//! values, and that every reference resolves inside the Bundle.
//!
//! The caseload goes through the core's own validation (registration and visit forms, as a nurse
//! would type them) and its flag rules, so the answer keys are the real ones.

use crate::common;

use std::collections::BTreeSet;
use std::sync::OnceLock;

use chrono::NaiveDate;
use serde_json::{Value, json};
use uuid::Uuid;

use lohusa_core::flag_text::TextLanguage;
use lohusa_core::programme::MemberNames;
use lohusa_core::review::flag_key;
use lohusa_exchange::MotherExport;
use lohusa_exchange::fhir::{self, BundleOptions, TC_KIMLIK_SYSTEM, YABANCI_KIMLIK_SYSTEM};

use common::*;

fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let text = include_str!("fhir.schema.json");
        let mut schema: Value = serde_json::from_str(text).expect("the vendored schema is JSON");
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-06/schema#");
        // The root accepts any of the 146 resource types; the export is a Bundle, so validation
        // starts at its definition. Every resource inside is still matched against all 146
        // through `ResourceList`. (From the root, jsonschema compiles each definition lazily
        // once per place it is used and needs gigabytes.)
        assert_eq!(schema["oneOf"].as_array().map(Vec::len), Some(146));
        schema["oneOf"] = json!([{ "$ref": "#/definitions/Bundle" }]);
        jsonschema::draft6::new(&schema).expect("the FHIR schema compiles")
    })
}

fn schema_errors(instance: &Value) -> Vec<String> {
    validator()
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

/// The bundle of these mothers with the team's names, limited to `period` when there is one.
fn export_of(mothers: &[MotherExport], period: Option<(NaiveDate, NaiveDate)>) -> Value {
    let members = team();
    fhir::bundle_with(
        mothers,
        &BundleOptions {
            members: &members,
            period,
            generated_at: generated_at(),
            language: TextLanguage::En,
        },
    )
}

fn exported() -> Value {
    export_of(&caseload(), None)
}

fn resources(bundle: &Value) -> Vec<&Value> {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .collect()
}

fn of_type<'a>(bundle: &'a Value, kind: &str) -> Vec<&'a Value> {
    resources(bundle)
        .into_iter()
        .filter(|r| r["resourceType"] == kind)
        .collect()
}

fn by_id(bundle: &Value, id: u128) -> &Value {
    let id = Uuid::from_u128(id).to_string();
    resources(bundle)
        .into_iter()
        .find(|r| r["id"] == id)
        .expect("a resource with that id")
}

fn observations_coded<'a>(bundle: &'a Value, code: &str) -> Vec<&'a Value> {
    of_type(bundle, "Observation")
        .into_iter()
        .filter(|o| o["code"]["coding"][0]["code"] == code)
        .collect()
}

fn subject_of(resource: &Value) -> String {
    resource["subject"]["reference"].as_str().unwrap().to_owned()
}

fn urn(id: u128) -> String {
    format!("urn:uuid:{}", Uuid::from_u128(id))
}

#[test]
fn the_export_is_valid_against_the_fhir_r4_schema() {
    let bundle = exported();
    let errors = schema_errors(&bundle);
    assert!(errors.is_empty(), "schema errors:\n{}", errors.join("\n"));
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "collection");
    assert_eq!(bundle["timestamp"], "2027-01-12T06:30:00Z");
}

/// What a broken copy is called, and how to break it.
type Breakage = (&'static str, Box<dyn Fn(&mut Value)>);

#[test]
fn the_validator_really_checks_resources_inside_the_bundle() {
    let bundle = exported();
    let observation = resources(&bundle)
        .iter()
        .position(|r| r["resourceType"] == "Observation")
        .unwrap();
    let encounter = resources(&bundle)
        .iter()
        .position(|r| r["resourceType"] == "Encounter")
        .unwrap();
    let patient = 0;
    let breakages: Vec<Breakage> = vec![
        (
            "an observation status outside its value set",
            Box::new(move |b| b["entry"][observation]["resource"]["status"] = json!("done")),
        ),
        (
            "an observation without its required code",
            Box::new(move |b| {
                b["entry"][observation]["resource"]
                    .as_object_mut()
                    .unwrap()
                    .remove("code");
            }),
        ),
        (
            "a quantity whose value is text",
            Box::new(move |b| {
                let resource = &mut b["entry"][observation]["resource"];
                resource["valueQuantity"] = json!({ "value": "2450", "unit": "g" });
            }),
        ),
        (
            "an element FHIR does not define",
            Box::new(move |b| b["entry"][encounter]["resource"]["visitNumber"] = json!(1)),
        ),
        (
            "a gender outside its value set",
            Box::new(move |b| b["entry"][patient]["resource"]["gender"] = json!("woman")),
        ),
        (
            "a resource type that does not exist",
            Box::new(move |b| b["entry"][observation]["resource"]["resourceType"] = json!("Obsrvation")),
        ),
        (
            "a bundle type that does not exist",
            Box::new(|b| b["type"] = json!("bag")),
        ),
        (
            "a date that is not a date",
            Box::new(move |b| b["entry"][patient]["resource"]["birthDate"] = json!("12.03.1994")),
        ),
    ];
    for (name, break_it) in breakages {
        let mut broken = bundle.clone();
        break_it(&mut broken);
        assert!(!validator().is_valid(&broken), "{name}: accepted by the schema");
    }
    // The schema never lists primitive elements as required (`_status` may carry one instead),
    // so a missing `status` passes it; the export's own test below checks every status.
    let mut without_status = bundle.clone();
    without_status["entry"][observation]["resource"]
        .as_object_mut()
        .unwrap()
        .remove("status");
    assert!(validator().is_valid(&without_status));
}

#[test]
fn every_reference_resolves_to_an_entry_of_the_bundle() {
    let references = assert_references_resolve(&exported());
    assert!(references > 30, "{references} references");
}

/// Every entry's `fullUrl` is its id's `urn:uuid:`, no two are the same, and every reference
/// points at an entry of the type it names; how many references there are.
fn assert_references_resolve(bundle: &Value) -> usize {
    let entries = bundle["entry"].as_array().unwrap();
    let mut full_urls = BTreeSet::new();
    for entry in entries {
        let full_url = entry["fullUrl"].as_str().unwrap();
        let id = entry["resource"]["id"].as_str().unwrap();
        assert_eq!(full_url, format!("urn:uuid:{id}"));
        Uuid::parse_str(id).expect("ids are UUIDs");
        assert!(full_urls.insert(full_url.to_owned()), "duplicate {full_url}");
    }
    let mut references = Vec::new();
    collect_references(bundle, &mut references);
    for (reference, kind) in &references {
        assert!(full_urls.contains(reference), "unresolved {reference}");
        let target = entries.iter().find(|e| e["fullUrl"] == reference.as_str()).unwrap();
        assert_eq!(target["resource"]["resourceType"].as_str(), kind.as_deref());
    }
    references.len()
}

fn collect_references(value: &Value, out: &mut Vec<(String, Option<String>)>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("reference") {
                let kind = map.get("type").and_then(Value::as_str).map(str::to_owned);
                out.push((reference.clone(), kind));
            }
            map.values().for_each(|v| collect_references(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_references(v, out)),
        _ => {}
    }
}

#[test]
fn fhir_json_has_no_empty_values() {
    fn check(value: &Value, path: &str) {
        match value {
            Value::Object(map) => {
                assert!(!map.is_empty(), "empty object at {path}");
                map.iter().for_each(|(k, v)| check(v, &format!("{path}.{k}")));
            }
            Value::Array(items) => {
                assert!(!items.is_empty(), "empty array at {path}");
                items
                    .iter()
                    .enumerate()
                    .for_each(|(i, v)| check(v, &format!("{path}[{i}]")));
            }
            Value::String(s) => assert!(!s.trim().is_empty(), "empty string at {path}"),
            Value::Null => panic!("null at {path}"),
            _ => {}
        }
    }
    check(&exported(), "Bundle");
}

#[test]
fn mothers_and_babies_are_patients_with_only_what_was_recorded() {
    let bundle = exported();
    assert_eq!(of_type(&bundle, "Patient").len(), 5);

    let ayse = by_id(&bundle, 0x100);
    assert_eq!(ayse["name"][0]["text"], "Ayşe Yılmaz");
    assert_eq!(ayse["gender"], "female");
    assert_eq!(ayse["birthDate"], "1994-03-12");
    assert_eq!(ayse["identifier"][0]["system"], TC_KIMLIK_SYSTEM);
    assert_eq!(ayse["identifier"][0]["value"], "10000000146");
    assert_eq!(
        ayse["telecom"][0],
        json!({ "system": "phone", "value": "0532 123 45 67" })
    );
    assert_eq!(
        ayse["address"][0],
        json!({
            "use": "home",
            "line": ["Kazımdirik Mahallesi", "1203/5 Sokak No: 7 D: 3"],
            "district": "Bornova",
        })
    );
    assert_eq!(ayse["communication"][0]["language"]["coding"][0]["code"], "tr");

    let fatima = by_id(&bundle, 0x200);
    assert_eq!(fatima["name"][0]["text"], "فاطمة الأحمد");
    assert_eq!(fatima["identifier"][0]["system"], YABANCI_KIMLIK_SYSTEM);
    assert_eq!(fatima["communication"][0]["language"]["coding"][0]["code"], "ar");
    // Only her age is known: no birth date is made up.
    assert!(fatima.get("birthDate").is_none());
    let interpreter = fatima["extension"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["url"] == "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired")
        .unwrap();
    assert_eq!(interpreter["valueBoolean"], true);

    let elif = by_id(&bundle, 0x100 + 10);
    assert_eq!(elif["name"][0]["text"], "Elif");
    assert_eq!(elif["gender"], "female");
    assert_eq!(elif["birthDate"], "2026-11-22");
    assert_eq!(elif["multipleBirthInteger"], 1);
    let twin = by_id(&bundle, 0x100 + 11);
    assert!(twin.get("name").is_none(), "the second twin has no name yet");
    assert_eq!(twin["gender"], "male");
    assert_eq!(twin["multipleBirthInteger"], 2);
    let leyla = by_id(&bundle, 0x200 + 10);
    assert_eq!(leyla["multipleBirthBoolean"], false);
}

#[test]
fn visits_are_home_health_encounters_and_a_failed_attempt_is_cancelled() {
    let bundle = exported();
    let encounters = of_type(&bundle, "Encounter");
    assert_eq!(encounters.len(), 6);
    for encounter in &encounters {
        assert_eq!(
            encounter["class"]["system"],
            "http://terminology.hl7.org/CodeSystem/v3-ActCode"
        );
        assert_eq!(encounter["class"]["code"], "HH");
    }
    let first = by_id(&bundle, 0x111);
    assert_eq!(first["status"], "finished");
    assert_eq!(first["subject"]["reference"], urn(0x100));
    assert_eq!(first["period"]["start"], "2026-11-25T10:30:00+03:00");
    assert_eq!(first["type"][0]["text"], "Postpartum home visit 1");
    assert_eq!(first["participant"][0]["individual"]["display"], "Hemşire Derya Kaya");

    let attempt = by_id(&bundle, 0x211);
    assert_eq!(attempt["status"], "cancelled");
    assert_eq!(attempt["period"]["start"], "2026-11-22");
    assert_eq!(attempt["extension"][0]["valueCode"], "not_at_home");
    // Nothing was measured on a visit that did not happen.
    let attempt_url = urn(0x211);
    assert!(
        resources(&bundle)
            .iter()
            .all(|r| r["encounter"]["reference"] != attempt_url.as_str())
    );
}

#[test]
fn measurements_are_loinc_coded_observations_with_ucum_units() {
    let bundle = exported();
    let observations = of_type(&bundle, "Observation");
    for o in &observations {
        assert_eq!(o["status"], "final");
        assert_eq!(o["code"]["coding"][0]["system"], "http://loinc.org");
        for q in [&o["valueQuantity"], &o["component"][0]["valueQuantity"]] {
            if !q.is_null() {
                assert_eq!(q["system"], "http://unitsofmeasure.org");
            }
        }
    }
    let codes: BTreeSet<&str> = observations
        .iter()
        .map(|o| o["code"]["coding"][0]["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        BTreeSet::from([
            "85354-9", "8867-4", "8310-5", "9279-1", "718-7", "29463-7", "8339-4", "99046-5", "44261-6"
        ])
    );

    let bp = observations_coded(&bundle, "85354-9");
    assert_eq!(bp.len(), 4, "Ayşe twice, Fatima twice");
    let first = bp
        .iter()
        .find(|o| o["encounter"]["reference"] == urn(0x111).as_str())
        .unwrap();
    assert_eq!(first["category"][0]["coding"][0]["code"], "vital-signs");
    assert_eq!(first["effectiveDateTime"], "2026-11-25T10:30:00+03:00");
    assert_eq!(
        first["component"],
        json!([
            {
                "code": { "coding": [{ "system": "http://loinc.org", "code": "8480-6", "display": "Systolic blood pressure" }], "text": "Systolic blood pressure" },
                "valueQuantity": { "value": 164, "unit": "mm[Hg]", "system": "http://unitsofmeasure.org", "code": "mm[Hg]" },
            },
            {
                "code": { "coding": [{ "system": "http://loinc.org", "code": "8462-4", "display": "Diastolic blood pressure" }], "text": "Diastolic blood pressure" },
                "valueQuantity": { "value": 102, "unit": "mm[Hg]", "system": "http://unitsofmeasure.org", "code": "mm[Hg]" },
            },
        ])
    );

    let hb = observations_coded(&bundle, "718-7");
    assert_eq!(hb.len(), 1);
    assert_eq!(hb[0]["valueQuantity"]["value"], 10.4);
    assert_eq!(hb[0]["valueQuantity"]["code"], "g/dL");
    assert_eq!(hb[0]["category"][0]["coding"][0]["code"], "laboratory");
    assert_eq!(hb[0]["effectiveDateTime"], "2026-12-06");

    let epds = observations_coded(&bundle, "99046-5");
    assert_eq!(epds.len(), 1);
    assert_eq!(epds[0]["valueInteger"], 8);
    assert_eq!(subject_of(epds[0]), urn(0x100));
    let phq9 = observations_coded(&bundle, "44261-6");
    assert_eq!(phq9.len(), 1);
    assert_eq!(phq9[0]["valueInteger"], 11);
    assert_eq!(phq9[0]["category"][0]["coding"][0]["code"], "survey");
    assert_eq!(subject_of(phq9[0]), urn(0x200));

    // Body weight per baby per visit, on the baby.
    let weights = observations_coded(&bundle, "29463-7");
    assert_eq!(weights.len(), 5);
    let twin_first_visit = weights
        .iter()
        .find(|o| subject_of(o) == urn(0x100 + 11) && o["encounter"]["reference"] == urn(0x111).as_str())
        .unwrap();
    assert_eq!(twin_first_visit["valueQuantity"]["value"], 2330);
    assert_eq!(twin_first_visit["valueQuantity"]["code"], "g");
    let birth_weights = observations_coded(&bundle, "8339-4");
    assert_eq!(birth_weights.len(), 3);
    assert!(birth_weights.iter().all(|o| o.get("encounter").is_none()));
}

#[test]
fn red_flags_are_flags_on_the_mother_or_the_baby() {
    let caseload = caseload();
    let bundle = export_of(&caseload, None);
    let raised: usize = caseload.iter().flat_map(|m| &m.visits).map(|v| v.flags.len()).sum();
    let flags = of_type(&bundle, "Flag");
    assert_eq!(flags.len(), raised);

    let rules: BTreeSet<&str> = flags
        .iter()
        .map(|f| f["code"]["coding"][0]["code"].as_str().unwrap())
        .collect();
    for rule in [
        "severe_hypertension",
        "weight_loss",
        "moderate_anaemia",
        "depression_screen",
    ] {
        assert!(rules.contains(rule), "{rule} in {rules:?}");
    }
    let flag = |rule: &str| *flags.iter().find(|f| f["code"]["coding"][0]["code"] == rule).unwrap();

    let severe = flag("severe_hypertension");
    assert_eq!(severe["status"], "inactive", "signed off");
    assert_eq!(severe["category"][0]["coding"][0]["code"], "clinical");
    assert_eq!(
        severe["code"]["text"],
        "URGENT: Severe high blood pressure — Blood pressure, systolic 164 mmHg: at or above 160"
    );
    assert_eq!(
        severe["extension"][0]["valueCodeableConcept"]["coding"][0]["code"],
        "PH"
    );
    assert_eq!(subject_of(severe), urn(0x100));
    assert_eq!(severe["encounter"]["reference"], urn(0x111));
    assert_eq!(severe["period"]["start"], "2026-11-25T10:30:00+03:00");

    let weight_loss = flag("weight_loss");
    assert_eq!(subject_of(weight_loss), urn(0x100 + 11), "about the second twin");
    assert_eq!(
        weight_loss["extension"][0]["valueCodeableConcept"]["coding"][0]["code"],
        "PM"
    );

    assert_eq!(subject_of(flag("depression_screen")), urn(0x200));
}

#[test]
fn the_same_records_export_to_the_same_bundle() {
    assert_eq!(exported(), exported());
}

fn ids_of(bundle: &Value, kind: &str) -> BTreeSet<String> {
    of_type(bundle, kind)
        .into_iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

fn uuids(ids: &[u128]) -> BTreeSet<String> {
    ids.iter().map(|id| Uuid::from_u128(*id).to_string()).collect()
}

fn of_encounter<'a>(resources: &[&'a Value], visit: u128) -> Vec<&'a Value> {
    resources
        .iter()
        .filter(|r| r["encounter"]["reference"] == urn(visit).as_str())
        .copied()
        .collect()
}

#[test]
fn a_blood_pressure_with_only_the_systolic_has_the_diastolic_as_absent() {
    let bundle = exported();
    let bp = of_encounter(&observations_coded(&bundle, "85354-9"), 0x213);
    assert_eq!(bp.len(), 1);
    assert_eq!(subject_of(bp[0]), urn(0x200));
    assert_eq!(bp[0]["category"][0]["coding"][0]["code"], "vital-signs");
    assert!(bp[0].get("valueQuantity").is_none(), "a panel has no value of its own");
    assert_eq!(
        bp[0]["component"],
        json!([
            {
                "code": { "coding": [{ "system": "http://loinc.org", "code": "8480-6", "display": "Systolic blood pressure" }], "text": "Systolic blood pressure" },
                "valueQuantity": { "value": 124, "unit": "mm[Hg]", "system": "http://unitsofmeasure.org", "code": "mm[Hg]" },
            },
            {
                "code": { "coding": [{ "system": "http://loinc.org", "code": "8462-4", "display": "Diastolic blood pressure" }], "text": "Diastolic blood pressure" },
                "dataAbsentReason": {
                    "coding": [{
                        "system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
                        "code": "unknown",
                        "display": "Unknown",
                    }],
                    "text": "Unknown",
                },
            },
        ])
    );
    // Panels with both values have no reason in them.
    for o in observations_coded(&bundle, "85354-9") {
        if o["encounter"]["reference"] != urn(0x213).as_str() {
            let components = o["component"].as_array().unwrap();
            assert_eq!(components.len(), 2);
            assert!(components.iter().all(|c| c.get("dataAbsentReason").is_none()));
        }
    }
}

#[test]
fn each_baby_has_her_mother_as_a_related_person_the_mother_links_to() {
    let bundle = exported();
    let related = of_type(&bundle, "RelatedPerson");
    assert_eq!(related.len(), 3, "one per baby");
    let mother_of = |baby: u128| {
        let found: Vec<&Value> = related
            .iter()
            .filter(|r| r["patient"]["reference"] == urn(baby).as_str())
            .copied()
            .collect();
        assert_eq!(found.len(), 1, "the mother of {baby:#x}");
        found[0]
    };
    let link_to = |related: &Value| {
        json!({
            "other": {
                "reference": format!("urn:uuid:{}", related["id"].as_str().unwrap()),
                "type": "RelatedPerson",
            },
            "type": "seealso",
        })
    };

    let (elif, twin) = (mother_of(0x100 + 10), mother_of(0x100 + 11));
    assert_ne!(elif["id"], twin["id"]);
    for related in [elif, twin] {
        assert_eq!(related["patient"]["type"], "Patient");
        assert_eq!(
            related["relationship"],
            json!([{
                "coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
                    "code": "MTH",
                    "display": "mother",
                }],
            }])
        );
        assert_eq!(related["name"], json!([{ "text": "Ayşe Yılmaz" }]));
        assert_eq!(
            related["telecom"],
            json!([{ "system": "phone", "value": "0532 123 45 67" }])
        );
        assert_eq!(related["gender"], "female");
        assert_eq!(related["birthDate"], "1994-03-12");
    }
    assert_eq!(by_id(&bundle, 0x100)["link"], json!([link_to(elif), link_to(twin)]));

    let leyla = mother_of(0x200 + 10);
    assert_eq!(leyla["name"], json!([{ "text": "فاطمة الأحمد" }]));
    assert!(leyla.get("birthDate").is_none(), "only her age is known");
    assert_eq!(by_id(&bundle, 0x200)["link"], json!([link_to(leyla)]));

    // The babies' Patients no longer carry the mother as a free-text contact.
    for baby in [0x100 + 10, 0x100 + 11, 0x200 + 10] {
        assert!(by_id(&bundle, baby).get("contact").is_none());
        assert!(by_id(&bundle, baby).get("link").is_none());
    }
}

#[test]
fn pulse_temperature_and_breathing_rate_are_vital_sign_observations() {
    let bundle = exported();
    let vital = |code: &str, subject: u128| {
        let found: Vec<&Value> = of_encounter(&observations_coded(&bundle, code), 0x111)
            .into_iter()
            .filter(|o| subject_of(o) == urn(subject))
            .collect();
        assert_eq!(found.len(), 1, "{code} of {subject:#x}");
        assert_eq!(found[0]["category"][0]["coding"][0]["code"], "vital-signs");
        assert_eq!(found[0]["effectiveDateTime"], "2026-11-25T10:30:00+03:00");
        found[0]
    };
    let quantity = |value: Value, unit: &str| json!({ "value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit });

    let pulse = vital("8867-4", 0x100);
    assert_eq!(pulse["code"]["coding"][0]["display"], "Heart rate");
    assert_eq!(pulse["valueQuantity"], quantity(json!(84), "/min"));
    let temperature = vital("8310-5", 0x100);
    assert_eq!(temperature["code"]["coding"][0]["display"], "Body temperature");
    assert_eq!(temperature["valueQuantity"], quantity(json!(36.8), "Cel"));
    let breathing = vital("9279-1", 0x100);
    assert_eq!(breathing["code"]["coding"][0]["display"], "Respiratory rate");
    assert_eq!(breathing["valueQuantity"], quantity(json!(18), "/min"));

    // On the baby they were taken of (Elif); her twin had only her weight taken.
    assert_eq!(
        vital("8310-5", 0x100 + 10)["valueQuantity"],
        quantity(json!(36.9), "Cel")
    );
    assert_eq!(
        vital("9279-1", 0x100 + 10)["valueQuantity"],
        quantity(json!(44), "/min")
    );

    // Only what was recorded: one pulse, two temperatures and two breathing rates in all.
    assert_eq!(observations_coded(&bundle, "8867-4").len(), 1);
    assert_eq!(observations_coded(&bundle, "8310-5").len(), 2);
    assert_eq!(observations_coded(&bundle, "9279-1").len(), 2);
}

#[test]
fn a_signed_off_flag_is_inactive_from_its_first_sign_off_and_an_open_one_active() {
    let caseload = caseload();
    let ayse = &caseload[0];
    let twin = ayse.babies[1].id;
    let keys: Vec<String> = ayse.visits[0].flags.iter().map(flag_key).collect();
    assert_eq!(keys, ["severe_hypertension".to_owned(), format!("weight_loss:{twin}")]);

    let bundle = export_of(&caseload, None);
    let flags = of_encounter(&of_type(&bundle, "Flag"), 0x111);
    let flag = |rule: &str| *flags.iter().find(|f| f["code"]["coding"][0]["code"] == rule).unwrap();

    let severe = flag("severe_hypertension");
    assert_eq!(severe["status"], "inactive");
    assert_eq!(
        severe["period"],
        json!({ "start": "2026-11-25T10:30:00+03:00", "end": "2026-11-25T12:10:00Z" })
    );
    let weight_loss = flag("weight_loss");
    assert_eq!(weight_loss["status"], "active");
    assert_eq!(weight_loss["period"], json!({ "start": "2026-11-25T10:30:00+03:00" }));

    // Nothing else was signed off.
    let inactive = of_type(&bundle, "Flag")
        .into_iter()
        .filter(|f| f["status"] == "inactive")
        .count();
    assert_eq!(inactive, 1);

    // A sign-off of another visit does not close this visit's flag.
    let mut elsewhere = caseload.clone();
    let second = elsewhere[0].visits[1].visit.id;
    for review in &mut elsewhere[0].reviews {
        review.visit_id = second;
    }
    let bundle = export_of(&elsewhere, None);
    let flags = of_encounter(&of_type(&bundle, "Flag"), 0x111);
    let severe = flags
        .iter()
        .find(|f| f["code"]["coding"][0]["code"] == "severe_hypertension")
        .unwrap();
    assert_eq!(severe["status"], "active");
    assert_eq!(severe["period"], json!({ "start": "2026-11-25T10:30:00+03:00" }));
}

#[test]
fn encounters_reference_the_practitioner_who_recorded_them() {
    let bundle = exported();
    assert_eq!(ids_of(&bundle, "Practitioner"), uuids(&[DERYA_ID, ZEYNEP_ID]));
    // Named as the team's list has her; a member it does not have, as she typed her name.
    assert_eq!(
        *by_id(&bundle, DERYA_ID),
        json!({
            "resourceType": "Practitioner",
            "id": Uuid::from_u128(DERYA_ID).to_string(),
            "name": [{ "text": "Derya Kaya" }],
        })
    );
    assert_eq!(
        by_id(&bundle, ZEYNEP_ID)["name"],
        json!([{ "text": "Ebe Zeynep Arslan" }])
    );

    let participant = |visit: u128| by_id(&bundle, visit)["participant"].clone();
    for visit in [0x111, 0x112, 0x113] {
        assert_eq!(
            participant(visit),
            json!([{
                "individual": {
                    "reference": urn(DERYA_ID),
                    "type": "Practitioner",
                    "display": "Hemşire Derya Kaya",
                },
            }])
        );
    }
    for visit in [0x212, 0x213] {
        assert_eq!(
            participant(visit),
            json!([{
                "individual": {
                    "reference": urn(ZEYNEP_ID),
                    "type": "Practitioner",
                    "display": "Ebe Zeynep Arslan",
                },
            }])
        );
    }
    // No member recorded the failed attempt: her typed name only.
    assert_eq!(
        participant(0x211),
        json!([{ "individual": { "display": "Ebe Zeynep Arslan" } }])
    );
}

#[test]
fn bundle_is_bundle_with_all_visits_and_members_named_as_typed() {
    let caseload = caseload();
    let members = MemberNames::new();
    let options = BundleOptions {
        members: &members,
        period: None,
        generated_at: generated_at(),
        language: TextLanguage::En,
    };
    let bundle = fhir::bundle(&caseload, generated_at(), TextLanguage::En);
    assert_eq!(bundle, fhir::bundle_with(&caseload, &options));
    assert_eq!(of_type(&bundle, "Encounter").len(), 6);
    assert_eq!(
        by_id(&bundle, DERYA_ID)["name"],
        json!([{ "text": "Hemşire Derya Kaya" }])
    );
}

#[test]
fn a_period_keeps_only_its_visits_and_the_mothers_visited_or_registered_in_it() {
    let caseload = caseload();

    // Both ends included: Ayşe's first two visits; Fatima was neither visited nor registered.
    let bundle = export_of(&caseload, Some((date("2026-11-25"), date("2026-12-06"))));
    let errors = schema_errors(&bundle);
    assert!(errors.is_empty(), "schema errors:\n{}", errors.join("\n"));
    assert_references_resolve(&bundle);
    assert_eq!(ids_of(&bundle, "Encounter"), uuids(&[0x111, 0x112]));
    assert_eq!(ids_of(&bundle, "Patient"), uuids(&[0x100, 0x100 + 10, 0x100 + 11]));
    assert_eq!(of_type(&bundle, "RelatedPerson").len(), 2);
    assert_eq!(ids_of(&bundle, "Practitioner"), uuids(&[DERYA_ID]));
    let in_period = [urn(0x111), urn(0x112)];
    let observations = of_type(&bundle, "Observation");
    let (measured, at_birth): (Vec<&Value>, Vec<&Value>) =
        observations.iter().partition(|o| o.get("encounter").is_some());
    assert!(
        measured
            .iter()
            .all(|o| in_period.contains(&o["encounter"]["reference"].as_str().unwrap().to_owned()))
    );
    assert_eq!(
        measured.len(),
        of_encounter(&observations, 0x111).len() + of_encounter(&observations, 0x112).len()
    );
    assert!(
        of_encounter(&observations, 0x113).is_empty(),
        "no EPDS of the third visit"
    );
    assert!(at_birth.iter().all(|o| o["code"]["coding"][0]["code"] == "8339-4"));
    assert_eq!(at_birth.len(), 2, "the twins' birth weights");
    let flags = of_type(&bundle, "Flag");
    let raised = caseload[0].visits[0].flags.len() + caseload[0].visits[1].flags.len();
    assert_eq!(flags.len(), raised);
    assert!(
        flags
            .iter()
            .all(|f| in_period.contains(&f["encounter"]["reference"].as_str().unwrap().to_owned()))
    );

    // Fatima was registered on the day, Ayşe was not, and nobody was visited.
    let bundle = export_of(&caseload, Some((date("2026-11-21"), date("2026-11-21"))));
    assert_references_resolve(&bundle);
    assert_eq!(ids_of(&bundle, "Patient"), uuids(&[0x200, 0x200 + 10]));
    assert_eq!(of_type(&bundle, "RelatedPerson").len(), 1);
    let observations = of_type(&bundle, "Observation");
    assert_eq!(observations.len(), 1);
    assert_eq!(observations[0]["code"]["coding"][0]["code"], "8339-4");
    assert_eq!(subject_of(observations[0]), urn(0x200 + 10));
    for kind in ["Encounter", "Flag", "Practitioner"] {
        assert!(of_type(&bundle, kind).is_empty(), "no {kind}");
    }

    // Nobody registered or visited: a bundle without entries.
    let bundle = export_of(&caseload, Some((date("2027-01-01"), date("2027-01-10"))));
    assert_eq!(
        bundle,
        json!({ "resourceType": "Bundle", "type": "collection", "timestamp": "2027-01-12T06:30:00Z" })
    );
}
