//! Typed configuration, read once from Rocket's figment (`Rocket.toml`,
//! `ROCKET_*`) merged with `WOONREGISTER_*` environment variables, and kept in
//! managed state. Nothing reads configuration from anywhere else.

use std::path::PathBuf;

use rocket::figment::Figment;
use rocket::figment::providers::{Env, Serialized};
use serde::{Deserialize, Serialize};

use crate::domain::rules::RuleSet;

/// The whole service configuration.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct AppConfig {
    /// `postgres://…` for PostgreSQL; a path (or `sqlite://path`) for SQLite.
    pub database_url: String,
    /// Largest number of pooled database connections.
    pub database_pool_size: u32,
    /// Where generated keys, the SQLite database and mail files live.
    pub data_dir: PathBuf,
    /// Token verification and issuing.
    pub auth: AuthConfig,
    /// Outgoing e-mail.
    pub smtp: SmtpConfig,
    /// Signal-rule thresholds, weights and norms.
    pub rules: RuleSet,
    /// How long personal data is kept.
    pub retention: RetentionConfig,
    /// How long a request body may take to arrive, in seconds.
    pub body_timeout_seconds: u64,
    /// Inspection planning.
    pub planning: PlanningConfig,
    /// The web page (its optional tile layer).
    pub web: crate::web::WebConfig,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            database_url: "data/woonregister.sqlite3".to_owned(),
            database_pool_size: 8,
            data_dir: PathBuf::from("data"),
            auth: AuthConfig::default(),
            smtp: SmtpConfig::default(),
            rules: RuleSet::default(),
            retention: RetentionConfig::default(),
            body_timeout_seconds: 10,
            planning: PlanningConfig::default(),
            web: crate::web::WebConfig::default(),
        }
    }
}

/// JWT settings. Without `signing_key_file`, a key is generated under
/// `data_dir` on first start.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct AuthConfig {
    /// The `iss` every token must carry.
    pub issuer: String,
    /// The `aud` every token must carry.
    pub audience: String,
    /// PKCS#8 PEM Ed25519 private key used to issue tokens.
    pub signing_key_file: Option<PathBuf>,
    /// Further public keys that still verify tokens (key rotation).
    pub verification_keys: Vec<VerificationKeyConfig>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            issuer: "woonregister".to_owned(),
            audience: "woonregister-api".to_owned(),
            signing_key_file: None,
            verification_keys: Vec::new(),
        }
    }
}

/// A public key that verifies tokens carrying its `kid`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VerificationKeyConfig {
    /// The key id in the token header.
    pub kid: String,
    /// SPKI PEM Ed25519 public key file.
    pub public_key_file: PathBuf,
}

/// How e-mail leaves the service.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct SmtpConfig {
    /// `file` writes `.eml` files under `data_dir/mail`; `smtp` talks to a server.
    pub transport: MailTransportKind,
    /// SMTP server host.
    pub host: String,
    /// SMTP server port.
    pub port: u16,
    /// Sender address.
    pub from: String,
    /// How the SMTP connection is protected.
    pub tls: SmtpTls,
    /// SMTP user name, when the server wants one.
    pub username: Option<String>,
    /// SMTP password.
    pub password: Option<String>,
    /// How often the worker looks for mail to send, in seconds.
    pub poll_interval_seconds: u64,
    /// The wait after the first failed attempt; it doubles per attempt.
    pub retry_base_seconds: u64,
    /// The longest wait between attempts.
    pub retry_max_seconds: u64,
    /// After this many failed attempts a message is left for an operator.
    pub max_attempts: u32,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        Self {
            transport: MailTransportKind::File,
            host: "127.0.0.1".to_owned(),
            port: 25,
            from: "woonregister@localhost".to_owned(),
            tls: SmtpTls::None,
            username: None,
            password: None,
            poll_interval_seconds: 5,
            retry_base_seconds: 30,
            retry_max_seconds: 3_600,
            max_attempts: 20,
        }
    }
}

/// Protection of the SMTP connection.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain SMTP, for a relay on the same host or a trusted network.
    None,
    /// STARTTLS after connecting (usually port 587).
    Starttls,
    /// TLS from the start (usually port 465).
    Tls,
}

/// The kinds of mail transport.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MailTransportKind {
    /// `.eml` files on disk: the embedded default.
    File,
    /// A real SMTP conversation.
    Smtp,
}

/// Retention of personal data.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct RetentionConfig {
    /// People whose last occupancy and employment ended longer ago than this are removed.
    pub months_after_last_activity: u32,
    /// Inspections visited longer ago than this are removed.
    pub inspection_months: u32,
    /// Signals closed longer ago than this are removed.
    pub closed_signal_months: u32,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self {
            months_after_last_activity: 24,
            inspection_months: 60,
            closed_signal_months: 60,
        }
    }
}

/// Inspection planning: where lists start and which addresses wait.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct PlanningConfig {
    /// WGS84 latitude of the default start (the town hall).
    pub start_latitude: f64,
    /// WGS84 longitude of the default start.
    pub start_longitude: f64,
    /// An address visited this many days ago or less is not planned again.
    pub revisit_after_days: u32,
    /// The most visits one list holds.
    pub max_capacity: u32,
}

impl Default for PlanningConfig {
    fn default() -> Self {
        // Vlaardingen town hall, Markt 11.
        Self {
            start_latitude: 51.9073,
            start_longitude: 4.3417,
            revisit_after_days: 90,
            max_capacity: 50,
        }
    }
}

impl AppConfig {
    /// The figment every part of the program reads: defaults, then Rocket's
    /// own sources, then `WOONREGISTER_*` variables (`__` separates nesting,
    /// e.g. `WOONREGISTER_AUTH__ISSUER`).
    pub fn figment() -> Figment {
        Figment::from(rocket::Config::default())
            .merge(Serialized::defaults(AppConfig::default()))
            .merge(rocket::Config::figment())
            .merge(Env::prefixed("WOONREGISTER_").split("__").global())
    }

    /// Reads the configuration from a figment (its selected profile).
    pub fn from_figment(figment: &Figment) -> Result<Self, Box<rocket::figment::Error>> {
        figment.extract().map_err(Box::new)
    }

    /// The file the signing key is read from (and generated into).
    pub fn signing_key_path(&self) -> PathBuf {
        self.auth
            .signing_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("jwt-ed25519.pem"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

    use super::*;

    #[test]
    fn rule_defaults_are_the_norms_of_the_design() {
        let rules = AppConfig::default().rules;
        assert!((rules.min_floor_area_per_occupant_m2 - 12.0).abs() < f64::EPSILON);
        assert_eq!(rules.max_occupants_per_bedroom, 2);
        assert_eq!(rules.max_unrelated_adults, 2);
        assert_eq!(rules.employer_concentration_min_occupants, 4);
        assert_eq!(rules.high_turnover_min_move_ins, 6);
        assert_eq!(rules.high_turnover_window_days, 90);
    }

    #[test]
    fn settings_override_the_defaults_per_field() {
        let figment = AppConfig::figment()
            .merge(("database_url", "postgres://db.example/woonregister"))
            .merge(("rules.max_unrelated_adults", 3))
            .merge(("rules.high-turnover.weight", 40))
            .merge(("auth.issuer", "vlaardingen"));
        let config = AppConfig::from_figment(&figment).unwrap();
        assert_eq!(config.database_url, "postgres://db.example/woonregister");
        assert_eq!(config.rules.max_unrelated_adults, 3);
        assert_eq!(config.rules.max_occupants_per_bedroom, 2);
        assert_eq!(config.rules.high_turnover.weight, 40);
        assert!(
            config.rules.high_turnover.enabled,
            "the other settings of the rule stay"
        );
        assert_eq!(config.auth.issuer, "vlaardingen");
        assert_eq!(config.auth.audience, "woonregister-api");
    }

    #[test]
    fn a_setting_of_the_wrong_type_is_an_error_not_a_default() {
        let figment = AppConfig::figment().merge(("database_pool_size", "many"));
        assert!(AppConfig::from_figment(&figment).is_err());
    }
}
