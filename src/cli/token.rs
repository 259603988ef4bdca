//! `woonregister token issue|revoke`: the only way tokens come into being,
//! and the way to make one stop working before it expires.

use chrono::TimeDelta;
use clap::Subcommand;
use rocket::figment::Figment;

use crate::auth::{KeySet, Role, token};
use crate::config::AppConfig;
use crate::db::revoked_tokens;
use crate::domain::KvkNumber;

/// Token subcommands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue a token and print it on standard output.
    Issue {
        /// The role the token acts in.
        #[arg(long, value_enum)]
        role: Role,
        /// The agency's KvK number (agency tokens only).
        #[arg(long)]
        org: Option<String>,
        /// Who the token is for, e.g. an account or system name.
        #[arg(long)]
        subject: String,
        /// How long it is valid: a number with s, m, h or d, e.g. `12h`, `30d`.
        #[arg(long, default_value = "30d")]
        ttl: String,
    },
    /// Revoke a token by its id (`jti`).
    Revoke {
        /// The token id.
        jti: String,
        /// Why, for the record.
        #[arg(long)]
        reason: Option<String>,
    },
}

/// Parses a lifetime such as `90m`, `12h` or `30d`.
pub fn parse_ttl(text: &str) -> Result<TimeDelta, String> {
    let text = text.trim();
    let unit_start = text.char_indices().last().map_or(0, |(i, _)| i);
    let (number, unit) = text.split_at(unit_start);
    let amount: i64 = number
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("`{text}` is not a lifetime like 30d, 12h, 90m or 3600s"))?;
    let delta = match unit {
        "s" => TimeDelta::try_seconds(amount),
        "m" => TimeDelta::try_minutes(amount),
        "h" => TimeDelta::try_hours(amount),
        "d" => TimeDelta::try_days(amount),
        _ => None,
    };
    delta.ok_or_else(|| format!("`{text}` is not a lifetime like 30d, 12h, 90m or 3600s"))
}

/// Runs a token subcommand.
pub fn run(figment: &Figment, command: TokenCommand) -> Result<(), String> {
    let config = AppConfig::from_figment(figment).map_err(|e| e.to_string())?;
    match command {
        TokenCommand::Issue {
            role,
            org,
            subject,
            ttl,
        } => {
            let org = org
                .map(|o| KvkNumber::parse(&o).map_err(|e| format!("--org {e}")))
                .transpose()?;
            let ttl = parse_ttl(&ttl)?;
            let keys = KeySet::load_or_generate(&config.auth, &config.signing_key_path())
                .map_err(|e| e.to_string())?;
            let issued = token::issue(&keys, &config.auth, &subject, role, org.as_ref(), ttl)
                .map_err(|e| e.to_string())?;
            eprintln!(
                "token id (jti) {}, valid until {}",
                issued.jti,
                issued.expires_at.to_rfc3339()
            );
            println!("{}", issued.token);
            Ok(())
        }
        TokenCommand::Revoke { jti, reason } => {
            let services = crate::app::open_services(config).map_err(|e| e.to_string())?;
            let mut conn = services.pool.get().map_err(|e| e.to_string())?;
            let revoked = revoked_tokens::revoke(&mut conn, &jti, reason.as_deref())
                .map_err(|e| e.to_string())?;
            if revoked {
                println!("revoked token {jti}");
            } else {
                println!("token {jti} was already revoked");
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

    use super::*;

    #[test]
    fn lifetimes_read_in_seconds_minutes_hours_and_days() {
        assert_eq!(parse_ttl("3600s").unwrap(), TimeDelta::hours(1));
        assert_eq!(parse_ttl("90m").unwrap(), TimeDelta::minutes(90));
        assert_eq!(parse_ttl("12h").unwrap(), TimeDelta::hours(12));
        assert_eq!(parse_ttl("30d").unwrap(), TimeDelta::days(30));
    }

    #[test]
    fn lifetimes_without_unit_or_positive_number_are_refused() {
        for bad in ["", "d", "30", "0d", "-1d", "1w", "1.5h", "ééd", "dé"] {
            assert!(parse_ttl(bad).is_err(), "{bad} was accepted");
        }
    }
}
