//! labelflow: a quality-label workflow engine.

pub mod app;
pub mod auth;
pub mod bench;
pub mod calendar;
pub mod cli;
pub mod clock;
pub mod demo;
pub mod documents;
pub mod engine;
pub mod ical;
pub mod mail;
pub mod metrics;
pub mod reference;
pub mod retry;
pub mod search;
pub mod sign_on;
pub mod spreadsheet;
pub mod store;
pub mod web;
pub mod webhooks;
pub mod workflow;
