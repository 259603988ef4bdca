//! The web page for staff, inspectors and admins at `/`: a client of the
//! public API only. Its files (in `web/`) are embedded in the binary and
//! served under a versioned prefix, `/assets/<version>/…`, with a cache
//! lifetime of a year; `index.html` is revalidated on every load. Every
//! answer carries a strict Content-Security-Policy: the page's own origin
//! only, plus the tile server when a tile layer is configured.

pub mod assets;

use rocket::http::{ContentType, Header, Status};
use rocket::request::Request;
use rocket::response::{self, Responder};
use rocket::{Response, Route, State, get, routes};
use serde::{Deserialize, Serialize};

use self::assets::{Asset, INDEX_TEMPLATE, VERSION};

/// Where the versioned assets are mounted.
pub const ASSET_BASE: &str = "/assets";

/// The page's settings (`[default.web]` in `Rocket.toml`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct WebConfig {
    /// An optional background tile layer; off by default, so the map
    /// works without internet on the CBS buurten alone.
    pub tile_layer: Option<TileLayer>,
}

/// A raster tile layer drawn under the buurten.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(try_from = "TileLayerSettings", into = "TileLayerSettings")]
pub struct TileLayer {
    url: String,
    origin: String,
    attribution: String,
}

/// A tile layer as written in the configuration.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TileLayerSettings {
    /// The tile URL template with `{z}`, `{x}` and `{y}`, over https.
    pub url: String,
    /// The attribution the tile provider asks for, shown on the map.
    pub attribution: String,
}

impl TryFrom<TileLayerSettings> for TileLayer {
    type Error = String;

    fn try_from(settings: TileLayerSettings) -> Result<Self, String> {
        let rest = settings
            .url
            .strip_prefix("https://")
            .ok_or("web.tile_layer.url must start with https://")?;
        let host = rest.split('/').next().unwrap_or_default();
        let is_host = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
        if !is_host {
            return Err("web.tile_layer.url must name a host after https://".to_owned());
        }
        if !["{z}", "{x}", "{y}"].iter().all(|p| rest.contains(p)) {
            return Err("web.tile_layer.url must contain {z}, {x} and {y}".to_owned());
        }
        if settings.attribution.trim().is_empty() {
            return Err("web.tile_layer.attribution must name the tile provider".to_owned());
        }
        Ok(Self {
            origin: format!("https://{host}"),
            url: settings.url,
            attribution: settings.attribution,
        })
    }
}

impl From<TileLayer> for TileLayerSettings {
    fn from(layer: TileLayer) -> Self {
        Self {
            url: layer.url,
            attribution: layer.attribution,
        }
    }
}

impl TileLayer {
    /// The origin (`https://host`) the page may load tiles from.
    pub fn origin(&self) -> &str {
        &self.origin
    }
}

/// The page as served: its HTML with the asset version and tile settings
/// filled in, and its Content-Security-Policy.
#[derive(Debug, Clone)]
pub struct WebPage {
    index_html: String,
    csp: String,
}

impl WebPage {
    /// Renders the page for `config`.
    pub fn new(config: &WebConfig) -> Self {
        let (tile_url, tile_attribution) = config
            .tile_layer
            .as_ref()
            .map_or(("", ""), |t| (t.url.as_str(), t.attribution.as_str()));
        let index_html = INDEX_TEMPLATE
            .replace("{{assets}}", &format!("{ASSET_BASE}/{}", *VERSION))
            .replace("{{tile-url}}", &escape_attribute(tile_url))
            .replace("{{tile-attribution}}", &escape_attribute(tile_attribution));
        let img_extra = config
            .tile_layer
            .as_ref()
            .map(|t| format!(" {}", t.origin()))
            .unwrap_or_default();
        let csp = format!(
            "default-src 'none'; script-src 'self'; style-src 'self'; \
             img-src 'self' data:{img_extra}; connect-src 'self'; font-src 'self'; \
             frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        );
        Self { index_html, csp }
    }

    /// The Content-Security-Policy of every answer of the page.
    pub fn content_security_policy(&self) -> &str {
        &self.csp
    }
}

/// `text` safe inside a double-quoted HTML attribute.
fn escape_attribute(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The page's routes, mounted at `/`.
pub fn routes() -> Vec<Route> {
    routes![get_page, get_asset]
}

/// How long a browser may keep an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caching {
    /// Ask the server every time (the HTML that names the asset version).
    Revalidate,
    /// Keep it a year: the versioned path changes when the file does.
    Immutable,
}

/// An answer of the page with its security and cache headers.
struct PageFile {
    body: &'static [u8],
    owned: Option<String>,
    content_type: ContentType,
    caching: Caching,
    csp: String,
}

impl<'r> Responder<'r, 'static> for PageFile {
    fn respond_to(self, _request: &'r Request<'_>) -> response::Result<'static> {
        let cache = match self.caching {
            Caching::Revalidate => "no-cache",
            Caching::Immutable => "public, max-age=31536000, immutable",
        };
        let mut response = Response::build();
        match self.owned {
            Some(text) => response.sized_body(text.len(), std::io::Cursor::new(text)),
            None => response.sized_body(self.body.len(), std::io::Cursor::new(self.body)),
        };
        response
            .header(self.content_type)
            .header(Header::new("Cache-Control", cache))
            .header(Header::new("Content-Security-Policy", self.csp))
            .header(Header::new("Referrer-Policy", "no-referrer"))
            .header(Header::new("Cross-Origin-Opener-Policy", "same-origin"))
            .ok()
    }
}

/// The page itself: sign-in, then the view for the token's role.
#[get("/")]
fn get_page(page: &State<WebPage>) -> PageFile {
    PageFile {
        body: &[],
        owned: Some(page.index_html.clone()),
        content_type: ContentType::HTML,
        caching: Caching::Revalidate,
        csp: page.csp.clone(),
    }
}

/// One of the page's files, under the current version only: an old
/// version's path is not answered with new bytes that a browser would
/// then keep for a year under the old name.
#[get("/assets/<version>/<path..>")]
fn get_asset(
    version: &str,
    path: std::path::PathBuf,
    page: &State<WebPage>,
) -> Result<PageFile, Status> {
    let path = path.to_str().ok_or(Status::NotFound)?;
    let asset: &Asset = (version == VERSION.as_str())
        .then(|| assets::find(path))
        .flatten()
        .ok_or(Status::NotFound)?;
    Ok(PageFile {
        body: asset.bytes,
        owned: None,
        content_type: asset.kind.content_type(),
        caching: Caching::Immutable,
        csp: page.csp.clone(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

    use super::*;

    fn layer(url: &str, attribution: &str) -> Result<TileLayer, String> {
        TileLayer::try_from(TileLayerSettings {
            url: url.to_owned(),
            attribution: attribution.to_owned(),
        })
    }

    #[test]
    fn a_tile_layer_names_its_origin_for_the_policy() {
        let pdok = layer(
            "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png",
            "Kaartgegevens © Kadaster",
        )
        .unwrap();
        assert_eq!(pdok.origin(), "https://service.pdok.nl");
    }

    #[test]
    fn a_tile_layer_over_plain_http_or_without_placeholders_is_refused() {
        assert!(layer("http://tiles.example/{z}/{x}/{y}.png", "x").is_err());
        assert!(layer("https://tiles.example/tile.png", "x").is_err());
        assert!(layer("https:///{z}/{x}/{y}.png", "x").is_err());
        assert!(layer("https://a b/{z}/{x}/{y}.png", "x").is_err());
        assert!(layer("https://tiles.example/{z}/{x}/{y}.png", " ").is_err());
    }

    #[test]
    fn without_a_tile_layer_the_page_loads_images_from_itself_only() {
        let page = WebPage::new(&WebConfig::default());
        assert!(page.csp.contains("img-src 'self' data:;"), "{}", page.csp);
        assert!(page.index_html.contains(&format!("/assets/{}/", *VERSION)));
        assert!(!page.index_html.contains("{{"));
    }

    #[test]
    fn the_tile_settings_reach_the_page_escaped() {
        let config = WebConfig {
            tile_layer: Some(
                layer("https://t.example/{z}/{x}/{y}.png?a=1&b=2", "\"<b>\"").unwrap(),
            ),
        };
        let page = WebPage::new(&config);
        assert!(page.index_html.contains("?a=1&amp;b=2"));
        assert!(page.index_html.contains("&quot;&lt;b&gt;&quot;"));
        assert!(page.csp.contains("img-src 'self' data: https://t.example;"));
    }
}
