//! The page's files, embedded in the binary from `web/` so that the
//! service is one file to deploy, and the version they are served under:
//! a digest of all of them, so a browser may keep each one for a year and
//! still gets the new files the moment the binary changes.

use std::fmt::Write as _;
use std::sync::LazyLock;

use rocket::http::ContentType;
use sha2::{Digest as _, Sha256};

/// One embedded file.
#[derive(Debug)]
pub struct Asset {
    /// Its path below the versioned asset prefix, e.g. `js/main.js`.
    pub path: &'static str,
    /// Its bytes.
    pub bytes: &'static [u8],
    /// What it is.
    pub kind: AssetKind,
}

/// The kinds of file the page is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssetKind {
    /// An ECMAScript file (module or classic script).
    JavaScript,
    /// A style sheet.
    Css,
    /// A PNG image.
    Png,
    /// Plain text (the vendored licence).
    Text,
}

impl AssetKind {
    /// The `Content-Type` it is served with.
    pub fn content_type(self) -> ContentType {
        match self {
            Self::JavaScript => ContentType::JavaScript,
            Self::Css => ContentType::CSS,
            Self::Png => ContentType::PNG,
            Self::Text => ContentType::Plain,
        }
    }
}

macro_rules! asset {
    ($path:literal, $kind:ident) => {
        Asset {
            path: $path,
            bytes: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/", $path)),
            kind: AssetKind::$kind,
        }
    };
}

/// Every file of the page but `index.html`.
pub static ASSETS: &[Asset] = &[
    asset!("css/app.css", Css),
    asset!("js/api.js", JavaScript),
    asset!("js/audit.js", JavaScript),
    asset!("js/dom.js", JavaScript),
    asset!("js/dossier.js", JavaScript),
    asset!("js/evidence.js", JavaScript),
    asset!("js/format.js", JavaScript),
    asset!("js/inspections.js", JavaScript),
    asset!("js/main.js", JavaScript),
    asset!("js/map.js", JavaScript),
    asset!("js/outcome.js", JavaScript),
    asset!("js/planning.js", JavaScript),
    asset!("js/session.js", JavaScript),
    asset!("js/signals.js", JavaScript),
    asset!("vendor/leaflet/leaflet.js", JavaScript),
    asset!("vendor/leaflet/leaflet.css", Css),
    asset!("vendor/leaflet/LICENSE", Text),
    asset!("vendor/leaflet/images/layers.png", Png),
    asset!("vendor/leaflet/images/layers-2x.png", Png),
    asset!("vendor/leaflet/images/marker-icon.png", Png),
    asset!("vendor/leaflet/images/marker-icon-2x.png", Png),
    asset!("vendor/leaflet/images/marker-shadow.png", Png),
];

/// The page's HTML, with `{{assets}}` where the versioned asset prefix
/// goes and `{{tile-url}}` / `{{tile-attribution}}` for the optional tile
/// layer.
pub static INDEX_TEMPLATE: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/index.html"));

/// The version every asset is served under: the first 16 hex digits of
/// the SHA-256 over all asset paths and bytes.
pub static VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut hasher = Sha256::new();
    for asset in ASSETS {
        hasher.update(asset.path.as_bytes());
        hasher.update([0]);
        hasher.update(asset.bytes);
    }
    hasher.update(INDEX_TEMPLATE.as_bytes());
    let digest = hasher.finalize();
    digest[..8].iter().fold(String::new(), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    })
});

/// The asset at `path`, if the page has one.
pub fn find(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|asset| asset.path == path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_is_sixteen_hex_digits() {
        assert_eq!(VERSION.len(), 16);
        assert!(VERSION.chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn every_script_the_page_imports_is_embedded() {
        for asset in ASSETS.iter().filter(|a| a.path.starts_with("js/")) {
            let text = std::str::from_utf8(asset.bytes).unwrap_or_default();
            for line in text.lines().filter(|l| l.starts_with("import ")) {
                let Some(target) = line.split('"').nth(1) else {
                    continue;
                };
                let path = format!("js/{}", target.trim_start_matches("./"));
                assert!(find(&path).is_some(), "{} imports {path}", asset.path);
            }
        }
    }

    #[test]
    fn the_page_loads_only_embedded_files() {
        for part in INDEX_TEMPLATE.split("{{assets}}/").skip(1) {
            let path = part.split('"').next().unwrap_or_default();
            assert!(find(path).is_some(), "index.html loads {path}");
        }
    }
}
