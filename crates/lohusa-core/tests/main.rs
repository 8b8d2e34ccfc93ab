//! The core's cross-module tests in one binary: a module per file.

mod access_table;
mod evaluation;
mod merge;
