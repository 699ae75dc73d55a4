//! One `Config` from command-line flags and `COGNITO_EMU_*` environment variables.

use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// SQLite's `synchronous` setting for the database file (see `Config::sync`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SyncMode {
    Off,
    Normal,
    Full,
}

/// How token issuers (`iss`) are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum IssuerStyle {
    /// `<the emulator's URL as the client reached it>/<poolId>`: discovery and JWKS work.
    Local,
    /// `https://cognito-idp.<region>.amazonaws.com/<poolId>`, for libraries that insist on it.
    Aws,
}

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address to bind. Keep the default unless other machines must reach the emulator.
    #[arg(
        long,
        global = true,
        env = "COGNITO_EMU_HOST",
        default_value = "127.0.0.1"
    )]
    pub host: String,

    /// Port to listen on; 0 picks a free port (the URL line printed at start says which).
    #[arg(long, global = true, env = "COGNITO_EMU_PORT", default_value_t = 9229)]
    pub port: u16,

    /// SQLite database file (created with its directory, migrations applied at start).
    #[arg(
        long,
        global = true,
        env = "COGNITO_EMU_DB",
        default_value = ".cognito-emu/cognito-emu.db"
    )]
    pub db: PathBuf,

    /// Keep everything in memory instead of --db; nothing survives a restart.
    #[arg(
        long,
        global = true,
        env = "COGNITO_EMU_IN_MEMORY",
        default_value_t = false
    )]
    pub in_memory: bool,

    /// SQLite's `synchronous` setting for --db (WAL): `normal` (the default) commits every
    /// acknowledged write to the database file before answering and survives a crash of the
    /// emulator, only the last commits can be lost if the machine loses power; `full` also
    /// fsyncs each commit (power-loss safe, slower); `off` leaves flushing to the OS.
    #[arg(long, global = true, env = "COGNITO_EMU_SYNC", value_enum, default_value_t = SyncMode::Normal)]
    pub sync: SyncMode,

    /// Region used in IDs and issuers when a request is not SigV4-signed.
    #[arg(
        long,
        global = true,
        env = "COGNITO_EMU_REGION",
        default_value = "us-east-1",
        value_parser = parse_region
    )]
    pub region: String,

    /// Log filter: error, warn, info, debug, trace (or a tracing filter expression).
    #[arg(
        long,
        global = true,
        env = "COGNITO_EMU_LOG_LEVEL",
        default_value = "info"
    )]
    pub log_level: String,

    /// Issuer form in tokens and discovery documents.
    #[arg(long, global = true, env = "COGNITO_EMU_ISSUER_STYLE", value_enum, default_value_t = IssuerStyle::Local)]
    pub issuer_style: IssuerStyle,

    /// Fixed base URL (e.g. http://cognito:9229) used instead of the request's Host header.
    #[arg(long, global = true, env = "COGNITO_EMU_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Seed file (JSON) creating pools, clients and users at start-up, idempotently.
    #[arg(long, global = true, env = "COGNITO_EMU_SEED")]
    pub seed: Option<PathBuf>,

    /// Largest request body accepted, in bytes.
    #[arg(long, global = true, env = "COGNITO_EMU_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,

    /// SMTP server the dev mailbox also relays email messages to (e.g. smtp://localhost:1025
    /// for Mailpit). Delivery runs in the background; failures are logged, never returned.
    #[arg(long, global = true, env = "COGNITO_EMU_SMTP_URL")]
    pub smtp_url: Option<String>,

    /// Use this code for every verification, reset and MFA code instead of random digits
    /// (deterministic tests). Off by default.
    #[arg(long, global = true, env = "COGNITO_EMU_FIXED_CODE")]
    pub fixed_code: Option<String>,

    /// Append one JSON line per AWS JSON response (service, action, HTTP status, body) to this
    /// file, for checking responses against the service model (compat/). Off by default; the
    /// lines hold tokens, so use it only in tests.
    #[arg(long, global = true, env = "COGNITO_EMU_RECORD_RESPONSES")]
    pub record_responses: Option<PathBuf>,

    /// A Lambda Invoke API (LocalStack, `sam local start-lambda`, serverless-offline) that
    /// runs the functions pools name in LambdaConfig:
    /// `POST {URL}/2015-03-31/functions/{name}/invocations`.
    #[arg(long, global = true, env = "COGNITO_EMU_LAMBDA_ENDPOINT")]
    pub lambda_endpoint: Option<String>,

    /// `NAME=URL`: the function NAME (as in its ARN) is answered by a plain HTTP endpoint
    /// (the event is POSTed, the JSON answer is the result). Repeatable; the variable takes a
    /// comma-separated list.
    #[arg(
        long = "lambda",
        global = true,
        env = "COGNITO_EMU_LAMBDAS",
        value_delimiter = ',',
        value_name = "NAME=URL"
    )]
    pub lambdas: Vec<String>,

    /// More host names (comma-separated) requests may address the emulator by, besides
    /// loopback names, IP addresses, --host and --public-url's host (e.g. a Docker service
    /// name). Other names are refused (DNS-rebinding protection); `*` accepts any.
    #[arg(
        long,
        global = true,
        env = "COGNITO_EMU_ALLOWED_HOSTS",
        value_delimiter = ','
    )]
    pub allowed_hosts: Vec<String>,

    /// Leave out the /_dev routes (console, mailbox, clock, credentials, trigger log) and
    /// /_bench: for an emulator shared by several people or reachable from other machines.
    /// `--no-dev-console` is the same flag.
    #[arg(
        long,
        alias = "no-dev-console",
        global = true,
        env = "COGNITO_EMU_NO_DEV_ROUTES",
        default_value_t = false
    )]
    pub no_dev_routes: bool,

    /// Most connections served at once; further ones wait to be accepted.
    #[arg(
        long,
        global = true,
        env = "COGNITO_EMU_MAX_CONNECTIONS",
        default_value_t = 1024
    )]
    pub max_connections: usize,

    /// Seconds a connection may wait without the client sending anything while the
    /// emulator waits to read (partial headers or body, idle keep-alive) before it is closed.
    #[arg(
        long,
        global = true,
        env = "COGNITO_EMU_READ_TIMEOUT_SECS",
        default_value_t = 30
    )]
    pub read_timeout_secs: u64,

    /// RSA key pairs kept generated ahead of need (in the background, stored in the
    /// database), so a new pool's first sign-in does not wait for key generation; each new
    /// pool takes two. 0 generates keys only when a pool first needs them.
    #[arg(
        long,
        global = true,
        env = "COGNITO_EMU_SPARE_KEYS",
        default_value_t = 4
    )]
    pub spare_keys: usize,
}

impl Config {
    /// A config for tests: in memory, a free port on loopback.
    pub fn for_tests() -> Self {
        Config {
            host: "127.0.0.1".into(),
            port: 0,
            db: PathBuf::new(),
            in_memory: true,
            sync: SyncMode::Normal,
            region: "us-east-1".into(),
            log_level: "warn".into(),
            issuer_style: IssuerStyle::Local,
            public_url: None,
            seed: None,
            max_body_bytes: 1024 * 1024,
            smtp_url: None,
            fixed_code: None,
            record_responses: None,
            lambda_endpoint: None,
            lambdas: Vec::new(),
            allowed_hosts: Vec::new(),
            no_dev_routes: false,
            max_connections: 1024,
            read_timeout_secs: 30,
            // Tests create many states; none should generate keys it may never use.
            spare_keys: 0,
        }
    }

    /// The base URL when no request tells us how we are addressed.
    pub fn public_base_url(&self) -> String {
        match &self.public_url {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => format!("http://{}:{}", self.host, self.port),
        }
    }
}

/// `--region`: an AWS region name, since it becomes the prefix of pool and identity IDs.
fn parse_region(s: &str) -> Result<String, String> {
    if crate::ids::is_region(s) {
        Ok(s.to_string())
    } else {
        Err(format!(
            "'{s}' is not an AWS region name (like us-east-1 or eu-west-2)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        config: Config,
    }

    #[test]
    fn no_dev_console_is_another_name_of_no_dev_routes() {
        for flag in ["--no-dev-routes", "--no-dev-console"] {
            let cli = Cli::try_parse_from(["cognito-emu", flag]).unwrap();
            assert!(cli.config.no_dev_routes, "{flag}");
        }
    }
}
