//! The key set: one Ed25519 key that signs new tokens and every public key
//! that still verifies them, each named by its `kid`. A missing signing key
//! is generated on first start, readable by the owner only.

use std::collections::HashMap;
use std::path::Path;

use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use jsonwebtoken::{DecodingKey, EncodingKey};

use crate::config::AuthConfig;

/// Why the keys could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Reading or writing a key file failed.
    #[error("key file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A key file does not hold a usable Ed25519 key.
    #[error("key file {path} does not hold an Ed25519 key in PEM: {reason}")]
    Format {
        /// The file.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// The signing key and every verification key, by `kid`.
pub struct KeySet {
    signing_kid: String,
    signing: EncodingKey,
    verifying: HashMap<String, DecodingKey>,
}

impl std::fmt::Debug for KeySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySet")
            .field("signing_kid", &self.signing_kid)
            .field("verifying_kids", &self.verifying.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl KeySet {
    /// Loads the signing key from `signing_key_path` (generating it when the
    /// file does not exist yet) and the configured extra verification keys.
    pub fn load_or_generate(
        config: &AuthConfig,
        signing_key_path: &Path,
    ) -> Result<Self, KeyError> {
        let signing_key = if signing_key_path.exists() {
            read_signing_key(signing_key_path)?
        } else {
            generate_signing_key(signing_key_path)?
        };
        let mut key_set = Self::from_signing_key(&signing_key)?;
        for extra in &config.verification_keys {
            let path = extra.public_key_file.display().to_string();
            let pem = std::fs::read(&extra.public_key_file).map_err(|source| KeyError::Io {
                path: path.clone(),
                source,
            })?;
            let key = DecodingKey::from_ed_pem(&pem).map_err(|e| KeyError::Format {
                path,
                reason: e.to_string(),
            })?;
            key_set.verifying.insert(extra.kid.clone(), key);
        }
        Ok(key_set)
    }

    /// A key set with one key that both signs and verifies.
    pub fn from_signing_key(signing_key: &SigningKey) -> Result<Self, KeyError> {
        let format_error = |reason: String| KeyError::Format {
            path: "(in memory)".to_owned(),
            reason,
        };
        let private_pem = signing_key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| format_error(e.to_string()))?;
        let public_pem = signing_key
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| format_error(e.to_string()))?;
        let signing = EncodingKey::from_ed_pem(private_pem.as_bytes())
            .map_err(|e| format_error(e.to_string()))?;
        let verifying_key = DecodingKey::from_ed_pem(public_pem.as_bytes())
            .map_err(|e| format_error(e.to_string()))?;
        let signing_kid = key_id(signing_key);
        let verifying = HashMap::from([(signing_kid.clone(), verifying_key)]);
        Ok(Self {
            signing_kid,
            signing,
            verifying,
        })
    }

    /// The `kid` new tokens carry.
    pub fn signing_kid(&self) -> &str {
        &self.signing_kid
    }

    /// The key that signs new tokens.
    pub fn signing_key(&self) -> &EncodingKey {
        &self.signing
    }

    /// The key that verifies tokens with this `kid`, if any.
    pub fn verifying_key(&self, kid: &str) -> Option<&DecodingKey> {
        self.verifying.get(kid)
    }
}

/// A stable key id: the first eight bytes of the public key in hex.
fn key_id(signing_key: &SigningKey) -> String {
    use std::fmt::Write as _;

    signing_key.verifying_key().as_bytes()[..8].iter().fold(
        String::with_capacity(16),
        |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        },
    )
}

fn read_signing_key(path: &Path) -> Result<SigningKey, KeyError> {
    let shown = path.display().to_string();
    let pem = std::fs::read_to_string(path).map_err(|source| KeyError::Io {
        path: shown.clone(),
        source,
    })?;
    SigningKey::from_pkcs8_pem(&pem).map_err(|e| KeyError::Format {
        path: shown,
        reason: e.to_string(),
    })
}

fn generate_signing_key(path: &Path) -> Result<SigningKey, KeyError> {
    use std::io::Write as _;
    use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};

    let shown = path.display().to_string();
    let io_error = |source| KeyError::Io {
        path: shown.clone(),
        source,
    };
    let signing_key = SigningKey::generate(&mut rand_core::OsRng);
    let pem = signing_key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| KeyError::Format {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
    if let Some(dir) = path.parent() {
        // The key's directory is the owner's only, like the key itself.
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(io_error)?;
    }
    // create_new: never overwrite a key another process just wrote.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(io_error)?;
    file.write_all(pem.as_bytes()).map_err(io_error)?;
    file.sync_all().map_err(io_error)?;
    log::info!("generated a new token signing key at {shown}");
    Ok(signing_key)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    #[test]
    fn a_generated_key_is_private_to_its_owner_and_loads_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/jwt.pem");
        let first = KeySet::load_or_generate(&AuthConfig::default(), &path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let second = KeySet::load_or_generate(&AuthConfig::default(), &path).unwrap();
        assert_eq!(first.signing_kid(), second.signing_kid());
    }
}
