//! Relay of email messages to an SMTP server (e.g. Mailpit at smtp://localhost:1025), in the
//! background so the API call never waits for or fails on it. Plain SMTP only (no TLS):
//! it is meant for a local mail catcher.

use super::Message;
use crate::tasks::Tasks;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

/// The sender Cognito uses when a pool has no email configuration of its own.
const DEFAULT_FROM: &str = "no-reply@verificationemail.com";

/// Sends `msg` to the SMTP server at `url` in a background task; failures are logged. At
/// shutdown a delivery under way gets the drain bound to finish.
pub fn relay(tasks: &Tasks, url: String, msg: Message) {
    tasks.spawn("smtp relay", async move {
        if let Err(e) = deliver(&url, &msg).await {
            tracing::warn!(smtp = %url, kind = %msg.kind, "SMTP relay failed: {e}");
        }
    });
}

/// (host, port, optional (user, password)).
type SmtpTarget = (String, u16, Option<(String, String)>);

/// `smtp://[user:password@]host[:port]` → (host, port (default 25), credentials).
fn parse_url(url: &str) -> Result<SmtpTarget, String> {
    let rest = url
        .strip_prefix("smtp://")
        .ok_or_else(|| format!("SMTP URL must start with smtp:// (TLS is not supported): {url}"))?;
    let rest = rest.trim_end_matches('/');
    let (credentials, hostport) = match rest.rsplit_once('@') {
        Some((cred, hp)) => {
            let (user, pass) = cred.split_once(':').unwrap_or((cred, ""));
            (Some((user.to_string(), pass.to_string())), hp)
        }
        None => (None, rest),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (
            h,
            p.parse::<u16>()
                .map_err(|_| format!("bad port in SMTP URL: {p}"))?,
        ),
        None => (hostport, 25),
    };
    if host.is_empty() {
        return Err(format!("no host in SMTP URL: {url}"));
    }
    Ok((host.to_string(), port, credentials))
}

/// Delivers one message now.
pub async fn deliver(url: &str, msg: &Message) -> Result<(), String> {
    let (host, port, credentials) = parse_url(url)?;
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host).port(port);
    if let Some((user, pass)) = credentials {
        builder = builder.credentials(Credentials::new(user, pass));
    }
    let transport = builder.build();
    let email = lettre::Message::builder()
        .from(DEFAULT_FROM.parse().map_err(|e| format!("{e}"))?)
        .to(msg
            .to
            .parse()
            .map_err(|e| format!("bad recipient {}: {e}", msg.to))?)
        .subject(msg.subject.clone().unwrap_or_default())
        .header(ContentType::TEXT_PLAIN)
        .body(msg.body.clone())
        .map_err(|e| e.to_string())?;
    transport.send(email).await.map_err(|e| e.to_string())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::Medium;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    /// A one-connection SMTP server answering what lettre sends; returns the DATA it got.
    async fn fake_smtp() -> (String, tokio::task::JoinHandle<String>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("smtp://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let (sock, _) = listener.accept().await.unwrap();
            let (r, mut w) = sock.into_split();
            let mut lines = BufReader::new(r).lines();
            w.write_all(b"220 fake ESMTP\r\n").await.unwrap();
            let mut data = String::new();
            let mut in_data = false;
            while let Ok(Some(line)) = lines.next_line().await {
                if in_data {
                    if line == "." {
                        in_data = false;
                        w.write_all(b"250 queued\r\n").await.unwrap();
                    } else {
                        data.push_str(&line);
                        data.push('\n');
                    }
                    continue;
                }
                let cmd = line.to_ascii_uppercase();
                if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                    w.write_all(b"250 fake\r\n").await.unwrap();
                } else if cmd.starts_with("DATA") {
                    in_data = true;
                    w.write_all(b"354 go\r\n").await.unwrap();
                } else if cmd.starts_with("QUIT") {
                    w.write_all(b"221 bye\r\n").await.unwrap();
                    break;
                } else {
                    w.write_all(b"250 ok\r\n").await.unwrap();
                }
            }
            data
        });
        (url, task)
    }

    #[tokio::test]
    async fn delivers_to_an_smtp_server() {
        let (url, server) = fake_smtp().await;
        let msg = Message {
            pool_id: "p".into(),
            username: "u".into(),
            to: "alice@example.com".into(),
            medium: Medium::Email,
            kind: "sign_up".into(),
            subject: Some("Your verification code".into()),
            body: "Your verification code is 123456. ".into(),
            code: Some("123456".into()),
        };
        deliver(&url, &msg).await.unwrap();
        let data = server.await.unwrap();
        assert!(data.contains("Subject: Your verification code"), "{data}");
        assert!(data.contains("To: alice@example.com"), "{data}");
        assert!(data.contains("123456"), "{data}");
        assert_eq!(
            parse_url("smtp://u:p@mail:2525").unwrap(),
            (
                "mail".to_string(),
                2525,
                Some(("u".to_string(), "p".to_string()))
            )
        );
        assert_eq!(parse_url("smtp://localhost").unwrap().1, 25);
        assert!(parse_url("smtps://x").is_err());
        // An unreachable server is an error for the caller to log, not a panic.
        assert!(deliver("smtp://127.0.0.1:1", &msg).await.is_err());
    }
}
