//! Integration tests of woonregister through real HTTP requests to the
//! Rocket app, each test with its own app and database (SQLite, or
//! PostgreSQL when `WOONREGISTER_TEST_POSTGRES_URL` is set).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]
#![allow(missing_docs, reason = "test functions are named as sentences")]

mod addresses;
mod agency_isolation;
mod audit;
mod authentication;
mod authorisation_matrix;
mod contention;
mod conventions;
mod declarations;
mod demo;
mod durability;
mod evaluation;
mod hardening;
mod import;
mod inspections;
mod mail;
mod migrations;
mod neighbourhoods;
mod organisations;
mod people;
mod residents;
mod retention;
mod signals;
mod smtp;
mod snapshots;
mod support;
mod synthetic;
mod web;
