//! The attack table, each row a request against the real server over loopback, on the embedded
//! SQLite and on PostgreSQL: what an attacker tries, and the answer (status, stable `kind` and,
//! for a refused change, its reason) the server must give. Then what a device receives: never
//! another team's record, never a field its members' roles may not read; and the audit of who
//! received a mother's record. Hostile values and requests are in `hostile.rs`; PINs and
//! encryption at rest are tested on a real file and in the real app (SECURITY.md lists where).

use std::sync::Mutex;

use chrono::Utc;
use lohusa_core::{EntityKind, Role};
use lohusa_store::Store;
use lohusa_sync::http::HttpTransport;
use lohusa_sync_tests::{Db, TestServer, change, mother_change, now_ms, on_both};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

/// An answer: its status and body.
async fn answer(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json::<Value>().await.unwrap_or(Value::Null))
}

async fn attacks_are_refused(db: Db) {
    let server = TestServer::start(db).await;
    let http = reqwest::Client::new();
    let url = |path: &str| format!("{}/v1/{path}", server.base);
    let push = |token: &str, change: lohusa_core::Change| {
        http.post(url("push"))
            .bearer_auth(token)
            .json(&json!({ "changes": [change] }))
    };
    let (izmir_device, ankara_device, revoked_device) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    // Each device has one member signed in, whose id is the device's (`TestServer::token_as`).
    let izmir = server.token("izmir", izmir_device).await;
    let ankara = server.token("ankara", ankara_device).await;
    let revoked = server.token("izmir", revoked_device).await;
    let doctor_device = Uuid::now_v7();
    let doctor = server.token_as("izmir", doctor_device, Role::Doctor).await;
    assert!(
        server
            .backend
            .revoke_device(&revoked_device.to_string(), now_ms())
            .await
            .unwrap()
    );

    // İzmir's record, which the other team must never read or change.
    let secret = Uuid::now_v7();
    let (status, _) = answer(push(&izmir, mother_change(secret, izmir_device, "Fatma Yılmaz"))).await;
    assert_eq!(status, StatusCode::OK);

    // A used enrollment code.
    let code = server
        .backend
        .issue_enrollment_code("izmir", now_ms() + 60_000)
        .await
        .unwrap();
    let enroll = |device: Uuid| {
        http.post(url("enroll"))
            .json(&json!({ "code": code, "device_id": device, "device_name": "x" }))
    };
    assert_eq!(answer(enroll(Uuid::now_v7())).await.0, StatusCode::OK);

    // Member codes: one used, one of the other team, one of a member revoked since.
    let new_code = |num: i64| {
        let backend = server.backend.clone();
        async move { backend.issue_member_code(num, now_ms() + 60_000).await.unwrap() }
    };
    let add = |team: &'static str, name: &'static str| {
        let backend = server.backend.clone();
        async move { backend.add_member(team, name, Role::Nurse, now_ms()).await.unwrap() }
    };
    let claim = |token: &str, code: &str| {
        http.post(url("members/claim"))
            .bearer_auth(token)
            .json(&json!({ "code": code }))
    };
    let used_code = new_code(add("izmir", "Ebe Sevgi").await).await;
    assert_eq!(answer(claim(&izmir, &used_code)).await.0, StatusCode::OK);
    let ankara_code = new_code(add("ankara", "Ebe Hatice").await).await;
    let leaver = add("izmir", "Ebe Ayten").await;
    let (status, claimed) = answer(claim(&izmir, &new_code(leaver).await)).await;
    assert_eq!(status, StatusCode::OK);
    let leaver_code = new_code(leaver).await;
    let leaver_id: Uuid = claimed["id"].as_str().unwrap().parse().unwrap();
    assert!(
        server
            .backend
            .revoke_member(claimed["id"].as_str().unwrap(), now_ms())
            .await
            .unwrap()
    );

    let forged = "f".repeat(64);
    type Row = (&'static str, reqwest::RequestBuilder, StatusCode, &'static str);
    let rows: Vec<Row> = vec![
        (
            "no token",
            http.get(url("pull")),
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        ),
        (
            "a forged token",
            http.get(url("pull")).bearer_auth(&forged),
            StatusCode::UNAUTHORIZED,
            "invalid_token",
        ),
        (
            "a revoked device pulling",
            http.get(url("pull")).bearer_auth(&revoked),
            StatusCode::FORBIDDEN,
            "device_revoked",
        ),
        (
            "a revoked device listing the team's devices",
            http.get(url("devices")).bearer_auth(&revoked),
            StatusCode::FORBIDDEN,
            "device_revoked",
        ),
        (
            "a revoked device signing a member in",
            claim(&revoked, &ankara_code),
            StatusCode::FORBIDDEN,
            "device_revoked",
        ),
        (
            "a replayed enrollment code",
            enroll(Uuid::now_v7()),
            StatusCode::FORBIDDEN,
            "enrollment_code_used",
        ),
        (
            "taking over an enrolled device's id",
            {
                let fresh = server
                    .backend
                    .issue_enrollment_code("izmir", now_ms() + 60_000)
                    .await
                    .unwrap();
                http.post(url("enroll"))
                    .json(&json!({ "code": fresh, "device_id": izmir_device, "device_name": "x" }))
            },
            StatusCode::FORBIDDEN,
            "device_already_enrolled",
        ),
        (
            "a device of team A writing team B's record",
            push(&ankara, mother_change(secret, ankara_device, "Changed")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "refused: other_team",
        ),
        (
            "a change claiming a device of another team",
            push(&ankara, mother_change(Uuid::now_v7(), izmir_device, "Forged")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "refused: device_not_in_team",
        ),
        (
            "a change claiming a device never enrolled",
            push(&ankara, mother_change(Uuid::now_v7(), Uuid::now_v7(), "Forged")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "refused: device_not_in_team",
        ),
        (
            "a nurse writing a doctor's sign-off",
            push(
                &izmir,
                change(
                    EntityKind::Review,
                    Uuid::now_v7(),
                    izmir_device,
                    izmir_device,
                    json!({ "mother_id": secret, "flags": ["bp_severe"], "orders": "none" }),
                ),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "refused: role_may_not_write",
        ),
        (
            "a nurse writing a psychologist's note",
            push(
                &izmir,
                change(
                    EntityKind::PsychologyNote,
                    Uuid::now_v7(),
                    izmir_device,
                    izmir_device,
                    json!({ "mother_id": secret, "text": "x" }),
                ),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "refused: role_may_not_write",
        ),
        (
            "a change with a forged author (the doctor, signed in on another tablet)",
            push(
                &izmir,
                change(
                    EntityKind::Review,
                    Uuid::now_v7(),
                    izmir_device,
                    doctor_device,
                    json!({ "mother_id": secret, "flags": ["bp_severe"], "orders": "none" }),
                ),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "refused: author_not_on_device",
        ),
        (
            "a change by someone who is no member",
            push(
                &izmir,
                change(
                    EntityKind::Mother,
                    secret,
                    izmir_device,
                    Uuid::now_v7(),
                    json!({ "phone": "0555 000 00 00" }),
                ),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "refused: author_not_on_device",
        ),
        (
            "writing another member's name",
            push(
                &izmir,
                change(
                    EntityKind::Member,
                    doctor_device,
                    izmir_device,
                    izmir_device,
                    json!({ "name": "Dr. Nobody" }),
                ),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "refused: role_may_not_write",
        ),
        (
            "a replayed member code",
            claim(&doctor, &used_code),
            StatusCode::FORBIDDEN,
            "member_code_used",
        ),
        (
            "a member code of another team",
            claim(&izmir, &ankara_code),
            StatusCode::FORBIDDEN,
            "member_of_other_team",
        ),
        (
            "the member code of a member revoked since",
            claim(&doctor, &leaver_code),
            StatusCode::FORBIDDEN,
            "member_revoked",
        ),
        (
            "a nurse's tablet uploading a change written on the doctor's tablet",
            push(
                &izmir,
                change(
                    EntityKind::Review,
                    Uuid::now_v7(),
                    doctor_device,
                    doctor_device,
                    json!({ "mother_id": secret, "flags": ["bp_severe"], "orders": "none" }),
                ),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "refused: written_on_another_device",
        ),
        (
            "a change by a member revoked since",
            push(
                &izmir,
                change(
                    EntityKind::Mother,
                    secret,
                    izmir_device,
                    leaver_id,
                    json!({ "phone": "0555 000 00 01" }),
                ),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "refused: author_revoked",
        ),
        (
            "a made-up member code",
            claim(&izmir, "AAAA-BBBB-CCCC"),
            StatusCode::FORBIDDEN,
            "member_code_unknown",
        ),
        (
            "a member code without a device token",
            http.post(url("members/claim")).json(&json!({ "code": ankara_code })),
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        ),
    ];
    for (attack, request, status, kind) in rows {
        let (got, body) = answer(request).await;
        let got_kind = match body["kind"].as_str() {
            Some("refused") => format!("refused: {}", body["refused"][0]["reason"].as_str().unwrap_or("?")),
            other => other.unwrap_or("?").to_owned(),
        };
        assert_eq!((got, got_kind.as_str()), (status, kind), "{attack} ({db:?}): {body}");
        assert!(
            !body.to_string().contains("Fatma"),
            "{attack}: an error never carries record data ({body})"
        );
    }

    // A device of team A pulling: it gets its own team's log, never team B's record.
    let (status, pulled) = answer(http.get(url("pull?after=0")).bearer_auth(&ankara)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !pulled.to_string().contains(&secret.to_string()) && !pulled.to_string().contains("Fatma"),
        "team B's record leaked to team A ({db:?}): {pulled}"
    );
    let (_, own) = answer(http.get(url("pull?after=0")).bearer_auth(&izmir)).await;
    assert!(
        own.to_string().contains(&secret.to_string()),
        "the owner still reads it"
    );

    // What each role's device receives. A psychologist writes a note about İzmir's mother; the
    // nurse records a visit with a screening score.
    let (psych_device, social_device) = (Uuid::now_v7(), Uuid::now_v7());
    let psych = server.token_as("izmir", psych_device, Role::Psychologist).await;
    let social = server.token_as("izmir", social_device, Role::SocialWorker).await;
    let (note, visit) = (Uuid::now_v7(), Uuid::now_v7());
    let note_text = "Uykusuzluk ve ağlama nöbetleri; haftaya görüşme";
    let fields =
        json!({ "mother_id": secret, "written_on": "2026-11-20", "text": note_text, "written_by": "Psk. Elif" });
    let (status, body) = answer(push(
        &psych,
        change(EntityKind::PsychologyNote, note, psych_device, psych_device, fields),
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let fields = json!({
        "mother_id": secret, "number": 1, "outcome": "visited", "visited_on": "2026-11-20",
        "visited_by": "Ebe Derya", "checklist_version": 2,
        "answers.mother.epds_10": 2,
    });
    let (status, body) = answer(push(
        &izmir,
        change(EntityKind::Visit, visit, izmir_device, izmir_device, fields),
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let pull_as = |token: &str, member: Uuid| {
        let request = http
            .get(url(&format!("pull?after=0&member={member}")))
            .bearer_auth(token);
        async move {
            let (status, body) = answer(request).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            body.to_string()
        }
    };
    let nurse_sees = pull_as(&izmir, izmir_device).await;
    assert!(
        !nurse_sees.contains(note_text) && !nurse_sees.contains(&note.to_string()),
        "a psychologist's note leaked to a nurse's device ({db:?})"
    );
    assert!(nurse_sees.contains("epds_10"), "the nurse reads her visit's screening");
    let social_sees = pull_as(&social, social_device).await;
    assert!(
        !social_sees.contains(note_text),
        "a psychologist's note leaked to a social care specialist"
    );
    assert!(
        social_sees.contains(&visit.to_string())
            && social_sees.contains("visited_on")
            && !social_sees.contains("epds_10"),
        "a social care specialist sees that a visit happened, not its answers ({db:?}): {social_sees}"
    );
    for (token, device) in [(&doctor, doctor_device), (&psych, psych_device)] {
        let sees = pull_as(token, device).await;
        assert!(
            sees.contains(note_text) && sees.contains("epds_10"),
            "doctors and psychologists read both"
        );
    }

    // The audit says who received her record: each device, the member signed in on it, and how
    // many of her changes it was handed; the other team's device is not there.
    let audit = server
        .backend
        .audit(secret)
        .await
        .unwrap()
        .expect("her record is on the server");
    assert_eq!(audit.team, "izmir");
    assert!(
        audit.changes.iter().any(|c| c.entity == "psychology_note"
            && c.author == psych_device.to_string()
            && c.fields.contains(&"text".to_owned())),
        "the note's writer is in the audit: {:?}",
        audit.changes
    );
    let received = |device: Uuid| {
        audit
            .reads
            .iter()
            .filter(|r| r.device == device.to_string())
            .map(|r| (r.member.clone(), r.changes))
            .collect::<Vec<_>>()
    };
    let me = |device: Uuid| Some(device.to_string());
    assert_eq!(
        received(doctor_device),
        [(me(doctor_device), 3)],
        "mother, visit and note"
    );
    assert_eq!(
        received(social_device),
        [(me(social_device), 2)],
        "mother and the visit's date"
    );
    assert_eq!(
        received(izmir_device),
        [(None, 1), (me(izmir_device), 2)],
        "before and after the visit"
    );
    assert!(received(ankara_device).is_empty(), "team B never received her record");
    let doctor_read = audit
        .reads
        .iter()
        .find(|r| r.device == doctor_device.to_string())
        .unwrap();
    assert_eq!(doctor_read.roles, ["doctor"]);
    assert!(
        doctor_read
            .member_name
            .as_deref()
            .is_some_and(|n| n.starts_with("doctor"))
    );
}

on_both!(attacks_are_refused);

/// A revoked tablet that still held unsynced visits: its last sync uploads them, the server
/// then refuses it anything more, and only then may it erase its data; nothing is lost.
async fn a_revoked_device_loses_none_of_its_unsynced_records(db: Db) {
    let server = TestServer::start(db).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tablet.sqlite3");
    let mut store = Store::open(&path).unwrap();
    let derya = store.set_local_member("Ebe Derya", Utc::now()).unwrap().id;
    let device = store.device_id().0;
    let token = server.token("izmir", device).await;
    server
        .backend
        .add_member_on_device("izmir", &device.to_string(), derya, "Ebe Derya", Role::Nurse, now_ms())
        .await
        .unwrap();
    store.set_enrollment(&server.base, "izmir", &token).unwrap();
    let transport = HttpTransport::new(&server.base, &token).unwrap();
    let replica = Mutex::new(store);
    lohusa_sync::sync_and_record(&replica, &transport, "test", Utc::now, |_| {})
        .await
        .unwrap();

    // Offline for a day: three mothers registered, none synced. Meanwhile the lead revokes it.
    // Born five days ago: the test talks to a server on the real clock, so the date follows it.
    let born = (Utc::now() - chrono::Duration::days(5)).format("%Y-%m-%d").to_string();
    for name in ["Fatma Yılmaz", "Khadija Al-Hassan", "Ayşe Demir"] {
        let input = lohusa_demo::registration(name, &born);
        replica
            .lock()
            .unwrap()
            .register_mother(&input, derya, Utc::now())
            .unwrap();
    }
    assert!(
        server
            .backend
            .revoke_device(&device.to_string(), now_ms())
            .await
            .unwrap()
    );
    let local: std::collections::HashSet<String> = replica
        .lock()
        .unwrap()
        .changes_after(0, 10_000)
        .unwrap()
        .into_iter()
        .map(|(_, c)| c.id.to_string())
        .collect();

    let error = lohusa_sync::sync_and_record(&replica, &transport, "test", Utc::now, |_| {})
        .await
        .unwrap_err();
    assert!(error.is_revoked(), "{error:?}");
    let team = server.backend.team_id("izmir").await.unwrap();
    let on_server: std::collections::HashSet<String> =
        server.backend.change_ids(team).await.unwrap().into_iter().collect();
    let missing: Vec<_> = local.difference(&on_server).collect();
    assert!(
        missing.is_empty(),
        "{} records of the revoked tablet never reached the server",
        missing.len()
    );
    assert!(lohusa_sync::revoked_device_may_wipe(&replica.lock().unwrap()).unwrap());
    drop(replica);
    lohusa_store::keyring::wipe(&path).unwrap();
    assert!(!path.exists());
}

on_both!(a_revoked_device_loses_none_of_its_unsynced_records);

/// A revoked device uploads what it recorded for 30 days after its revocation, and nothing after
/// that, whatever stamps its changes carry (a stamp is the device's word); and a body larger than
/// any enrollment is refused without being parsed.
async fn revoked_uploads_end_and_small_routes_take_small_bodies(db: Db) {
    let server = TestServer::start(db).await;
    let http = reqwest::Client::new();
    let push = |token: &str, change: lohusa_core::Change| {
        http.post(format!("{}/v1/push", server.base))
            .bearer_auth(token)
            .json(&json!({ "changes": [change] }))
    };
    let day = 24 * 60 * 60 * 1000;
    let revoke = |device: Uuid, at: u64| {
        let backend = server.backend.clone();
        async move { assert!(backend.revoke_device(&device.to_string(), at).await.unwrap()) }
    };

    // Revoked yesterday: a change it stamped the day before is still taken.
    let recent = Uuid::now_v7();
    let recent_token = server.token("izmir", recent).await;
    revoke(recent, now_ms() - day).await;
    let mut before = mother_change(Uuid::now_v7(), recent, "Ayşe Demir");
    before.hlc.wall_ms = now_ms() - 2 * day;
    let (status, body) = answer(push(&recent_token, before)).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Revoked 31 days ago: nothing, not even a change stamped 40 days ago.
    let old = Uuid::now_v7();
    let old_token = server.token("izmir", old).await;
    revoke(old, now_ms() - 31 * day).await;
    let mut backdated = mother_change(Uuid::now_v7(), old, "Fatma Yılmaz");
    backdated.hlc.wall_ms = now_ms() - 40 * day;
    let (status, body) = answer(push(&old_token, backdated)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["kind"], "device_revoked");
    let (status, body) = answer(http.get(format!("{}/v1/identity", server.base)).bearer_auth(&old_token)).await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (StatusCode::FORBIDDEN, Some("device_revoked"))
    );

    // An enrollment padded to 100 KB (a real one is under 200 bytes).
    let padded = format!(
        "{{\"code\":\"AAAA-AAAA-AAAA\",\"device_id\":\"{}\"{}}}",
        Uuid::now_v7(),
        " ".repeat(100 * 1024)
    );
    let (status, body) = answer(
        http.post(format!("{}/v1/enroll", server.base))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(padded),
    )
    .await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("too_large"))
    );
}

on_both!(revoked_uploads_end_and_small_routes_take_small_bodies);

/// Members, codes and devices are managed by the team lead signed in on her device, and only
/// within her team: a nurse, a forged member header or another team's device get nowhere.
async fn only_the_team_lead_manages_her_team(db: Db) {
    let server = TestServer::start(db).await;
    let http = reqwest::Client::new();
    let url = |path: &str| format!("{}/v1/{path}", server.base);
    let (lead_device, nurse_device, ankara_device) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let lead = server.token_as("izmir", lead_device, Role::TeamLead).await;
    let nurse = server.token("izmir", nurse_device).await;
    let ankara = server.token_as("ankara", ankara_device, Role::TeamLead).await;
    let as_member = |request: reqwest::RequestBuilder, token: &str, member: Uuid| {
        request.bearer_auth(token).header("x-lohusa-member", member.to_string())
    };

    // Refused: a nurse; no member named; the lead named from the nurse's tablet (she never
    // signed in there).
    for (who, request) in [
        (
            "a nurse",
            as_member(http.get(url("team/members")), &nurse, nurse_device),
        ),
        ("no member named", http.get(url("team/members")).bearer_auth(&lead)),
        (
            "the lead named from a nurse's tablet",
            as_member(http.get(url("team/members")), &nurse, lead_device),
        ),
        (
            "a nurse making an enrollment code",
            as_member(http.post(url("team/enrollment-codes")), &nurse, nurse_device).json(&json!({})),
        ),
    ] {
        let (status, body) = answer(request).await;
        assert_eq!(
            (status, body["kind"].as_str()),
            (StatusCode::FORBIDDEN, Some("not_team_lead")),
            "{who}"
        );
    }

    // The lead adds a member; her code signs her in on the nurse's tablet.
    let (status, issued) = answer(
        as_member(http.post(url("team/members")), &lead, lead_device)
            .json(&json!({ "name": "Ebe Sevgi", "role": "nurse" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{issued}");
    let (status, claimed) = answer(
        http.post(url("members/claim"))
            .bearer_auth(&nurse)
            .json(&json!({ "code": issued["code"] })),
    )
    .await;
    assert_eq!((status, claimed["name"].as_str()), (StatusCode::OK, Some("Ebe Sevgi")));
    let (_, members) = answer(as_member(http.get(url("team/members")), &lead, lead_device)).await;
    let sevgi = members
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "Ebe Sevgi")
        .unwrap()
        .clone();
    assert_eq!(sevgi["devices"], json!([nurse_device.to_string()]));
    assert!(
        !members.to_string().contains(&ankara_device.to_string()),
        "another team's members are not listed"
    );

    // After a restore, the lead's device uploads a change the nurse's tablet wrote (a nurse's
    // device may not).
    let relayed = mother_change(Uuid::now_v7(), nurse_device, "Fatma Yılmaz");
    let (status, body) =
        answer(as_member(http.post(url("push")), &lead, lead_device).json(&json!({ "changes": [relayed.clone()] })))
            .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // A revoked tablet's id enrolled again brings none of its members: not the lead's role, not
    // what she could read.
    let old_device = Uuid::now_v7();
    server.token_as("izmir", old_device, Role::TeamLead).await;
    assert!(
        server
            .backend
            .revoke_device(&old_device.to_string(), now_ms())
            .await
            .unwrap()
    );
    let (_, code) =
        answer(as_member(http.post(url("team/enrollment-codes")), &lead, lead_device).json(&json!({}))).await;
    let (status, enrolled) = answer(
        http.post(url("enroll"))
            .json(&json!({ "code": code["code"], "device_id": old_device, "device_name": "found" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let again = enrolled["token"].as_str().unwrap().to_owned();
    let (status, body) = answer(as_member(http.get(url("team/members")), &again, old_device)).await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (StatusCode::FORBIDDEN, Some("not_team_lead"))
    );
    let (_, pulled) = answer(http.get(url("pull?after=0")).bearer_auth(&again)).await;
    assert_eq!(
        pulled["changes"],
        json!([]),
        "it reads nothing until a member signs in on it"
    );

    // An enrollment code from the lead enrolls a new tablet.
    let (_, code) =
        answer(as_member(http.post(url("team/enrollment-codes")), &lead, lead_device).json(&json!({}))).await;
    let (status, _) = answer(
        http.post(url("enroll"))
            .json(&json!({ "code": code["code"], "device_id": Uuid::now_v7(), "device_name": "yeni" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // Revoking: never another team's device, never her own; the nurse's tablet, yes.
    let revoke = |id: Uuid, token: &str, member: Uuid| {
        as_member(http.post(url(&format!("team/devices/{id}/revoke"))), token, member).json(&json!({}))
    };
    assert_eq!(
        answer(revoke(ankara_device, &lead, lead_device)).await.1["kind"],
        "not_in_team"
    );
    assert_eq!(
        answer(revoke(lead_device, &lead, lead_device)).await.1["kind"],
        "own_device"
    );
    assert_eq!(
        answer(revoke(nurse_device, &ankara, ankara_device)).await.1["kind"],
        "not_in_team"
    );
    assert_eq!(answer(revoke(nurse_device, &lead, lead_device)).await.0, StatusCode::OK);
    let (status, body) = answer(http.get(url("pull")).bearer_auth(&nurse)).await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (StatusCode::FORBIDDEN, Some("device_revoked"))
    );

    // And a member: listed as inactive, her new codes refused.
    let num = sevgi["num"].as_i64().unwrap();
    let revoked = as_member(
        http.post(url(&format!("team/members/{num}/revoke"))),
        &lead,
        lead_device,
    )
    .json(&json!({}));
    assert_eq!(answer(revoked).await.0, StatusCode::OK);
    let (_, members) = answer(as_member(http.get(url("team/members")), &lead, lead_device)).await;
    assert!(
        members
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["name"] == "Ebe Sevgi" && m["active"] == false)
    );
    let again = as_member(http.post(url(&format!("team/members/{num}/code"))), &lead, lead_device).json(&json!({}));
    assert_eq!(answer(again).await.1["kind"], "member_revoked");
    let (_, ankara_members) = answer(as_member(http.get(url("team/members")), &ankara, ankara_device)).await;
    assert!(
        !ankara_members.to_string().contains("Ebe Sevgi"),
        "team B does not see team A's members"
    );
    let foreign = as_member(
        http.post(url(&format!("team/members/{num}/revoke"))),
        &ankara,
        ankara_device,
    )
    .json(&json!({}));
    assert_eq!(answer(foreign).await.1["kind"], "not_in_team");
}

on_both!(only_the_team_lead_manages_her_team);
