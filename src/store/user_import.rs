//! User import jobs (`user_import_jobs`, `user_import_log`) and the bulk insert of imported
//! users into `users`, in large transactions on the write connection.

use super::Store;
use super::Tx;
use crate::model::user::User;
use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, Row};

/// A user import job as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportJob {
    pub job_id: String,
    pub pool_id: String,
    pub job_name: String,
    pub status: String,
    pub role_arn: String,
    pub created: f64,
    pub started: Option<f64>,
    pub completed: Option<f64>,
    pub imported: i64,
    pub skipped: i64,
    pub failed: i64,
    pub completion_message: Option<String>,
    pub upload_secret: String,
    pub upload_expires: f64,
    pub pre_signed_url: String,
    pub upload_path: Option<String>,
    pub runner: Option<String>,
}

const JOB_COLUMNS: &str = "job_id, pool_id, job_name, status, role_arn, created, started, \
    completed, imported, skipped, failed, completion_message, upload_secret, upload_expires, \
    pre_signed_url, upload_path, runner";

fn job_from_row(r: &SqliteRow) -> Result<ImportJob, sqlx::Error> {
    Ok(ImportJob {
        job_id: r.try_get("job_id")?,
        pool_id: r.try_get("pool_id")?,
        job_name: r.try_get("job_name")?,
        status: r.try_get("status")?,
        role_arn: r.try_get("role_arn")?,
        created: r.try_get("created")?,
        started: r.try_get("started")?,
        completed: r.try_get("completed")?,
        imported: r.try_get("imported")?,
        skipped: r.try_get("skipped")?,
        failed: r.try_get("failed")?,
        completion_message: r.try_get("completion_message")?,
        upload_secret: r.try_get("upload_secret")?,
        upload_expires: r.try_get("upload_expires")?,
        pre_signed_url: r.try_get("pre_signed_url")?,
        upload_path: r.try_get("upload_path")?,
        runner: r.try_get("runner")?,
    })
}

/// One user to import, already validated.
#[derive(Debug, Clone)]
pub struct ImportUser {
    /// The CSV line it came from (for the job's log).
    pub line: u64,
    pub user: User,
    pub username_key: String,
    /// In pools with UsernameAttributes: the lookup column the sign-in name is in; a user
    /// already holding that value makes this one a duplicate.
    pub unique_in: Option<&'static str>,
    /// Verified alias attributes (`email`, `phone_number`) that must not be another user's
    /// verified alias (AliasAttributes pools).
    pub unique_verified: Vec<&'static str>,
    /// The user's MFA settings document (`user_mfa`), when cognito:mfa_enabled was true.
    pub mfa_doc: Option<String>,
}

/// What became of one imported row.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportOutcome {
    Imported,
    /// The user already exists.
    Skipped,
    Failed(String),
}

/// Users per multi-row INSERT (17 values each; SQLite allows 32,766 per statement).
const ROWS_PER_INSERT: usize = 500;

// The columns `Store::insert_user` fills (imported users have no password), with the same
// normalised lookup copies.
const USER_INSERT: &str = "INSERT INTO users (pool_id, username, username_key, sub, status, \
    enabled, attributes, password_salt, password_verifier, created, modified, email, \
    email_verified, phone_number, phone_number_verified, preferred_username, name, given_name, \
    family_name) VALUES ";
const USER_VALUES: &str = "(?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

fn attributes_json(user: &User) -> Result<String, sqlx::Error> {
    serde_json::to_string(&user.attributes).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

/// Inserts `users` (no checks beyond the table's unique keys) with one statement, and
/// answers which were inserted; the others already existed (or repeat an earlier row).
async fn insert_plain(tx: &mut Tx<'_>, users: &[&ImportUser]) -> Result<Vec<bool>, sqlx::Error> {
    let mut sql = String::from(USER_INSERT);
    for i in 0..users.len() {
        if i > 0 {
            sql.push(',');
        }
        sql.push_str(USER_VALUES);
    }
    sql.push_str(" ON CONFLICT DO NOTHING RETURNING username");
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for u in users {
        let user = &u.user;
        q = q
            .bind(&user.pool_id)
            .bind(&user.username)
            .bind(&u.username_key)
            .bind(&user.sub)
            .bind(user.status.as_str())
            .bind(user.enabled as i64)
            .bind(attributes_json(user)?)
            .bind(user.created)
            .bind(user.modified)
            .bind(user.email_key())
            .bind(user.attr_is_true("email_verified") as i64)
            .bind(user.phone_key())
            .bind(user.attr_is_true("phone_number_verified") as i64)
            .bind(user.preferred_username_key())
            .bind(user.attr("name"))
            .bind(user.attr("given_name"))
            .bind(user.attr("family_name"));
    }
    let rows = q.fetch_all(&mut **tx).await?;
    let mut inserted: std::collections::HashSet<String> = rows
        .iter()
        .map(|r| r.try_get::<String, _>(0))
        .collect::<Result<_, _>>()?;
    // The first row of a name inserted; a later one repeating it did not.
    Ok(users
        .iter()
        .map(|u| inserted.remove(&u.user.username))
        .collect())
}

async fn value_taken(
    tx: &mut Tx<'_>,
    pool_id: &str,
    column: &'static str,
    value: &str,
    verified_only: bool,
) -> Result<bool, sqlx::Error> {
    let verified = if verified_only {
        format!(" AND {column}_verified = 1")
    } else {
        String::new()
    };
    let found = sqlx::query(AssertSqlSafe(format!(
        "SELECT 1 FROM users WHERE pool_id = ? AND {column} = ?{verified} LIMIT 1"
    )))
    .bind(pool_id)
    .bind(value)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(found.is_some())
}

fn lookup_value(user: &User, column: &str) -> Option<String> {
    match column {
        "email" => user.email_key(),
        "phone_number" => user.phone_key(),
        _ => None,
    }
}

/// One row that needs lookups first (sign-in attribute, verified aliases, MFA settings).
async fn insert_checked(tx: &mut Tx<'_>, u: &ImportUser) -> Result<ImportOutcome, sqlx::Error> {
    let pool_id = &u.user.pool_id;
    if let Some(column) = u.unique_in
        && let Some(value) = lookup_value(&u.user, column)
        && value_taken(tx, pool_id, column, &value, false).await?
    {
        return Ok(ImportOutcome::Skipped);
    }
    for &column in &u.unique_verified {
        if let Some(value) = lookup_value(&u.user, column)
            && value_taken(tx, pool_id, column, &value, true).await?
        {
            return Ok(ImportOutcome::Failed(format!(
                "Another user already has this verified {column} as an alias."
            )));
        }
    }
    if !insert_plain(tx, &[u])
        .await?
        .first()
        .copied()
        .unwrap_or(false)
    {
        return Ok(ImportOutcome::Skipped);
    }
    if let Some(doc) = &u.mfa_doc {
        sqlx::query(
            "INSERT INTO user_mfa (pool_id, sub, doc) VALUES (?, ?, ?) \
             ON CONFLICT (pool_id, sub) DO UPDATE SET doc = excluded.doc",
        )
        .bind(pool_id)
        .bind(&u.user.sub)
        .bind(doc)
        .execute(&mut **tx)
        .await?;
    }
    Ok(ImportOutcome::Imported)
}

impl Store {
    pub async fn insert_import_job(&self, job: &ImportJob) -> Result<(), sqlx::Error> {
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO user_import_jobs ({JOB_COLUMNS}) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )))
        .bind(&job.job_id)
        .bind(&job.pool_id)
        .bind(&job.job_name)
        .bind(&job.status)
        .bind(&job.role_arn)
        .bind(job.created)
        .bind(job.started)
        .bind(job.completed)
        .bind(job.imported)
        .bind(job.skipped)
        .bind(job.failed)
        .bind(&job.completion_message)
        .bind(&job.upload_secret)
        .bind(job.upload_expires)
        .bind(&job.pre_signed_url)
        .bind(&job.upload_path)
        .bind(&job.runner)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    pub async fn get_import_job(
        &self,
        pool_id: &str,
        job_id: &str,
    ) -> Result<Option<ImportJob>, sqlx::Error> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {JOB_COLUMNS} FROM user_import_jobs WHERE job_id = ? AND pool_id = ?"
        )))
        .bind(job_id)
        .bind(pool_id)
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(job_from_row).transpose()
    }

    /// A pool's jobs, newest first, from `offset`, at most `limit`.
    pub async fn list_import_jobs(
        &self,
        pool_id: &str,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<ImportJob>, sqlx::Error> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {JOB_COLUMNS} FROM user_import_jobs WHERE pool_id = ? \
             ORDER BY created DESC, job_id DESC LIMIT ? OFFSET ?"
        )))
        .bind(pool_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(job_from_row).collect()
    }

    /// Moves a job from one of `from` to `to`, setting the given dates and message when
    /// they are `Some`; false when the job was in none of `from`.
    #[allow(clippy::too_many_arguments)]
    pub async fn set_import_job_status(
        &self,
        job_id: &str,
        from: &[&str],
        to: &str,
        started: Option<f64>,
        completed: Option<f64>,
        message: Option<&str>,
        runner: Option<&str>,
    ) -> Result<bool, sqlx::Error> {
        let marks = vec!["?"; from.len()].join(", ");
        let mut q = sqlx::query(AssertSqlSafe(format!(
            "UPDATE user_import_jobs SET status = ?, started = coalesce(?, started), \
             completed = coalesce(?, completed), \
             completion_message = coalesce(?, completion_message), \
             runner = coalesce(?, runner) \
             WHERE job_id = ? AND status IN ({marks})"
        )))
        .bind(to)
        .bind(started)
        .bind(completed)
        .bind(message)
        .bind(runner)
        .bind(job_id);
        for f in from {
            q = q.bind(*f);
        }
        Ok(q.execute(&self.write).await?.rows_affected() == 1)
    }

    /// Records where the uploaded CSV was stored.
    pub async fn set_import_upload(&self, job_id: &str, path: &str) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE user_import_jobs SET upload_path = ? WHERE job_id = ?")
            .bind(path)
            .bind(job_id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Writes a running job's counters; answers its status (a Stopping job is to stop).
    pub async fn set_import_counts(
        &self,
        job_id: &str,
        imported: i64,
        skipped: i64,
        failed: i64,
    ) -> Result<Option<String>, sqlx::Error> {
        let row = sqlx::query(
            "UPDATE user_import_jobs SET imported = ?, skipped = ?, failed = ? \
             WHERE job_id = ? RETURNING status",
        )
        .bind(imported)
        .bind(skipped)
        .bind(failed)
        .bind(job_id)
        .fetch_optional(&self.write)
        .await?;
        row.map(|r| r.try_get(0)).transpose()
    }

    /// Appends lines to a job's log.
    pub async fn add_import_log(
        &self,
        job_id: &str,
        lines: &[(u64, &'static str, String)],
    ) -> Result<(), sqlx::Error> {
        if lines.is_empty() {
            return Ok(());
        }
        let mut tx = self.write.begin().await?;
        for (line, outcome, message) in lines {
            sqlx::query(
                "INSERT OR REPLACE INTO user_import_log (job_id, line, outcome, message) \
                 VALUES (?, ?, ?, ?)",
            )
            .bind(job_id)
            .bind(*line as i64)
            .bind(*outcome)
            .bind(message)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await
    }

    /// A job's log, in line order: `(line, outcome, message)`.
    pub async fn import_log(
        &self,
        job_id: &str,
    ) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT line, outcome, message FROM user_import_log WHERE job_id = ? ORDER BY line",
        )
        .bind(job_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .collect()
    }

    /// Inserts one chunk of imported users in one transaction; answers each row's outcome,
    /// in order. Rows needing no lookups go in multi-row statements.
    pub async fn import_users(
        &self,
        users: &[ImportUser],
    ) -> Result<Vec<ImportOutcome>, sqlx::Error> {
        let mut out = vec![ImportOutcome::Skipped; users.len()];
        let mut tx = self.write.begin().await?;
        let mut plain: Vec<(usize, &ImportUser)> = Vec::new();
        for (i, u) in users.iter().enumerate() {
            if u.unique_in.is_none() && u.unique_verified.is_empty() && u.mfa_doc.is_none() {
                plain.push((i, u));
            } else {
                out[i] = insert_checked(&mut tx, u).await?;
            }
        }
        for batch in plain.chunks(ROWS_PER_INSERT) {
            let refs: Vec<&ImportUser> = batch.iter().map(|(_, u)| *u).collect();
            let inserted = insert_plain(&mut tx, &refs).await?;
            for ((i, _), ok) in batch.iter().zip(inserted) {
                out[*i] = if ok {
                    ImportOutcome::Imported
                } else {
                    ImportOutcome::Skipped
                };
            }
        }
        tx.commit().await?;
        Ok(out)
    }
}
