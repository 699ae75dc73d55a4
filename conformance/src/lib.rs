//! Harness of the conformance suite: the same cases against any target, through the official
//! AWS SDK for Rust.
//!
//! The target comes from the environment, once per test binary:
//! - default: a cognito-emu started in-process on a free port (in memory);
//! - `COGNITO_EMU_ENDPOINT=http://host:port`: any running emulator (e.g. the Docker image);
//! - `CONFORMANCE_TARGET=aws` (build with `--features aws`) plus AWS credentials and region in
//!   the environment: real Cognito. Cases create uniquely-named pools and delete them after.
//!
//! Every case starts with [`Harness::both`] (holds on emulator and AWS) or
//! [`Harness::emulator_only`] (skipped with a printed note on AWS), so the marking is explicit.
//!
//! This crate is test code: a fixture that cannot be built (a pool not created, the emulator
//! not started) fails the case that asked for it, so panicking on it is the intended outcome.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test harness: a fixture that fails must fail the case"
)]

pub use aws_sdk_cognitoidentity as identity;
pub use aws_sdk_cognitoidentityprovider as idp;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::HeaderMap;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::sync::{Mutex, OnceLock};

/// Region the emulator targets are addressed with (it is also the one their SigV4 scope names).
pub const EMULATOR_REGION: &str = "us-east-1";

/// Where the cases run.
#[derive(Debug, Clone)]
pub enum Target {
    /// A cognito-emu at `url` (in-process or `COGNITO_EMU_ENDPOINT`).
    Emulator { url: String },
    /// Real Cognito (explicit opt-in with `CONFORMANCE_TARGET=aws`).
    Aws { region: String },
}

static TARGET: OnceLock<Target> = OnceLock::new();

/// The target of this test binary, chosen (and for the default, started) on first use.
pub fn target() -> &'static Target {
    TARGET.get_or_init(|| {
        let wanted = std::env::var("CONFORMANCE_TARGET").unwrap_or_default();
        match wanted.as_str() {
            "aws" => {
                let region = std::env::var("AWS_REGION")
                    .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
                    .unwrap_or_else(|_| {
                        panic!("CONFORMANCE_TARGET=aws needs AWS_REGION (or AWS_DEFAULT_REGION)")
                    });
                for var in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] {
                    if std::env::var(var).is_err() {
                        panic!("CONFORMANCE_TARGET=aws needs {var} in the environment");
                    }
                }
                Target::Aws { region }
            }
            "" | "emulator" => match std::env::var("COGNITO_EMU_ENDPOINT") {
                Ok(url) if !url.is_empty() => Target::Emulator {
                    url: url.trim_end_matches('/').to_string(),
                },
                _ => Target::Emulator {
                    url: start_in_process(),
                },
            },
            other => panic!("CONFORMANCE_TARGET={other}: expected `aws` or `emulator`"),
        }
    })
}

/// Starts cognito-emu on a free port on a thread of its own with its own runtime: every
/// `#[tokio::test]` has its own runtime, and the server must outlive each of them.
fn start_in_process() -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("cognito-emu".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("emulator runtime");
            runtime.block_on(async move {
                let running = cognito_emu::start(cognito_emu::config::Config::for_tests())
                    .await
                    .expect("start the in-process emulator");
                tx.send(running.url.clone()).expect("send the emulator URL");
                // Dropping `running` would stop the server: hold it for the whole process.
                std::future::pending::<()>().await;
                drop(running);
            });
        })
        .expect("spawn the emulator thread");
    rx.recv().expect("the in-process emulator did not start")
}

/// Prints a note past the test harness's output capture (`print!` is captured; a direct write
/// to stderr is not), so skips show in a normal `cargo test` run.
pub fn note(message: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "conformance: {message}");
}

/// A unique, valid resource name (user pool, client, identity pool): `conf-<what>-<12 hex>`.
pub fn unique_name(what: &str) -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("conf-{what}-{}", &id[..12])
}

fn http_client() -> idp::config::SharedHttpClient {
    match target() {
        Target::Emulator { .. } => aws_smithy_http_client::Builder::new().build_http(),
        Target::Aws { .. } => https_client(),
    }
}

#[cfg(feature = "aws")]
fn https_client() -> idp::config::SharedHttpClient {
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

#[cfg(not(feature = "aws"))]
fn https_client() -> idp::config::SharedHttpClient {
    panic!(
        "CONFORMANCE_TARGET=aws needs HTTPS: run with `cargo test -p conformance --features aws`"
    )
}

fn credentials() -> idp::config::Credentials {
    match target() {
        Target::Emulator { .. } => idp::config::Credentials::new(
            "AKIDCONFORMANCE",
            "conformance-secret",
            None,
            None,
            "static",
        ),
        Target::Aws { .. } => idp::config::Credentials::new(
            std::env::var("AWS_ACCESS_KEY_ID").unwrap_or_default(),
            std::env::var("AWS_SECRET_ACCESS_KEY").unwrap_or_default(),
            std::env::var("AWS_SESSION_TOKEN").ok(),
            None,
            "environment",
        ),
    }
}

/// A user-pools client for the target. Make one per test: its connections live on the runtime
/// that first uses them.
pub fn idp_client() -> idp::Client {
    idp_client_in(None)
}

/// [`idp_client`] signing for `region` instead of the target's (on AWS: that region's endpoint;
/// on the emulator: the same server, which scopes signed calls by their region).
pub fn idp_client_in(region: Option<&str>) -> idp::Client {
    let mut b = idp::Config::builder()
        .behavior_version(idp::config::BehaviorVersion::latest())
        .credentials_provider(credentials())
        .http_client(http_client());
    match target() {
        Target::Emulator { url } => {
            // No retries: a 5xx from the emulator is a bug the case must see, not hide.
            b = b
                .region(idp::config::Region::new(
                    region.unwrap_or(EMULATOR_REGION).to_string(),
                ))
                .endpoint_url(url)
                .retry_config(idp::config::retry::RetryConfig::disabled());
        }
        Target::Aws { region: home } => {
            b = b.region(idp::config::Region::new(region.unwrap_or(home).to_string()))
        }
    }
    idp::Client::from_conf(b.build())
}

/// A user-pools client for an emulator at `url` other than the target, e.g. a private one a
/// case starts to move its clock without disturbing the cases running meanwhile.
pub fn idp_client_for(url: &str) -> idp::Client {
    let b = idp::Config::builder()
        .behavior_version(idp::config::BehaviorVersion::latest())
        .credentials_provider(idp::config::Credentials::new(
            "AKIDCONFORMANCE",
            "conformance-secret",
            None,
            None,
            "static",
        ))
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .region(idp::config::Region::new(EMULATOR_REGION))
        .endpoint_url(url)
        .retry_config(idp::config::retry::RetryConfig::disabled());
    idp::Client::from_conf(b.build())
}

/// An identity-pools client for the target (same rules as [`idp_client`]).
pub fn identity_client() -> identity::Client {
    identity_client_in(None)
}

/// [`identity_client`] signing for `region` (see [`idp_client_in`]).
pub fn identity_client_in(region: Option<&str>) -> identity::Client {
    let mut b = identity::Config::builder()
        .behavior_version(identity::config::BehaviorVersion::latest())
        .credentials_provider(credentials())
        .http_client(http_client());
    match target() {
        Target::Emulator { url } => {
            b = b
                .region(identity::config::Region::new(
                    region.unwrap_or(EMULATOR_REGION).to_string(),
                ))
                .endpoint_url(url)
                .retry_config(identity::config::retry::RetryConfig::disabled());
        }
        Target::Aws { region: home } => {
            b = b.region(identity::config::Region::new(
                region.unwrap_or(home).to_string(),
            ))
        }
    }
    identity::Client::from_conf(b.build())
}

#[derive(Debug, Clone)]
enum Created {
    UserPool(String),
    IdentityPool(String),
}

/// One case's view of the target: SDK clients, and the resources to delete when it ends.
/// Dropping it (also when the case panics) deletes every pool it created or was told about.
pub struct Harness {
    pub idp: idp::Client,
    pub identity: identity::Client,
    created: Mutex<Vec<Created>>,
}

impl Harness {
    /// A case that must hold on the emulator and on real Cognito.
    pub fn both() -> Harness {
        Harness {
            idp: idp_client(),
            identity: identity_client(),
            created: Mutex::new(Vec::new()),
        }
    }

    /// A case that holds on the emulator only (dev endpoints, raw protocol probes, emulator
    /// limits). On AWS it prints why it is skipped and gives `None`: `let Some(h) = ... else { return };`.
    pub fn emulator_only(why: &str) -> Option<Harness> {
        if matches!(target(), Target::Aws { .. }) {
            note(&format!("skipped on AWS (emulator-only): {why}"));
            return None;
        }
        Some(Harness::both())
    }

    pub fn target(&self) -> &'static Target {
        target()
    }

    pub fn is_aws(&self) -> bool {
        matches!(target(), Target::Aws { .. })
    }

    /// The emulator's base URL (`None` on AWS).
    pub fn emulator_url(&self) -> Option<&'static str> {
        match target() {
            Target::Emulator { url } => Some(url),
            Target::Aws { .. } => None,
        }
    }

    /// The region pools are created in.
    pub fn region(&self) -> &'static str {
        match target() {
            Target::Emulator { .. } => EMULATOR_REGION,
            Target::Aws { region } => region,
        }
    }

    /// Deletes this user pool when the case ends.
    pub fn track_user_pool(&self, id: impl Into<String>) {
        self.created
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Created::UserPool(id.into()));
    }

    /// Deletes this identity pool when the case ends.
    pub fn track_identity_pool(&self, id: impl Into<String>) {
        self.created
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Created::IdentityPool(id.into()));
    }

    /// Creates a user pool with a unique name and default settings; deleted when the case ends.
    pub async fn user_pool(&self) -> idp::types::UserPoolType {
        let out = self
            .idp
            .create_user_pool()
            .pool_name(unique_name("pool"))
            .send()
            .await
            .expect("CreateUserPool");
        let pool = out.user_pool.expect("CreateUserPool returns UserPool");
        self.track_user_pool(pool.id.clone().expect("pool Id"));
        pool
    }

    /// An app client of `pool_id` without a secret allowing `flows`; its ClientId.
    pub async fn app_client(
        &self,
        pool_id: &str,
        flows: &[idp::types::ExplicitAuthFlowsType],
    ) -> String {
        self.idp
            .create_user_pool_client()
            .user_pool_id(pool_id)
            .client_name(unique_name("client"))
            .set_explicit_auth_flows(Some(flows.to_vec()))
            .send()
            .await
            .expect("CreateUserPoolClient")
            .user_pool_client
            .and_then(|c| c.client_id)
            .expect("ClientId")
    }

    /// A CONFIRMED user `username` with the permanent `password`, created without a message.
    pub async fn confirmed_user(&self, pool_id: &str, username: &str, password: &str) {
        self.idp
            .admin_create_user()
            .user_pool_id(pool_id)
            .username(username)
            .message_action(idp::types::MessageActionType::Suppress)
            .send()
            .await
            .expect("AdminCreateUser");
        self.idp
            .admin_set_user_password()
            .user_pool_id(pool_id)
            .username(username)
            .password(password)
            .permanent(true)
            .send()
            .await
            .expect("AdminSetUserPassword");
    }

    /// Where verification and reset codes come from on this target.
    pub fn codes(&self) -> CodeSource {
        CodeSource {
            mailbox: self.emulator_url().map(RawClient::new),
        }
    }

    /// Plain HTTP to the emulator, for requests the SDK cannot make. Emulator-only cases.
    pub fn raw(&self) -> RawClient {
        match target() {
            Target::Emulator { url } => RawClient::new(url),
            Target::Aws { .. } => {
                panic!("raw HTTP is for emulator-only cases (start with Harness::emulator_only)")
            }
        }
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        let created = std::mem::take(&mut *self.created.lock().unwrap_or_else(|e| e.into_inner()));
        if created.is_empty() {
            return;
        }
        // Drop cannot await, and the case's runtime may be shutting down or panicking: clean up
        // on a thread with its own runtime and fresh clients.
        let cleaner = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                note(&format!("cannot build a runtime to clean up {created:?}"));
                return;
            };
            runtime.block_on(cleanup(created));
        });
        let _ = cleaner.join();
    }
}

async fn cleanup(created: Vec<Created>) {
    let idp = idp_client();
    let identity = identity_client();
    // Newest first: later resources may depend on earlier ones.
    for item in created.into_iter().rev() {
        match item {
            Created::UserPool(id) => delete_user_pool(&idp, &id).await,
            Created::IdentityPool(id) => {
                if let Err(e) = identity
                    .delete_identity_pool()
                    .identity_pool_id(&id)
                    .send()
                    .await
                {
                    let e = e.into_service_error();
                    if !e.is_resource_not_found_exception() {
                        note(&format!("could not delete identity pool {id}: {e}"));
                    }
                }
            }
        }
    }
}

/// Deletes a user pool, first removing what real Cognito refuses to delete a pool with
/// (a domain, deletion protection). Already-gone pools are fine.
async fn delete_user_pool(idp: &idp::Client, id: &str) {
    use idp::types::DeletionProtectionType;
    let pool = match idp.describe_user_pool().user_pool_id(id).send().await {
        Ok(out) => out.user_pool,
        Err(e) => {
            let e = e.into_service_error();
            if !e.is_resource_not_found_exception() {
                note(&format!(
                    "could not describe user pool {id} for clean-up: {e}"
                ));
            }
            return;
        }
    };
    if let Some(pool) = pool {
        for domain in [pool.domain.as_deref(), pool.custom_domain.as_deref()]
            .into_iter()
            .flatten()
        {
            let _ = idp
                .delete_user_pool_domain()
                .user_pool_id(id)
                .domain(domain)
                .send()
                .await;
        }
        if pool.deletion_protection == Some(DeletionProtectionType::Active) {
            let _ = idp
                .update_user_pool()
                .user_pool_id(id)
                .deletion_protection(DeletionProtectionType::Inactive)
                .send()
                .await;
        }
    }
    if let Err(e) = idp.delete_user_pool().user_pool_id(id).send().await {
        let e = e.into_service_error();
        if !e.is_resource_not_found_exception() {
            note(&format!("could not delete user pool {id}: {e}"));
        }
    }
}

/// Where a case gets the codes Cognito sends (sign-up confirmation, password reset, ...): the
/// emulator's dev mailbox (`GET /_dev/mailbox/latest?pool=&username=&kind=`). Real Cognito
/// sends codes to real inboxes, so there cases needing one skip (or use admin actions).
pub struct CodeSource {
    mailbox: Option<RawClient>,
}

impl CodeSource {
    pub fn is_available(&self) -> bool {
        self.mailbox.is_some()
    }

    /// The latest code of `kind` sent to `username` in `pool_id`; `None` when this target has
    /// no code source (print a note and skip). Panics when the mailbox has no such code.
    pub async fn latest(&self, pool_id: &str, username: &str, kind: &str) -> Option<String> {
        let Some(raw) = &self.mailbox else {
            note(&format!(
                "no code source on this target (kind {kind}): case skipped"
            ));
            return None;
        };
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("pool", pool_id)
            .append_pair("username", username)
            .append_pair("kind", kind)
            .finish();
        let resp = raw.get(&format!("/_dev/mailbox/latest?{query}")).await;
        assert_eq!(
            resp.status,
            200,
            "dev mailbox for {username} ({kind}) in {pool_id}: {}",
            resp.text()
        );
        let code = resp.json()["code"]
            .as_str()
            .unwrap_or_else(|| panic!("dev mailbox answer has no `code`: {}", resp.text()))
            .to_string();
        Some(code)
    }
}

/// An HTTP response as received: status, headers, body.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl RawResponse {
    /// A header's value as text (`None` when absent or not text).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON; panics (showing the body) when it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.text()))
    }

    /// Asserts an AWS JSON 1.1 error: status, `__type`, the content type and the
    /// `x-amzn-ErrorType` / `x-amzn-RequestId` headers. Returns the `message`.
    pub fn assert_aws_error(&self, status: u16, error_type: &str) -> String {
        assert_eq!(self.status, status, "status of {}", self.text());
        assert_eq!(
            self.header("content-type"),
            Some("application/x-amz-json-1.1"),
            "content type of {}",
            self.text()
        );
        let header_type = self.header("x-amzn-errortype").unwrap_or_default();
        // Real AWS may append `:<detail>` to the header's type.
        assert_eq!(
            header_type.split(':').next(),
            Some(error_type),
            "x-amzn-ErrorType of {}",
            self.text()
        );
        assert!(
            self.header("x-amzn-requestid")
                .is_some_and(|v| !v.is_empty()),
            "x-amzn-RequestId missing on {}",
            self.text()
        );
        let body = self.json();
        assert_eq!(body["__type"], error_type, "__type of {body}");
        if let (Some(header), Some(message)) =
            (self.header("x-amzn-errormessage"), body["message"].as_str())
        {
            // HTTP drops a header value's surrounding blanks.
            assert_eq!(header, message.trim(), "x-amzn-ErrorMessage of {body}");
        }
        body["message"]
            .as_str()
            .unwrap_or_else(|| panic!("`message` must be a string: {body}"))
            .to_string()
    }
}

/// Plain HTTP/1.1 to an emulator, for what the SDK cannot send (malformed bodies, unknown
/// targets, missing headers, OAuth form posts, the dev mailbox). Make one per test.
pub struct RawClient {
    base: String,
    client: HyperClient<HttpConnector, Full<Bytes>>,
}

/// The target prefix of user-pool actions.
pub const IDP_PREFIX: &str = "AWSCognitoIdentityProviderService";
/// The target prefix of identity-pool actions.
pub const IDENTITY_PREFIX: &str = "AWSCognitoIdentityService";

impl RawClient {
    pub fn new(base_url: &str) -> RawClient {
        RawClient {
            base: base_url.trim_end_matches('/').to_string(),
            client: HyperClient::builder(TokioExecutor::new()).build_http(),
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Any request: `path` is appended to the base URL.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> RawResponse {
        let mut req = hyper::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        let req = req
            .body(Full::new(body.into()))
            .unwrap_or_else(|e| panic!("bad request {method} {path}: {e}"));
        let resp = self
            .client
            .request(req)
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: reading the body: {e}"))
            .to_bytes();
        RawResponse {
            status,
            headers,
            body,
        }
    }

    /// `POST /` as the SDKs send it: `X-Amz-Target: <target>` and the AWS JSON 1.1 content type.
    /// `target` is the full name, e.g. `AWSCognitoIdentityProviderService.DescribeUserPool`.
    pub async fn aws_json(&self, target: &str, body: impl Into<Bytes>) -> RawResponse {
        self.request(
            "POST",
            "/",
            &[
                ("content-type", "application/x-amz-json-1.1"),
                ("x-amz-target", target),
            ],
            body,
        )
        .await
    }

    /// `aws_json` for a user-pools action by its short name.
    pub async fn idp(&self, action: &str, body: impl Into<Bytes>) -> RawResponse {
        self.aws_json(&format!("{IDP_PREFIX}.{action}"), body).await
    }

    /// `aws_json` for an identity-pools action by its short name.
    pub async fn identity(&self, action: &str, body: impl Into<Bytes>) -> RawResponse {
        self.aws_json(&format!("{IDENTITY_PREFIX}.{action}"), body)
            .await
    }

    pub async fn get(&self, path: &str) -> RawResponse {
        self.request("GET", path, &[], Bytes::new()).await
    }

    /// A form post (`application/x-www-form-urlencoded`), e.g. to `/oauth2/token`.
    pub async fn post_form(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> RawResponse {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let mut all = vec![("content-type", "application/x-www-form-urlencoded")];
        all.extend_from_slice(headers);
        self.request("POST", path, &all, body).await
    }
}
