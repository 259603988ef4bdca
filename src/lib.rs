//! woonregister: the housing-occupancy registry for a Dutch municipality.
//!
//! It records which people live at which address, who employs them and who
//! lets the dwelling to them, and turns that into explained signals from
//! which staff plan inspections.
//!
//! The layers, and the one direction their dependencies point:
//!
//! ```text
//! cli/, api/  (clap, Rocket: routes, guards, request and response types)
//!    |  \
//!  auth/ ...  config, error
//!    |
//!  domain/  pure value types and rules     geo/  pure geometry
//!    |
//!  db/      Diesel over SQLite | PostgreSQL
//! ```
//!
//! `domain` and `geo` know nothing of Rocket or Diesel, so they are tested
//! without a server or database. `db` knows `domain`, never `api`.

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

pub use app::rocket;
