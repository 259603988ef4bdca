//! Every way a token can be wrong gives 401 with problem+json.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rocket::http::Status;
use serde_json::{Value, json};
use woonregister::auth::Role;

use crate::support::TestApp;

/// Changes one claim set into a bad one.
type ClaimChange = Box<dyn Fn(&mut Value)>;

const PROTECTED: &str = "/api/v1/addresses?postcode=3131AB&houseNumber=1";

fn valid_claims(app: &TestApp) -> Value {
    let now = Utc::now().timestamp();
    json!({
        "sub": "tester", "role": "staff", "org": null,
        "exp": now + 3600, "nbf": now - 10,
        "iss": app.config.auth.issuer, "aud": app.config.auth.audience,
        "jti": uuid::Uuid::new_v4().to_string(),
    })
}

fn app_signing_key(app: &TestApp) -> SigningKey {
    let pem = std::fs::read_to_string(app.config.signing_key_path()).unwrap();
    SigningKey::from_pkcs8_pem(&pem).unwrap()
}

fn sign_eddsa(key: &SigningKey, kid: &str, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(kid.to_owned());
    let pem = key.to_pkcs8_pem(LineEnding::LF).unwrap();
    jsonwebtoken::encode(
        &header,
        claims,
        &EncodingKey::from_ed_pem(pem.as_bytes()).unwrap(),
    )
    .unwrap()
}

fn signed_by_app(app: &TestApp, claims: &Value) -> String {
    sign_eddsa(&app_signing_key(app), app.keys.signing_kid(), claims)
}

fn assert_unauthorized(app: &TestApp, token: Option<&str>, case: &str) {
    let reply = app.send("GET", PROTECTED, token, None);
    assert_eq!(reply.status, Status::Unauthorized, "{case}: {}", reply.body);
    assert_eq!(
        reply.content_type.as_deref(),
        Some("application/problem+json"),
        "{case}"
    );
    assert_eq!(reply.json()["status"], 401, "{case}");
}

#[test]
fn a_valid_token_is_accepted() {
    let app = TestApp::new();
    let reply = app.send(
        "GET",
        PROTECTED,
        Some(&signed_by_app(&app, &valid_claims(&app))),
        None,
    );
    assert_eq!(reply.status, Status::Ok, "{}", reply.body);
}

#[test]
fn requests_without_a_usable_token_are_unauthorized() {
    let app = TestApp::new();
    assert_unauthorized(&app, None, "no token");
    assert_unauthorized(&app, Some(""), "empty token");
    assert_unauthorized(&app, Some("not-a-jwt"), "malformed");
    assert_unauthorized(&app, Some("a.b.c"), "garbage segments");
    let reply = app
        .client
        .get(PROTECTED)
        .header(rocket::http::Header::new(
            "Authorization",
            "Basic dXNlcjpwdw==",
        ))
        .dispatch();
    assert_eq!(reply.status(), Status::Unauthorized, "basic auth");
}

#[test]
fn a_token_signed_by_another_key_is_unauthorized() {
    let app = TestApp::new();
    let stranger = SigningKey::from_bytes(&[7; 32]);
    let token = sign_eddsa(&stranger, app.keys.signing_kid(), &valid_claims(&app));
    assert_unauthorized(&app, Some(&token), "wrong signature");
}

#[test]
fn a_token_with_an_unknown_kid_is_unauthorized() {
    let app = TestApp::new();
    let token = sign_eddsa(
        &app_signing_key(&app),
        "0000000000000000",
        &valid_claims(&app),
    );
    assert_unauthorized(&app, Some(&token), "unknown kid");
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = None;
    let pem = app_signing_key(&app).to_pkcs8_pem(LineEnding::LF).unwrap();
    let no_kid = jsonwebtoken::encode(
        &header,
        &valid_claims(&app),
        &EncodingKey::from_ed_pem(pem.as_bytes()).unwrap(),
    )
    .unwrap();
    assert_unauthorized(&app, Some(&no_kid), "no kid");
}

#[test]
fn an_unsigned_alg_none_token_is_unauthorized() {
    let app = TestApp::new();
    let header = json!({"alg": "none", "typ": "JWT", "kid": app.keys.signing_kid()});
    let token = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(valid_claims(&app).to_string())
    );
    assert_unauthorized(&app, Some(&token), "alg none");
}

#[test]
fn an_hs256_token_keyed_with_the_public_key_is_unauthorized() {
    let app = TestApp::new();
    let public_pem = app_signing_key(&app)
        .verifying_key()
        .to_public_key_pem(LineEnding::LF)
        .unwrap();
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(app.keys.signing_kid().to_owned());
    let token = jsonwebtoken::encode(
        &header,
        &valid_claims(&app),
        &EncodingKey::from_secret(public_pem.as_bytes()),
    )
    .unwrap();
    assert_unauthorized(&app, Some(&token), "HS256 with the public key");
}

#[test]
fn tokens_with_bad_claims_are_unauthorized() {
    let app = TestApp::new();
    let now = Utc::now().timestamp();
    let cases: Vec<(&str, ClaimChange)> = vec![
        ("expired", Box::new(move |c| c["exp"] = json!(now - 3600))),
        (
            "not yet valid",
            Box::new(move |c| c["nbf"] = json!(now + 3600)),
        ),
        (
            "wrong issuer",
            Box::new(|c| c["iss"] = json!("someone-else")),
        ),
        (
            "wrong audience",
            Box::new(|c| c["aud"] = json!("another-api")),
        ),
        ("unknown role", Box::new(|c| c["role"] = json!("mayor"))),
        (
            "agency without org",
            Box::new(|c| c["role"] = json!("agency")),
        ),
        (
            "agency with a bad org",
            Box::new(|c| {
                c["role"] = json!("agency");
                c["org"] = json!("12-34");
            }),
        ),
    ];
    for (case, change) in cases {
        let mut claims = valid_claims(&app);
        change(&mut claims);
        assert_unauthorized(&app, Some(&signed_by_app(&app, &claims)), case);
    }
    for missing in ["sub", "role", "org", "exp", "nbf", "iss", "aud", "jti"] {
        let mut claims = valid_claims(&app);
        claims.as_object_mut().unwrap().remove(missing);
        assert_unauthorized(
            &app,
            Some(&signed_by_app(&app, &claims)),
            &format!("no {missing}"),
        );
    }
}

#[test]
fn a_revoked_token_is_unauthorized() {
    let app = TestApp::new();
    let claims = valid_claims(&app);
    let token = signed_by_app(&app, &claims);
    assert_eq!(
        app.send("GET", PROTECTED, Some(&token), None).status,
        Status::Ok
    );
    let mut conn = app.db();
    let jti = claims["jti"].as_str().unwrap();
    assert!(woonregister::db::revoked_tokens::revoke(&mut conn, jti, Some("test")).unwrap());
    assert!(!woonregister::db::revoked_tokens::revoke(&mut conn, jti, None).unwrap());
    assert_unauthorized(&app, Some(&token), "revoked");
}

#[test]
fn a_token_revoked_in_this_process_is_refused_at_once_after_being_used() {
    let app = TestApp::new();
    let claims = valid_claims(&app);
    let token = signed_by_app(&app, &claims);
    // Used twice, so that its verification is remembered.
    for _ in 0..2 {
        assert_eq!(
            app.send("GET", PROTECTED, Some(&token), None).status,
            Status::Ok
        );
    }
    let jti = claims["jti"].as_str().unwrap();
    assert!(woonregister::db::revoked_tokens::revoke(&mut app.db(), jti, None).unwrap());
    assert_unauthorized(&app, Some(&token), "revoked here, at once");
    let other = signed_by_app(&app, &valid_claims(&app));
    assert_eq!(
        app.send("GET", PROTECTED, Some(&other), None).status,
        Status::Ok,
        "another token still opens the API"
    );
}

#[test]
fn a_token_revoked_by_another_process_is_refused_within_the_reload_interval() {
    use diesel::RunQueryDsl as _;
    use woonregister::auth::revocations::REFRESH_INTERVAL;

    let app = TestApp::new();
    let claims = valid_claims(&app);
    let token = signed_by_app(&app, &claims);
    assert_eq!(
        app.send("GET", PROTECTED, Some(&token), None).status,
        Status::Ok
    );
    // Written straight into the table, as the `token revoke` command of
    // another process does: this process is not told.
    diesel::sql_query(format!(
        "INSERT INTO revoked_tokens (jti, revoked_at, reason) VALUES ('{}', CURRENT_TIMESTAMP, NULL)",
        claims["jti"].as_str().unwrap()
    ))
    .execute(&mut app.db())
    .unwrap();
    let inserted = std::time::Instant::now();
    let bound = REFRESH_INTERVAL * 2 + std::time::Duration::from_secs(2);
    let refused_after = loop {
        if app.send("GET", PROTECTED, Some(&token), None).status == Status::Unauthorized {
            break inserted.elapsed();
        }
        assert!(
            inserted.elapsed() < bound,
            "still accepted {bound:?} after its revocation"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_unauthorized(&app, Some(&token), "revoked by another process");
    assert!(refused_after < bound);
}

#[test]
fn a_token_verified_by_a_configured_older_key_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let old_key = SigningKey::from_bytes(&[42; 32]);
    let public_path = dir.path().join("old.pub.pem");
    std::fs::write(
        &public_path,
        old_key
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap(),
    )
    .unwrap();
    let app = TestApp::with(|figment| {
        figment.merge((
            "auth.verification_keys",
            vec![json!({"kid": "old-key", "public_key_file": public_path})],
        ))
    });
    let token = sign_eddsa(&old_key, "old-key", &valid_claims(&app));
    assert_eq!(
        app.send("GET", PROTECTED, Some(&token), None).status,
        Status::Ok
    );
}

#[test]
fn the_wrong_role_is_forbidden_not_unauthorized() {
    let app = TestApp::new();
    let reply = app.post(
        "/api/v1/organisations",
        &app.token(Role::Inspector),
        &crate::support::organisation_body("12345678"),
    );
    assert_eq!(reply.status, Status::Forbidden);
    assert_eq!(
        reply.content_type.as_deref(),
        Some("application/problem+json")
    );
    assert!(
        reply.json()["detail"]
            .as_str()
            .unwrap()
            .contains("inspector")
    );
}
