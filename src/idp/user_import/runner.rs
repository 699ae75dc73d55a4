//! Runs a started import job in the background: reads the uploaded CSV line by line, checks
//! each row, and inserts users in chunks of [`CHUNK_ROWS`], each chunk one transaction on the
//! write connection, yielding between chunks so API requests keep being served.
//!
//! Imported users are RESET_REQUIRED with no password (they must reset it before signing in)
//! and enabled, with a new `sub`. A user that already exists is skipped; a row that breaks a
//! rule fails; neither stops the job. The job fails when more rows failed or were skipped
//! than were imported ("Too many users have failed or been skipped during the import.").

use super::csv::{self, Columns, RowRules};
use super::*;
use crate::idp::mfa::UserFactors;
use crate::idp::users::lookup::{is_alias_attribute, username_key};
use crate::model::user::{User, UserStatus};
use crate::state::AppState;
use crate::store::user_import::{ImportOutcome, ImportUser};
use std::sync::LazyLock;
use tokio::io::AsyncBufReadExt;

/// Rows per transaction.
pub const CHUNK_ROWS: usize = 10_000;
/// Most log lines kept per job (skipped and failed rows).
const MAX_LOG_LINES: usize = 10_000;

pub const STOPPED_MESSAGE: &str = "The Import Job was stopped by the developer.";
pub const SUCCEEDED_MESSAGE: &str = "Import Job Completed Successfully.";
pub const TOO_MANY_MESSAGE: &str = "Too many users have failed or been skipped during the import.";
/// A job the emulator stopped under: at shutdown (between chunks), or found left by an
/// earlier process.
pub const INTERRUPTED_MESSAGE: &str =
    "The import job was interrupted: the emulator stopped while it ran.";

static RUNNER_ID: LazyLock<String> = LazyLock::new(crate::ids::uuid);

/// This process's runner id: a job marked with another one was left by an earlier process.
pub fn id() -> &'static str {
    RUNNER_ID.as_str()
}

/// Starts running `job` (status Pending) in the background, tracked by the server's tasks:
/// at shutdown it stops after the chunk under way and the job ends Failed (interrupted).
pub fn spawn(app: AppState, pool: UserPoolType, job: ImportJob) {
    let tasks = app.tasks.clone();
    tasks.spawn("user import", async move {
        let job_id = job.job_id.clone();
        let path = job.upload_path.clone();
        if let Err(e) = run(&app, &pool, &job).await {
            tracing::error!(job = %job_id, error = %e, "user import job failed");
            let _ = app
                .store
                .set_import_job_status(
                    &job_id,
                    &[PENDING, IN_PROGRESS, STOPPING],
                    FAILED,
                    None,
                    Some(app.clock.now_epoch()),
                    Some("The import job failed: internal error."),
                    None,
                )
                .await;
        }
        if let Some(path) = path {
            let _ = tokio::fs::remove_file(path).await;
        }
    });
}

#[derive(Default)]
struct Tally {
    imported: i64,
    skipped: i64,
    failed: i64,
    log: Vec<(u64, &'static str, String)>,
    logged: usize,
}

impl Tally {
    fn note(&mut self, line: u64, outcome: &'static str, message: String) {
        if self.logged < MAX_LOG_LINES {
            self.logged += 1;
            self.log.push((line, outcome, message));
        }
    }
}

async fn finish(
    app: &AppState,
    job_id: &str,
    from: &[&str],
    to: &str,
    message: &str,
) -> Result<bool, sqlx::Error> {
    app.store
        .set_import_job_status(
            job_id,
            from,
            to,
            None,
            Some(app.clock.now_epoch()),
            Some(message),
            None,
        )
        .await
}

/// Counts the data rows of the file (non-empty lines after the header), stopping early past
/// `limit`.
async fn count_rows(path: &str, limit: u64) -> std::io::Result<u64> {
    let file = tokio::fs::File::open(path).await?;
    let mut reader = tokio::io::BufReader::with_capacity(1 << 20, file);
    let mut rows = 0u64;
    let mut buf = Vec::new();
    let mut first = true;
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf).await? == 0 {
            return Ok(rows);
        }
        if first {
            first = false;
            continue;
        }
        if buf.iter().any(|b| !b.is_ascii_whitespace()) {
            rows += 1;
            if rows > limit {
                return Ok(rows);
            }
        }
    }
}

async fn run(app: &AppState, pool: &UserPoolType, job: &ImportJob) -> Result<(), sqlx::Error> {
    let job_id = job.job_id.as_str();
    if !app
        .store
        .set_import_job_status(job_id, &[PENDING], IN_PROGRESS, None, None, None, None)
        .await?
    {
        return Ok(()); // stopped before it began
    }
    if app.tasks.is_stopping() {
        finish(app, job_id, &[IN_PROGRESS], FAILED, INTERRUPTED_MESSAGE).await?;
        return Ok(());
    }
    let Some(path) = job.upload_path.as_deref() else {
        finish(
            app,
            job_id,
            &[IN_PROGRESS],
            FAILED,
            "No csv file was uploaded.",
        )
        .await?;
        return Ok(());
    };
    let size = tokio::fs::metadata(path).await.map(|m| m.len());
    let checked = match size {
        Err(_) => Err("The uploaded CSV file is gone.".to_string()),
        Ok(n) if n > csv::MAX_FILE_BYTES => Err(format!(
            "The CSV file is larger than the {} MB a user import job accepts.",
            csv::MAX_FILE_BYTES / 1024 / 1024
        )),
        Ok(_) => match count_rows(path, csv::MAX_ROWS).await {
            Ok(n) if n > csv::MAX_ROWS => Err(format!(
                "The CSV file has more than {} users, the most a user import job accepts.",
                csv::MAX_ROWS
            )),
            Ok(_) => Ok(()),
            Err(_) => Err("Amazon Cognito is unable to parse the .csv file.".to_string()),
        },
    };
    if let Err(message) = checked {
        finish(app, job_id, &[IN_PROGRESS], FAILED, &message).await?;
        return Ok(());
    }
    let file = match tokio::fs::File::open(path).await {
        Ok(f) => f,
        Err(_) => {
            finish(
                app,
                job_id,
                &[IN_PROGRESS],
                FAILED,
                "The uploaded CSV file is gone.",
            )
            .await?;
            return Ok(());
        }
    };
    let mut reader = tokio::io::BufReader::with_capacity(1 << 20, file);
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    // The header: the first line.
    let header = match reader.read_until(b'\n', &mut buf).await {
        Ok(n) if n > 0 => String::from_utf8(std::mem::take(&mut buf)).ok(),
        _ => None,
    };
    line_no += 1;
    let cols = match header
        .as_deref()
        .map(|h| csv::parse_header(pool, trim_eol(h)))
    {
        Some(Ok(cols)) => cols,
        Some(Err(message)) => {
            finish(app, job_id, &[IN_PROGRESS], FAILED, &message).await?;
            return Ok(());
        }
        None => {
            finish(
                app,
                job_id,
                &[IN_PROGRESS],
                FAILED,
                "Amazon Cognito is unable to parse the .csv file: it has no header row.",
            )
            .await?;
            return Ok(());
        }
    };
    let rules = RowRules::of(pool);
    let mut tally = Tally::default();
    let mut eof = false;
    while !eof {
        let mut chunk: Vec<ImportUser> = Vec::with_capacity(CHUNK_ROWS);
        while chunk.len() < CHUNK_ROWS {
            buf.clear();
            let n = match reader.read_until(b'\n', &mut buf).await {
                Ok(n) => n,
                Err(_) => {
                    finish(
                        app,
                        job_id,
                        &[IN_PROGRESS, STOPPING],
                        FAILED,
                        "Amazon Cognito is unable to parse the .csv file.",
                    )
                    .await?;
                    return Ok(());
                }
            };
            if n == 0 {
                eof = true;
                break;
            }
            line_no += 1;
            let Ok(text) = std::str::from_utf8(&buf) else {
                tally.failed += 1;
                tally.note(line_no, "FAILED", "The row is not valid UTF-8.".to_string());
                continue;
            };
            let text = trim_eol(text);
            if text.trim().is_empty() {
                continue;
            }
            match prepare(app, pool, &rules, &cols, text, line_no) {
                Ok(u) => chunk.push(u),
                Err(message) => {
                    tally.failed += 1;
                    tally.note(line_no, "FAILED", message);
                }
            }
        }
        if !chunk.is_empty() {
            let outcomes = app.store.import_users(&chunk).await?;
            for (u, outcome) in chunk.iter().zip(outcomes) {
                match outcome {
                    ImportOutcome::Imported => tally.imported += 1,
                    ImportOutcome::Skipped => {
                        tally.skipped += 1;
                        tally.note(u.line, "SKIPPED", "The user already exists.".to_string());
                    }
                    ImportOutcome::Failed(message) => {
                        tally.failed += 1;
                        tally.note(u.line, "FAILED", message);
                    }
                }
            }
        }
        app.store
            .add_import_log(job_id, &std::mem::take(&mut tally.log))
            .await?;
        let status = app
            .store
            .set_import_counts(job_id, tally.imported, tally.skipped, tally.failed)
            .await?;
        if status.as_deref() == Some(STOPPING) {
            finish(app, job_id, &[STOPPING], STOPPED, STOPPED_MESSAGE).await?;
            return Ok(());
        }
        if status.as_deref() != Some(IN_PROGRESS) {
            return Ok(()); // the pool (and the job) was deleted, or the job settled
        }
        if app.tasks.is_stopping() && !eof {
            // The server is shutting down: end in a defined state, with the counts so far.
            finish(app, job_id, &[IN_PROGRESS], FAILED, INTERRUPTED_MESSAGE).await?;
            return Ok(());
        }
        // Let queued API requests have the write connection before the next chunk.
        tokio::task::yield_now().await;
    }
    let (to, message) = if tally.failed + tally.skipped > tally.imported {
        (FAILED, TOO_MANY_MESSAGE)
    } else {
        (SUCCEEDED, SUCCEEDED_MESSAGE)
    };
    if !finish(app, job_id, &[IN_PROGRESS], to, message).await? {
        // Stopped after the last chunk.
        finish(app, job_id, &[STOPPING], STOPPED, STOPPED_MESSAGE).await?;
    }
    Ok(())
}

fn trim_eol(s: &str) -> &str {
    s.trim_end_matches(['\n', '\r'])
}

/// A checked row as the user to insert.
fn prepare(
    app: &AppState,
    pool: &UserPoolType,
    rules: &RowRules,
    cols: &Columns,
    line: &str,
    line_no: u64,
) -> Result<ImportUser, String> {
    let row = csv::parse_row(pool, rules, cols, line)?;
    let pool_id = pool.id.as_deref().unwrap_or_default();
    let sub = crate::ids::uuid();
    let username = match row.sign_in_attribute {
        Some(_) => sub.clone(),
        None => {
            if is_alias_attribute(pool, "email") && row.username.contains('@') {
                return Err("Username cannot be of email format, since user pool is configured for email alias.".to_string());
            }
            if is_alias_attribute(pool, "phone_number") && row.username.starts_with('+') {
                return Err("Username cannot be of phone number format, since user pool is configured for phone number alias.".to_string());
            }
            row.username.clone()
        }
    };
    let now = app.clock.now_epoch();
    let mut user = User::new(pool_id, &username, &sub, UserStatus::ResetRequired, now);
    user.attributes.extend(row.attributes);
    let unique_verified = ["email", "phone_number"]
        .into_iter()
        .filter(|a| is_alias_attribute(pool, a) && user.attr_is_true(&format!("{a}_verified")))
        .collect();
    let mfa_doc = if row.mfa_enabled {
        let factors = UserFactors {
            sms: true,
            ..Default::default()
        };
        Some(serde_json::to_string(&factors).map_err(|e| e.to_string())?)
    } else {
        None
    };
    Ok(ImportUser {
        line: line_no,
        username_key: username_key(pool, &username),
        user,
        unique_in: row.sign_in_attribute,
        unique_verified,
        mfa_doc,
    })
}
