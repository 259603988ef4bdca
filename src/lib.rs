//! woonregister: the housing-occupancy registry for a Dutch municipality.
//!
//! It records which people live at which address, who employs them and who
//! lets the dwelling to them, and turns that into explained signals from
//! which staff plan inspections.
//!
//! The layers, and the one direction their dependencies point:
//!
//! ```text
//! cli/, api/   (clap, Rocket: commands, routes, guards, request and response types)
//! web/         the page at `/` (embedded files; a client of api/ over HTTP only)
//!    |
//! registry/    the use cases: each change end to end in the caller's transaction
//!    |         (facts, audit entry, re-evaluation of signals, e-mail)
//!    |  \
//!  auth/  audit, mail, config, error
//!    |
//!  domain/  pure value types and rules     geo/  pure geometry
//!    |
//!  db/      Diesel over SQLite | PostgreSQL
//! ```
//!
//! `domain` and `geo` know nothing of Rocket or Diesel, so they are tested
//! without a server or database. `db` knows `domain`, never `registry` or
//! `api`; `registry` never knows `api` or `cli`, and `cli` never uses `api`.

pub mod api;
pub mod app;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod geo;
pub mod mail;
pub mod registry;
pub mod web;

pub use app::rocket;
