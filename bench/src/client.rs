//! One keep-alive HTTP/1.1 connection per worker (hyper 1 client), sending raw AWS JSON 1.1
//! requests: the lightest client we can put in front of a server on the same machine.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use serde_json::Value;

/// Where requests go: host:port and the path prefix of the target URL.
#[derive(Debug, Clone)]
pub struct Target {
    pub authority: String,
}

impl Target {
    /// Accepts `http://host:port` (plain HTTP on loopback only: the bench never leaves it).
    pub fn parse(url: &str) -> Result<Target, String> {
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| format!("target must be http://host:port, got {url}"))?;
        let authority = rest.trim_end_matches('/').to_string();
        let host = authority
            .rsplit_once(':')
            .map_or(authority.as_str(), |(h, _)| h);
        if !matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
            return Err(format!("target host must be loopback, got {host}"));
        }
        Ok(Target { authority })
    }
}

/// An answer: status and body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Bytes,
}

impl Answer {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// A short description for error reports: status, `__type`/`error` and message.
    pub fn describe(&self) -> String {
        let v = self.json();
        let kind = v
            .get("__type")
            .or_else(|| v.get("error"))
            .or_else(|| v.get("code"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let msg = v
            .get("message")
            .or_else(|| v.get("Message"))
            .or_else(|| v.get("error_description"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| {
                if v.is_null() {
                    // HTML or text: the server has no such route (moto answers 500 with a page).
                    "no such route (non-JSON answer)".into()
                } else {
                    v.to_string().chars().take(160).collect()
                }
            });
        let msg = msg.split_whitespace().collect::<Vec<_>>().join(" ");
        format!("{} {kind}: {msg}", self.status)
    }
}

/// One connection; reconnects when the server closed it.
pub struct Conn {
    target: Target,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Conn {
    pub fn new(target: &Target) -> Conn {
        Conn {
            target: target.clone(),
            sender: None,
        }
    }

    async fn connect(&mut self) -> Result<&mut SendRequest<Full<Bytes>>, String> {
        if self.sender.as_ref().is_none_or(|s| s.is_closed()) {
            let stream = tokio::net::TcpStream::connect(&self.target.authority)
                .await
                .map_err(|e| format!("connect: {e}"))?;
            let _ = stream.set_nodelay(true);
            let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .map_err(|e| format!("handshake: {e}"))?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            self.sender = Some(sender);
        }
        self.sender.as_mut().ok_or_else(|| "no connection".into())
    }

    /// Sends one request; a transport failure drops the connection (the next call reconnects).
    /// A request the connection never sent (the server had closed it, as HTTP/1.0 servers do
    /// after every answer) is retried once on a new connection.
    pub async fn send(
        &mut self,
        path: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Result<Answer, String> {
        let mut req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header("host", self.target.authority.as_str());
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let mut req = req
            .body(Full::new(body))
            .map_err(|e| format!("request: {e}"))?;
        let mut retried = false;
        let result = loop {
            let sender = self.connect().await?;
            if sender.ready().await.is_err() {
                self.sender = None;
                if retried {
                    break Err("connection closed".to_string());
                }
                retried = true;
                continue;
            }
            match sender.try_send_request(req).await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    break resp
                        .into_body()
                        .collect()
                        .await
                        .map(|b| Answer {
                            status,
                            body: b.to_bytes(),
                        })
                        .map_err(|e| format!("body: {e}"));
                }
                Err(mut e) => match e.take_message() {
                    Some(unsent) if !retried => {
                        self.sender = None;
                        retried = true;
                        req = unsent;
                    }
                    _ => break Err(format!("send: {}", e.error())),
                },
            }
        };
        if result.is_err() {
            self.sender = None;
        }
        result
    }

    /// An AWS JSON 1.1 call to the user-pool service (`action` without the service prefix).
    pub async fn idp(&mut self, action: &str, body: &Value) -> Result<Answer, String> {
        let target = format!("AWSCognitoIdentityProviderService.{action}");
        let bytes = Bytes::from(serde_json::to_vec(body).map_err(|e| e.to_string())?);
        self.send(
            "/",
            &[
                ("content-type", "application/x-amz-json-1.1"),
                ("x-amz-target", &target),
            ],
            bytes,
        )
        .await
    }

    /// Like [`Conn::idp`], but a non-2xx answer is an error carrying its description.
    pub async fn idp_ok(&mut self, action: &str, body: &Value) -> Result<Value, String> {
        let a = self.idp(action, body).await?;
        if a.ok() {
            Ok(a.json())
        } else {
            Err(format!("{action}: {}", a.describe()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_targets_are_accepted() {
        assert_eq!(
            Target::parse("http://127.0.0.1:9229/").unwrap().authority,
            "127.0.0.1:9229"
        );
        assert!(Target::parse("http://localhost:1").is_ok());
        assert!(Target::parse("http://10.0.0.1:9229").is_err());
        assert!(Target::parse("https://127.0.0.1:9229").is_err());
    }

    #[test]
    fn describe_names_the_error_type() {
        let a = Answer {
            status: 400,
            body: Bytes::from_static(br#"{"__type":"NotImplementedException","message":"nope"}"#),
        };
        assert_eq!(a.describe(), "400 NotImplementedException: nope");
    }
}
