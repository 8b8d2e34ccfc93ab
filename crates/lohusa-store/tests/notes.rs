//! Notes of the psychologist and the social care specialist on one shared store: each writes
//! her own kind, and each role sees only the notes it may read.

use crate::common;

use lohusa_core::notes::{NoteInput, NoteTopic};
use lohusa_core::{MemberId, Role, Rule};
use lohusa_store::StoreError;
use uuid::Uuid;

use common::{TempStore, now, nurse, registration};

#[test]
fn each_role_reads_only_the_notes_it_may() {
    let mut t = TempStore::new();
    let mother = t
        .store
        .register_mother(&registration("Amal Darwish", "2026-11-20"), nurse(), now())
        .unwrap();
    let people = [
        (Role::Psychologist, "Psk. Selin Ak"),
        (Role::SocialWorker, "SHU Ali Er"),
        (Role::Doctor, "Dr. Ece Tan"),
        (Role::TeamLead, "Sorumlu Elif"),
        (Role::Nurse, "Ebe Derya"),
    ];
    let ids: Vec<MemberId> = people.iter().map(|_| MemberId(Uuid::now_v7())).collect();
    let sign_in = |t: &mut TempStore, i: usize| t.store.sign_in_as(ids[i], people[i].1, Some(people[i].0)).unwrap();
    let note = |text: &str| NoteInput {
        mother_id: Some(mother),
        text: text.into(),
    };

    sign_in(&mut t, 0);
    let psych = t
        .store
        .add_note(&note("Uykusuzluk, ağlama nöbetleri; haftaya görüşme"), now())
        .unwrap();
    assert_eq!(
        (psych.topic, psych.written_by.as_str()),
        (NoteTopic::Psychology, "Psk. Selin Ak")
    );
    sign_in(&mut t, 1);
    t.store.add_note(&note("Barınma başvurusu yapıldı"), now()).unwrap();

    let seen = |t: &TempStore| -> Vec<NoteTopic> {
        t.store
            .mother_view(mother, now())
            .unwrap()
            .notes
            .iter()
            .map(|n| n.topic)
            .collect()
    };
    let mut by_role = Vec::new();
    for (i, (role, _)) in people.iter().enumerate() {
        sign_in(&mut t, i);
        let mut topics = seen(&t);
        topics.sort_by_key(|t| *t as u8);
        by_role.push((*role, topics, t.store.mother_view(mother, now()).unwrap().note_topic));
    }
    use NoteTopic::*;
    assert_eq!(
        by_role,
        [
            (Role::Psychologist, vec![Psychology, Social], Some(Psychology)),
            (Role::SocialWorker, vec![Social], Some(Social)),
            (Role::Doctor, vec![Psychology, Social], None),
            (Role::TeamLead, vec![Social], None),
            (Role::Nurse, vec![], None),
        ]
    );

    // A nurse cannot write one; nothing is saved.
    let before = common::count(&t.store, "changes");
    match t.store.add_note(&note("x"), now()) {
        Err(StoreError::Validation(errors)) => assert_eq!(errors.0[0].rule, Rule::NotYourRole),
        other => panic!("{other:?}"),
    }
    assert_eq!(common::count(&t.store, "changes"), before);
}

#[test]
fn a_revoked_mark_survives_reopening_the_store() {
    let t = TempStore::new();
    let mut t = t.reopen();
    assert!(!t.store.is_marked_revoked().unwrap());
    t.store.mark_revoked().unwrap();
    let t = t.reopen();
    assert!(
        t.store.is_marked_revoked().unwrap(),
        "a restart does not forget a revocation"
    );
}
