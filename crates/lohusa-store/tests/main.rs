//! The store's tests in one binary (one link instead of one per file): a module per file, sharing `common`.

mod cases;
mod checklist;
mod common;
mod corrections;
mod crash;
mod damaged;
mod double_visits;
mod encryption;
mod extra_visits;
mod followup;
mod merge;
mod notes;
mod office;
mod referrals;
mod stock;
mod store;
