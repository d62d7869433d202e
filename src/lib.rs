//! labelflow: a labellisation workflow engine.

pub mod app;
pub mod calendar;
pub mod cli;
pub mod clock;
pub mod engine;
pub mod store;
pub mod workflow;
