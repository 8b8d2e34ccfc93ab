//! The exchange tests in one binary: a module per file, sharing `common`.

mod common;
mod fhir_schema;
mod line_lists;
