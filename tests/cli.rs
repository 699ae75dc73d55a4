//! The `cognito-emu` binary as a user runs it: the URL line, `/health`, the `healthcheck`
//! subcommand, and a clean exit on SIGTERM. (One integration binary: each costs link time.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test: failing loudly is the point

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_cognito-emu");

fn http_get(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn serves_answers_health_and_stops_cleanly_on_sigterm() {
    let started = Instant::now();
    let mut child = Command::new(BIN)
        .args(["--port", "0", "--in-memory", "--log-level", "warn"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn cognito-emu");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).expect("read the URL line");
    // "cognito-emu listening on http://127.0.0.1:<port> (data: in memory)"
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in the first line: {line:?}"));
    let port: u16 = url
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {url}"));
    assert_ne!(port, 0);
    assert!(line.contains("in memory"), "{line}");

    let health = http_get(port, "/health");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.contains(r#""status":"ok""#), "{health}");
    println!(
        "cli: first answer {:.0} ms after spawn",
        started.elapsed().as_secs_f64() * 1000.0
    );

    let check = Command::new(BIN)
        .args(["healthcheck", "--port", &port.to_string()])
        .status()
        .expect("run healthcheck");
    assert!(
        check.success(),
        "healthcheck against a live server: {check}"
    );

    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill -TERM");
    assert!(term.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "no exit within 10 s of SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "exit after SIGTERM: {status}");

    // Nothing listens any more: the healthcheck says so with a failing exit code.
    let check = Command::new(BIN)
        .args(["healthcheck", "--port", &port.to_string()])
        .status()
        .expect("run healthcheck");
    assert!(
        !check.success(),
        "healthcheck with nothing listening must fail"
    );
}

#[test]
fn help_documents_every_flag() {
    let out = Command::new(BIN).arg("--help").output().expect("--help");
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--host",
        "--port",
        "--db",
        "--in-memory",
        "--region",
        "--log-level",
        "COGNITO_EMU_PORT",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}:\n{help}");
    }
}
