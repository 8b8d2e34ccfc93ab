//! ARCHITECTURE.md shows the access table the server enforces; this keeps the two the same.

#[test]
fn architecture_md_shows_the_access_table_in_force() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ARCHITECTURE.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let table = lohusa_core::access::markdown_table();
    assert!(
        doc.contains(&table),
        "ARCHITECTURE.md must contain the access table as lohusa_core::access has it:\n\n{table}"
    );
}
