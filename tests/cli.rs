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

/// Starts the binary on `db` and answers its port (from the URL line).
fn spawn_on(db: &std::path::Path) -> (std::process::Child, u16) {
    let mut child = Command::new(BIN)
        .args(["--port", "0", "--log-level", "error", "--db"])
        .arg(db)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn cognito-emu");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).expect("read the URL line");
    let port = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .and_then(|url| url.rsplit(':').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"));
    (child, port)
}

/// POSTs an action; the status and body, or None when the connection failed.
fn call(port: u16, action: &str, body: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(
        s,
        "POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Content-Type: application/x-amz-json-1.1\r\n\
         X-Amz-Target: AWSCognitoIdentityProviderService.{action}\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    let status = out.get(9..12)?.parse().ok()?;
    let body = out.split_once("\r\n\r\n")?.1.to_string();
    Some((status, body))
}

/// kill -9 while writers run, restart on the same file: every write the emulator answered 200
/// is there. `COGNITO_EMU_DURABILITY_ROUNDS` runs more rounds (default 2).
#[test]
fn acknowledged_writes_survive_kill_9() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let rounds: usize = std::env::var("COGNITO_EMU_DURABILITY_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2);
    let dir = std::env::temp_dir().join(format!("cognito-emu-kill9-{}", std::process::id()));
    let db = dir.join("db.sqlite");
    let (mut child, mut port) = spawn_on(&db);
    let (status, body) = call(port, "CreateUserPool", r#"{"PoolName": "durable"}"#).unwrap();
    assert_eq!(status, 200, "{body}");
    let pool: serde_json::Value = serde_json::from_str(&body).unwrap();
    let pool_id = pool["UserPool"]["Id"].as_str().unwrap().to_string();
    let mut acknowledged: Vec<String> = Vec::new();
    for round in 0..rounds {
        let stop = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let (stop, pool_id) = (stop.clone(), pool_id.clone());
                std::thread::spawn(move || {
                    let mut done = Vec::new();
                    for i in 0.. {
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        let name = format!("r{round}w{w}n{i}");
                        let body = format!(
                            r#"{{"UserPoolId": "{pool_id}", "Username": "{name}", "MessageAction": "SUPPRESS"}}"#
                        );
                        match call(port, "AdminCreateUser", &body) {
                            Some((200, _)) => done.push(name),
                            Some(_) => {}
                            None => break, // the emulator was killed
                        }
                    }
                    done
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(1500));
        child.kill().expect("kill -9");
        let _ = child.wait();
        stop.store(true, Ordering::Relaxed);
        let before = acknowledged.len();
        for w in writers {
            acknowledged.extend(w.join().unwrap());
        }
        assert!(
            acknowledged.len() > before,
            "round {round}: no write answered"
        );
        (child, port) = spawn_on(&db);
        let missing: Vec<&String> = acknowledged
            .iter()
            .filter(|name| {
                let body = format!(r#"{{"UserPoolId": "{pool_id}", "Username": "{name}"}}"#);
                !matches!(call(port, "AdminGetUser", &body), Some((200, _)))
            })
            .collect();
        assert!(
            missing.is_empty(),
            "round {round}: {} of {} acknowledged users missing after kill -9: {:?}",
            missing.len(),
            acknowledged.len(),
            &missing[..missing.len().min(5)]
        );
        println!(
            "kill -9 round {round}: all {} acknowledged users present after restart",
            acknowledged.len()
        );
    }
    child.kill().ok();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
