//! A small SMTP server on 127.0.0.1 for the e-mail tests: it speaks enough
//! of RFC 5321 for a real client conversation and keeps what it receives.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

/// One received message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

/// A running server; it stops when dropped.
pub struct SmtpServer {
    pub port: u16,
    pub received: Arc<Mutex<Vec<Received>>>,
    listener: Option<TcpListener>,
}

impl SmtpServer {
    /// Starts a server on a free loopback port.
    pub fn start() -> Self {
        Self::start_on(0)
    }

    /// Starts a server on `port` (0: any free one).
    pub fn start_on(port: u16) -> Self {
        Self::start_with(port, Arc::new(|| {}))
    }

    /// Starts a server on `port` that runs `before_accepting` after it has
    /// read each message and before it answers that it took it.
    pub fn start_with(port: u16, before_accepting: Arc<dyn Fn() + Send + Sync>) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind SMTP test server");
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let accepting = listener.try_clone().unwrap();
        let store = received.clone();
        thread::spawn(move || {
            for stream in accepting.incoming() {
                let Ok(stream) = stream else { break };
                let store = store.clone();
                let before_accepting = before_accepting.clone();
                thread::spawn(move || {
                    let _ = converse(stream, &store, before_accepting.as_ref());
                });
            }
        });
        Self {
            port,
            received,
            listener: Some(listener),
        }
    }

    /// The messages received so far.
    pub fn messages(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        // Unblock the accept loop so the port is free again.
        if let Some(listener) = self.listener.take() {
            drop(listener);
            let _ = TcpStream::connect(("127.0.0.1", self.port));
        }
    }
}

fn converse(
    stream: TcpStream,
    store: &Mutex<Vec<Received>>,
    before_accepting: &(dyn Fn() + Send + Sync),
) -> std::io::Result<()> {
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    writer.write_all(b"220 localhost test SMTP\r\n")?;
    let mut from = String::new();
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let upper = command.to_ascii_uppercase();
        if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            writer.write_all(b"250-localhost\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")?;
        } else if upper.starts_with("MAIL FROM:") {
            command[10..].trim().clone_into(&mut from);
            to.clear();
            writer.write_all(b"250 OK\r\n")?;
        } else if upper.starts_with("RCPT TO:") {
            to.push(command[8..].trim().to_owned());
            writer.write_all(b"250 OK\r\n")?;
        } else if upper == "DATA" {
            writer.write_all(b"354 end with <CRLF>.<CRLF>\r\n")?;
            let mut data = String::new();
            loop {
                line.clear();
                if reader.read_line(&mut line)? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" {
                    break;
                }
                data.push_str(&line);
            }
            store.lock().unwrap().push(Received {
                from: from.clone(),
                to: to.clone(),
                data,
            });
            before_accepting();
            writer.write_all(b"250 OK queued\r\n")?;
        } else if upper == "QUIT" {
            writer.write_all(b"221 bye\r\n")?;
            return Ok(());
        } else if upper == "RSET" || upper == "NOOP" {
            writer.write_all(b"250 OK\r\n")?;
        } else {
            writer.write_all(b"502 not implemented\r\n")?;
        }
    }
}
