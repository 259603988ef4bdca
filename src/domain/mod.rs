//! Pure domain value types.
//!
//! Untrusted input (JSON bodies, query strings, CSV imports) becomes one of
//! these types once, at the edge; code past that point takes the type, not a
//! string, and never re-checks it. Nothing here knows of the web framework or
//! the database.
//!
//! Conventions shared by every type:
//! - `parse` trims surrounding whitespace and stores one canonical form, so
//!   equal values compare, hash and serialise equal;
//! - only ASCII digits and letters are accepted; look-alike Unicode such as
//!   full-width digits is refused, not folded;
//! - a refusal is a [`ValueError`] whose text is a client-facing reason that
//!   never repeats the input;
//! - `Serialize` writes the canonical form and `Deserialize` goes through
//!   `parse`, so a deserialisation failure carries the same reason.

mod audit_action;
mod bag_id;
mod bsn;
mod date;
mod error;
mod house_number;
mod kvk;
pub mod planning;
mod postcode;
pub mod rules;
mod status;
mod text;
mod usage_purpose;
mod wire_name;

pub use audit_action::AuditAction;
pub use bag_id::BagId;
pub use bsn::Bsn;
pub use date::parse_date;
pub use error::ValueError;
pub use house_number::{HouseLetter, HouseNumber, HouseNumberAddition};
pub use kvk::KvkNumber;
pub use postcode::Postcode;
pub use status::{
    DeclarationStatus, InspectionResult, OccupancySource, ProvisionRole, SignalStatus,
};
pub use text::{check_single_line, is_forbidden_in_single_line};
pub use usage_purpose::UsagePurpose;
pub use wire_name::UnknownName;

/// Whether `s` is exactly `len` ASCII digits: the shape shared by the
/// identifier types. Checks bytes, so a multi-byte character can never pass.
fn is_ascii_digits_of_len(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit())
}
