//! E-mail receipts: written to the outbox with the filing, delivered over a
//! real SMTP conversation (or into `.eml` files), retried with a growing
//! wait while the server is down, and never lost.

use std::time::Duration;

use chrono::TimeDelta;
use diesel::RunQueryDsl as _;
use serde_json::json;
use woonregister::config::{AppConfig, MailTransportKind};
use woonregister::db::outbox;
use woonregister::mail::{self, DeliveryReport, Outgoing};

use crate::smtp::SmtpServer;
use crate::support::{TestApp, address_body, declaration_body, organisation_body};

/// An app with one filed declaration whose receipt waits in the outbox.
fn app_with_receipt() -> TestApp {
    let app = TestApp::new();
    app.create_address(&address_body(1));
    let mut agency = organisation_body("11111111");
    agency["contactEmail"] = json!("planning@agency.example");
    app.create_organisation(&agency);
    let reply = app.post(
        "/api/v1/declarations",
        &app.agency_token("11111111"),
        &declaration_body(1, None),
    );
    assert_eq!(
        reply.status,
        rocket::http::Status::Created,
        "{}",
        reply.body
    );
    app
}

fn smtp_config(app: &TestApp, port: u16) -> AppConfig {
    let mut config = app.config.clone();
    config.smtp.transport = MailTransportKind::Smtp;
    "127.0.0.1".clone_into(&mut config.smtp.host);
    config.smtp.port = port;
    "woonregister@vlaardingen.example".clone_into(&mut config.smtp.from);
    config.smtp.retry_base_seconds = 60;
    config.smtp.poll_interval_seconds = 1;
    config
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn a_filing_queues_one_receipt_without_the_bsn() {
    let app = app_with_receipt();
    let queued = outbox::all(&mut app.db()).unwrap();
    assert_eq!(queued.len(), 1);
    let receipt = &queued[0];
    assert_eq!(receipt.recipient, "planning@agency.example");
    assert!(
        receipt
            .subject
            .starts_with("Ontvangstbevestiging huisvestingsmelding")
    );
    assert!(receipt.body.contains("3131AB 1"));
    assert!(!receipt.body.contains("123456782"));
    assert_eq!(receipt.sent_at, None);
}

#[test]
fn an_agency_without_a_contact_address_gets_no_mail() {
    let app = TestApp::new();
    app.create_address(&address_body(1));
    let reply = app.post(
        "/api/v1/declarations",
        &app.agency_token("11111111"),
        &declaration_body(1, None),
    );
    assert_eq!(
        reply.status,
        rocket::http::Status::Created,
        "{}",
        reply.body
    );
    assert!(outbox::all(&mut app.db()).unwrap().is_empty());
}

#[test]
fn the_receipt_is_delivered_over_smtp() {
    let app = app_with_receipt();
    let server = SmtpServer::start();
    let outgoing = Outgoing::from_config(&smtp_config(&app, server.port)).unwrap();
    let report = mail::deliver_due(&mut app.db(), &outgoing, woonregister::db::now()).unwrap();
    assert_eq!(report, DeliveryReport { sent: 1, failed: 0 });
    let received = server.messages();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].from, "<woonregister@vlaardingen.example>");
    assert_eq!(received[0].to, ["<planning@agency.example>"]);
    assert!(
        received[0]
            .data
            .contains("Subject: Ontvangstbevestiging huisvestingsmelding")
    );
    assert!(received[0].data.contains("3131AB 1"));
    assert!(!received[0].data.contains("123456782"));
    let stored = &outbox::all(&mut app.db()).unwrap()[0];
    assert!(stored.sent_at.is_some());
    let again = mail::deliver_due(&mut app.db(), &outgoing, woonregister::db::now()).unwrap();
    assert_eq!(again, DeliveryReport::default(), "sent once only");
}

#[test]
fn mail_waits_while_the_server_is_down_and_goes_out_once_it_is_back() {
    let app = app_with_receipt();
    let port = free_port();
    let outgoing = Outgoing::from_config(&smtp_config(&app, port)).unwrap();
    let now = woonregister::db::now();
    let down = mail::deliver_due(&mut app.db(), &outgoing, now).unwrap();
    assert_eq!(down, DeliveryReport { sent: 0, failed: 1 });
    let waiting = &outbox::all(&mut app.db()).unwrap()[0];
    assert_eq!(waiting.attempts, 1);
    assert_eq!(waiting.next_attempt_at, now + TimeDelta::seconds(60));
    assert!(waiting.last_error.is_some());

    let second = mail::deliver_due(&mut app.db(), &outgoing, now + TimeDelta::seconds(61)).unwrap();
    assert_eq!(second.failed, 1);
    let waiting = &outbox::all(&mut app.db()).unwrap()[0];
    assert_eq!(waiting.attempts, 2);
    assert_eq!(
        waiting.next_attempt_at,
        now + TimeDelta::seconds(61 + 120),
        "the wait doubles"
    );

    let server = SmtpServer::start_on(port);
    let too_early =
        mail::deliver_due(&mut app.db(), &outgoing, now + TimeDelta::seconds(100)).unwrap();
    assert_eq!(too_early, DeliveryReport::default());
    let back = mail::deliver_due(&mut app.db(), &outgoing, now + TimeDelta::seconds(200)).unwrap();
    assert_eq!(back, DeliveryReport { sent: 1, failed: 0 });
    assert_eq!(server.messages().len(), 1);
}

#[test]
fn the_worker_sends_due_mail_by_itself() {
    let app = app_with_receipt();
    let server = SmtpServer::start();
    let outgoing = Outgoing::from_config(&smtp_config(&app, server.port)).unwrap();
    let pool = woonregister::db::open_pool(&app.config.database_url, 2).unwrap();
    rocket::execute(async move {
        mail::spawn_worker(pool, outgoing);
        for _ in 0..50 {
            if !server.messages().is_empty() {
                return;
            }
            rocket::tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the worker sent nothing within 5 s");
    });
}

#[test]
fn the_file_transport_writes_an_eml_file() {
    let app = app_with_receipt();
    let outgoing = Outgoing::from_config(&app.config).unwrap();
    let report = mail::deliver_due(&mut app.db(), &outgoing, woonregister::db::now()).unwrap();
    assert_eq!(report.sent, 1);
    let dir = app.config.data_dir.join("mail");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].extension().and_then(|e| e.to_str()), Some("eml"));
    let content = std::fs::read_to_string(&files[0]).unwrap();
    assert!(content.contains("To: planning@agency.example"));
}

/// Holds a write lock on the outbox for `hold` on a connection of its own; returns once the lock is taken. On SQLite that
/// is the database's write lock, on PostgreSQL the row's.
fn lock_outbox_for(database_url: &str, is_postgres: bool, hold: Duration) {
    let mut conn = woonregister::db::connect(database_url).unwrap();
    let (locked, is_locked) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let begin = if is_postgres {
            "BEGIN"
        } else {
            "BEGIN IMMEDIATE"
        };
        diesel::sql_query(begin).execute(&mut conn).unwrap();
        if is_postgres {
            diesel::sql_query("SELECT id FROM outbox FOR UPDATE")
                .execute(&mut conn)
                .unwrap();
        }
        locked.send(()).unwrap();
        std::thread::sleep(hold);
        diesel::sql_query("COMMIT").execute(&mut conn).unwrap();
    });
    is_locked.recv_timeout(Duration::from_secs(10)).unwrap();
}

#[test]
fn a_receipt_is_sent_exactly_once_with_a_stable_message_id_while_the_database_is_locked() {
    let app = app_with_receipt();
    let (database_url, is_postgres) = (app.config.database_url.clone(), app.is_postgres());
    let server = SmtpServer::start_with(
        0,
        std::sync::Arc::new(move || {
            lock_outbox_for(&database_url, is_postgres, Duration::from_millis(700));
        }),
    );
    let outgoing = Outgoing::from_config(&smtp_config(&app, server.port)).unwrap();
    let mut conn = app.db();
    // Give up waiting for a lock quickly, so that the lock above makes
    // recording the delivery fail rather than wait.
    let impatient = if app.is_postgres() {
        "SET lock_timeout = '100ms'"
    } else {
        "PRAGMA busy_timeout = 100"
    };
    diesel::sql_query(impatient).execute(&mut conn).unwrap();

    let report = mail::deliver_due(&mut conn, &outgoing, woonregister::db::now()).unwrap();
    let again = mail::deliver_due(&mut conn, &outgoing, woonregister::db::now()).unwrap();

    assert_eq!(report, DeliveryReport { sent: 1, failed: 0 });
    assert_eq!(again, DeliveryReport::default());
    let received = server.messages();
    assert_eq!(received.len(), 1, "exactly one message arrives");
    let stored = &outbox::all(&mut app.db()).unwrap()[0];
    assert!(stored.sent_at.is_some());
    let expected = mail::message_id(&outgoing.from, stored);
    assert!(
        expected.starts_with(&format!("<outbox-{}-", stored.id))
            && expected.ends_with("@vlaardingen.example>"),
        "{expected}"
    );
    assert!(
        received[0]
            .data
            .lines()
            .any(|line| line == format!("Message-ID: {expected}")),
        "{}",
        received[0].data
    );
}

#[test]
fn the_message_id_is_the_same_on_every_attempt_and_differs_per_message() {
    let app = app_with_receipt();
    let outgoing = Outgoing::from_config(&smtp_config(&app, 25)).unwrap();
    let stored = outbox::all(&mut app.db()).unwrap().remove(0);
    let first = mail::message_id(&outgoing.from, &stored);
    let reread = outbox::all(&mut app.db()).unwrap().remove(0);
    assert_eq!(mail::message_id(&outgoing.from, &reread), first);
    let mut other = stored.clone();
    other.id += 1;
    assert_ne!(mail::message_id(&outgoing.from, &other), first);
}
