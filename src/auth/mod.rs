//! Authentication and authorisation: Ed25519-signed JWT bearer tokens, the
//! keys that sign and verify them, and one request guard per role so that a
//! handler's signature states who may call it.

pub mod guards;
pub mod keys;
pub mod revocations;
pub mod token;

pub use guards::{Admin, Agency, AnyRole, Inspector, Official, Staff};
pub use keys::KeySet;
pub use revocations::Revocations;
pub use token::{Claims, IssuedToken, Role, VerifiedTokens};
