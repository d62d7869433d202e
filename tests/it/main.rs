//! Every integration suite in one test binary: linking one binary instead
//! of one per suite is most of what a cold CI build costs. Each suite is a
//! module (`cargo test --test it api::` runs one); `common` is the shared
//! harness (real SQLite files and PostgreSQL databases, `serve` processes,
//! an SMTP server process).

#[macro_use]
mod common;

mod answers;
mod api;
mod browser;
mod calendar;
mod cli;
mod documents;
mod engine;
mod fuzz;
mod generated;
mod guests;
mod ical;
mod import;
mod ldm;
mod mail;
mod operations;
mod pages;
mod reliability;
mod server;
mod shipped;
mod sign_on;
mod store;
mod timers;
mod tutorial;
mod units;
mod upgrade;
mod versions;
mod webhooks;
mod workers;
