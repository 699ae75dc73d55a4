//! User import jobs: GetCSVHeader, CreateUserImportJob, DescribeUserImportJob,
//! ListUserImportJobs, StartUserImportJob, StopUserImportJob.
//!
//! As on AWS, CreateUserImportJob answers a pre-signed URL; the client PUTs the CSV there
//! (here the URL is the emulator's own `PUT /_import/{poolId}/{jobId}?...`, see [`upload`]),
//! then StartUserImportJob imports it in the background ([`runner`]) and
//! DescribeUserImportJob shows the status and counters. The per-line results CloudWatch Logs
//! would hold are at `GET /_import/{poolId}/{jobId}/log`.

pub mod csv;
pub mod runner;
pub mod upload;

use super::shapes::*;
use super::user_pools::load_pool;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult, ErrorKind};
use crate::store::user_import::ImportJob;
use rand::Rng;

pub const CREATED: &str = "Created";
pub const PENDING: &str = "Pending";
pub const IN_PROGRESS: &str = "InProgress";
pub const STOPPING: &str = "Stopping";
pub const STOPPED: &str = "Stopped";
pub const EXPIRED: &str = "Expired";
pub const FAILED: &str = "Failed";
pub const SUCCEEDED: &str = "Succeeded";

/// How long the pre-signed URL accepts an upload.
pub const UPLOAD_URL_SECS: f64 = 15.0 * 60.0;
/// A job not started within this long expires (AWS: 24 to 48 hours).
pub const EXPIRE_SECS: f64 = 24.0 * 3600.0;

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// `import-` and 10 alphanumerics, like AWS's job ids.
fn job_id() -> String {
    let mut rng = rand::rng();
    let tail: String = (0..10)
        .map(|_| ALNUM[rng.random_range(0..ALNUM.len())] as char)
        .collect();
    format!("import-{tail}")
}

fn hex_secret() -> String {
    crate::crypto::hex::encode(rand::rng().random::<[u8; 32]>())
}

/// `yyyymmddThhmmssZ` (SigV4's X-Amz-Date) of epoch seconds.
fn amz_date(epoch: f64) -> String {
    let t = crate::clock::Utc::of(epoch.floor() as i64);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// The wire form of a job.
fn job_type(job: &ImportJob) -> UserImportJobType {
    UserImportJobType {
        job_name: Some(job.job_name.clone()),
        job_id: Some(job.job_id.clone()),
        user_pool_id: Some(job.pool_id.clone()),
        pre_signed_url: Some(job.pre_signed_url.clone()),
        creation_date: Some(job.created),
        start_date: job.started,
        completion_date: job.completed,
        status: Some(job.status.clone()),
        cloud_watch_logs_role_arn: Some(job.role_arn.clone()),
        imported_users: Some(job.imported),
        skipped_users: Some(job.skipped),
        failed_users: Some(job.failed),
        completion_message: job.completion_message.clone(),
        password_hashing_algorithm: None,
    }
}

fn job_not_found(job_id: &str) -> ApiError {
    ApiError::resource_not_found(format!("Import job {job_id} does not exist."))
}

/// A job as it stands now: one left unstarted too long has expired, one whose runner is
/// gone (the emulator restarted while it ran) has failed.
async fn settle(ctx: &Ctx, mut job: ImportJob) -> ApiResult<ImportJob> {
    let now = ctx.clock.now_epoch();
    let (to, message) = if job.status == CREATED && now > job.created + EXPIRE_SECS {
        (EXPIRED, None)
    } else if [PENDING, IN_PROGRESS, STOPPING].contains(&job.status.as_str())
        && job.runner.as_deref() != Some(runner::id())
    {
        (FAILED, Some(runner::INTERRUPTED_MESSAGE))
    } else {
        return Ok(job);
    };
    let from = job.status.clone();
    let completed = (to == FAILED).then_some(now);
    if ctx
        .store
        .set_import_job_status(&job.job_id, &[&from], to, None, completed, message, None)
        .await?
    {
        if let Some(path) = job.upload_path.as_deref() {
            let _ = tokio::fs::remove_file(path).await;
        }
        job.status = to.to_string();
        job.completed = job.completed.or(completed);
        if let Some(m) = message {
            job.completion_message = Some(m.to_string());
        }
    }
    Ok(job)
}

/// The job, or ResourceNotFoundException (the pool must exist: checked first).
async fn load_job(ctx: &Ctx, pool_id: &str, job_id: &str) -> ApiResult<ImportJob> {
    load_pool(ctx, pool_id).await?;
    let job = ctx
        .store
        .get_import_job(pool_id, job_id)
        .await?
        .ok_or_else(|| job_not_found(job_id))?;
    settle(ctx, job).await
}

pub async fn get_csv_header(
    ctx: Ctx,
    input: GetCSVHeaderRequest,
) -> ApiResult<GetCSVHeaderResponse> {
    let pool = load_pool(&ctx, &input.user_pool_id).await?;
    Ok(GetCSVHeaderResponse {
        user_pool_id: pool.id.clone(),
        csv_header: Some(csv::header(&pool)),
    })
}

pub async fn create_user_import_job(
    ctx: Ctx,
    input: CreateUserImportJobRequest,
) -> ApiResult<CreateUserImportJobResponse> {
    let pool = load_pool(&ctx, &input.user_pool_id).await?;
    if input.password_hashing_algorithm.is_some() {
        // Imported password hashes would need a sign-in path that checks them.
        return Err(ApiError::new(
            ErrorKind::NotImplementedException,
            "cognito-emu does not import password hashes yet (PasswordHashingAlgorithm); \
             create the job without it: imported users then reset their password.",
        ));
    }
    let pool_id = pool.id.clone().unwrap_or_default();
    let now = ctx.clock.now_epoch();
    let id = job_id();
    let secret = hex_secret();
    let url = format!(
        "{}/_import/{pool_id}/{id}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date={}\
         &X-Amz-Expires={}&X-Amz-SignedHeaders=host%3Bx-amz-server-side-encryption\
         &X-Amz-Signature={secret}",
        ctx.base_url,
        amz_date(now),
        UPLOAD_URL_SECS as i64,
    );
    let job = ImportJob {
        job_id: id,
        pool_id,
        job_name: input.job_name,
        status: CREATED.to_string(),
        role_arn: input.cloud_watch_logs_role_arn,
        created: now,
        started: None,
        completed: None,
        imported: 0,
        skipped: 0,
        failed: 0,
        completion_message: None,
        upload_secret: secret,
        upload_expires: now + UPLOAD_URL_SECS,
        pre_signed_url: url,
        upload_path: None,
        runner: None,
    };
    ctx.store.insert_import_job(&job).await?;
    Ok(CreateUserImportJobResponse {
        user_import_job: Some(job_type(&job)),
    })
}

pub async fn describe_user_import_job(
    ctx: Ctx,
    input: DescribeUserImportJobRequest,
) -> ApiResult<DescribeUserImportJobResponse> {
    let job = load_job(&ctx, &input.user_pool_id, &input.job_id).await?;
    Ok(DescribeUserImportJobResponse {
        user_import_job: Some(job_type(&job)),
    })
}

pub async fn list_user_import_jobs(
    ctx: Ctx,
    input: ListUserImportJobsRequest,
) -> ApiResult<ListUserImportJobsResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    let scope = format!("ListUserImportJobs\0{}", input.user_pool_id);
    let offset =
        match crate::protocol::page_token::open_opt(&scope, input.pagination_token.as_deref())? {
            None => 0,
            Some(t) => t
                .strip_prefix("jobs-")
                .and_then(|n| n.parse::<i64>().ok())
                .filter(|n| *n > 0)
                .ok_or_else(|| ApiError::invalid_parameter("Invalid pagination token."))?,
        };
    let limit = i64::from(input.max_results);
    let mut jobs = ctx
        .store
        .list_import_jobs(&input.user_pool_id, offset, limit + 1)
        .await?;
    let more = jobs.len() as i64 > limit;
    jobs.truncate(limit as usize);
    let mut out = Vec::with_capacity(jobs.len());
    for job in jobs {
        out.push(job_type(&settle(&ctx, job).await?));
    }
    Ok(ListUserImportJobsResponse {
        user_import_jobs: Some(out),
        pagination_token: crate::protocol::page_token::seal_next(
            &scope,
            more.then(|| format!("jobs-{}", offset + limit)),
        ),
    })
}

pub async fn start_user_import_job(
    ctx: Ctx,
    input: StartUserImportJobRequest,
) -> ApiResult<StartUserImportJobResponse> {
    let pool = load_pool(&ctx, &input.user_pool_id).await?;
    let job = load_job(&ctx, &input.user_pool_id, &input.job_id).await?;
    if job.status != CREATED {
        return Err(ApiError::new(
            ErrorKind::PreconditionNotMetException,
            format!(
                "Import job {} cannot be started: its status is {}.",
                job.job_id, job.status
            ),
        ));
    }
    if job.upload_path.is_none() {
        return Err(ApiError::new(
            ErrorKind::PreconditionNotMetException,
            format!("No csv file was uploaded for {}", job.job_id),
        ));
    }
    if pool
        .auto_verified_attributes
        .as_ref()
        .is_none_or(|a| a.is_empty())
    {
        return Err(ApiError::new(
            ErrorKind::PreconditionNotMetException,
            "The user pool has no auto verified attributes (AutoVerifiedAttributes): imported users could not reset their password.",
        ));
    }
    let now = ctx.clock.now_epoch();
    if !ctx
        .store
        .set_import_job_status(
            &job.job_id,
            &[CREATED],
            PENDING,
            Some(now),
            None,
            None,
            Some(runner::id()),
        )
        .await?
    {
        return Err(ApiError::new(
            ErrorKind::PreconditionNotMetException,
            format!("Import job {} was started already.", job.job_id),
        ));
    }
    let job = ctx
        .store
        .get_import_job(&input.user_pool_id, &input.job_id)
        .await?
        .ok_or_else(|| job_not_found(&input.job_id))?;
    runner::spawn(ctx.app.clone(), pool, job.clone());
    Ok(StartUserImportJobResponse {
        user_import_job: Some(job_type(&job)),
    })
}

pub async fn stop_user_import_job(
    ctx: Ctx,
    input: StopUserImportJobRequest,
) -> ApiResult<StopUserImportJobResponse> {
    let mut job = load_job(&ctx, &input.user_pool_id, &input.job_id).await?;
    let now = ctx.clock.now_epoch();
    // The runner may take a Pending job (Pending -> InProgress) between the read and the
    // conditional update: then the update matches nothing and the job is read again.
    for _ in 0..2 {
        if try_stop(&ctx, &job, now).await? {
            let job = ctx
                .store
                .get_import_job(&input.user_pool_id, &input.job_id)
                .await?
                .ok_or_else(|| job_not_found(&input.job_id))?;
            return Ok(StopUserImportJobResponse {
                user_import_job: Some(job_type(&job)),
            });
        }
        let again = load_job(&ctx, &input.user_pool_id, &input.job_id).await?;
        if again.status == job.status {
            break;
        }
        job = again;
    }
    Err(ApiError::new(
        ErrorKind::PreconditionNotMetException,
        format!(
            "Import job {} cannot be stopped: its status is {}.",
            job.job_id, job.status
        ),
    ))
}

/// Moves `job` from the status it was read with to Stopped (not picked up yet) or Stopping
/// (running); false when its status is another or changed meanwhile.
async fn try_stop(ctx: &Ctx, job: &ImportJob, now: f64) -> ApiResult<bool> {
    Ok(match job.status.as_str() {
        // Not picked up by the runner yet: it stops at once (the runner sees Stopped).
        PENDING => {
            ctx.store
                .set_import_job_status(
                    &job.job_id,
                    &[PENDING],
                    STOPPED,
                    None,
                    Some(now),
                    Some(runner::STOPPED_MESSAGE),
                    None,
                )
                .await?
        }
        IN_PROGRESS => {
            ctx.store
                .set_import_job_status(
                    &job.job_id,
                    &[IN_PROGRESS],
                    STOPPING,
                    None,
                    None,
                    None,
                    None,
                )
                .await?
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests;
