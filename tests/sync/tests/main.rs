//! The sync tests in one binary (one link instead of one per file): a module per file.

mod attacks;
mod cli_rules;
mod config;
mod hostile;
mod logs;
mod own_changes;
mod processes;
mod quarantine;
mod server_api;
mod simulation;
mod tls;
