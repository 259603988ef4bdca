//! The web page at `/`: served from the binary, with a strict
//! Content-Security-Policy, long cache lifetimes for its versioned files
//! and none for the HTML that names them.

use rocket::http::Status;
use woonregister::web::assets::{ASSETS, VERSION};

use crate::support::{Reply, TestApp};

const STRICT_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
                          img-src 'self' data:; connect-src 'self'; font-src 'self'; \
                          frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

fn header<'a>(reply: &'a Reply, name: &str) -> &'a str {
    reply
        .header(name)
        .unwrap_or_else(|| panic!("no {name} header"))
}

#[test]
fn the_root_is_the_page_with_a_strict_policy_and_no_caching() {
    let app = TestApp::new();
    let page = app.send("GET", "/", None, None);
    assert_eq!(page.status, Status::Ok);
    assert_eq!(
        page.content_type.as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(header(&page, "Content-Security-Policy"), STRICT_CSP);
    assert_eq!(header(&page, "Cache-Control"), "no-cache");
    assert_eq!(header(&page, "X-Content-Type-Options"), "nosniff");
    assert_eq!(header(&page, "Referrer-Policy"), "no-referrer");
    assert_eq!(header(&page, "X-Frame-Options"), "DENY");
    assert!(page.body.contains("<html lang=\"nl\">"));
    assert!(
        !page.body.contains("<script>") && !page.body.contains("style="),
        "no inline script or style"
    );
    assert!(
        page.body
            .contains(&format!("/assets/{}/js/main.js", *VERSION))
    );
}

#[test]
fn every_asset_is_served_under_its_version_for_a_year() {
    let app = TestApp::new();
    for asset in ASSETS {
        let path = format!("/assets/{}/{}", *VERSION, asset.path);
        let response = app.client.get(path.as_str()).dispatch();
        assert_eq!(response.status(), Status::Ok, "{path}");
        let headers = response.headers();
        assert_eq!(
            headers.get_one("Cache-Control"),
            Some("public, max-age=31536000, immutable"),
            "{path}"
        );
        assert_eq!(headers.get_one("X-Content-Type-Options"), Some("nosniff"));
        assert_eq!(headers.get_one("Content-Security-Policy"), Some(STRICT_CSP));
        assert_eq!(
            response.content_type(),
            Some(asset.kind.content_type()),
            "{path}"
        );
        assert_eq!(
            response.into_bytes().as_deref(),
            Some(asset.bytes),
            "{path}"
        );
    }
}

#[test]
fn an_asset_under_another_version_or_an_unknown_name_is_not_found() {
    let app = TestApp::new();
    for path in [
        "/assets/0000000000000000/js/main.js".to_owned(),
        format!("/assets/{}/js/nothing.js", *VERSION),
        format!("/assets/{}/../Cargo.toml", *VERSION),
    ] {
        let reply = app.send("GET", &path, None, None);
        assert_eq!(reply.status, Status::NotFound, "{path}");
    }
}

#[test]
fn a_configured_tile_layer_adds_only_its_origin_to_the_images_and_names_its_attribution() {
    let app = TestApp::with(|figment| {
        figment
            .merge((
                "web.tile_layer.url",
                "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png",
            ))
            .merge(("web.tile_layer.attribution", "Kaartgegevens © Kadaster"))
    });
    let page = app.send("GET", "/", None, None);
    let csp = header(&page, "Content-Security-Policy");
    assert!(
        csp.contains("img-src 'self' data: https://service.pdok.nl;"),
        "{csp}"
    );
    assert!(csp.contains("connect-src 'self';"), "{csp}");
    assert!(
        page.body
            .contains("data-tile-attribution=\"Kaartgegevens © Kadaster\"")
    );
}

#[test]
fn a_tile_layer_over_plain_http_stops_the_service_from_starting() {
    let figment = woonregister::config::AppConfig::figment()
        .merge(("web.tile_layer.url", "http://tiles.example/{z}/{x}/{y}.png"))
        .merge(("web.tile_layer.attribution", "x"));
    assert!(woonregister::config::AppConfig::from_figment(&figment).is_err());
}

#[test]
fn the_api_base_still_leads_to_the_documentation() {
    let app = TestApp::new();
    let reply = app.send("GET", "/api/v1", None, None);
    assert_eq!(reply.status, Status::SeeOther);
    assert_eq!(reply.header("Location"), Some("/api/v1/docs/"));
}
