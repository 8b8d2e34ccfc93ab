//! The end-to-end tests in one binary (one link instead of one per file), run one at a time: a module per file.

mod checklist;
mod corrections;
mod double_visits;
mod drafts;
mod nurse_loop;
mod office;
mod programme;
mod red_flags;
mod screens;
mod security;
mod sync;
