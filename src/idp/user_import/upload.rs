//! The pre-signed upload URL of an import job: `PUT /_import/{poolId}/{jobId}?...` takes the
//! CSV as AWS's S3 pre-signed URL does (curl -T, requests.put; an
//! `x-amz-server-side-encryption: aws:kms` header is accepted and ignored). The body is
//! streamed to a file, never held in memory; errors are S3-style XML. `GET .../log` answers
//! the job's per-line results (what CloudWatch Logs holds on AWS).

use super::{CREATED, FAILED, STOPPED, SUCCEEDED};
use crate::state::AppState;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use http_body_util::BodyExt;
use std::collections::HashMap;
use std::path::PathBuf;
use tokio::io::AsyncWriteExt;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/_import/{pool_id}/{job_id}", put(upload_csv))
        .route("/_import/{pool_id}/{job_id}/log", get(job_log))
}

/// An S3-style error document.
fn s3_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code>\
         <Message>{message}</Message></Error>"
    );
    (status, [(header::CONTENT_TYPE, "application/xml")], body).into_response()
}

/// Where uploaded CSV files live: next to the database file, or in the temporary
/// directory for an in-memory database.
fn upload_dir(app: &AppState) -> PathBuf {
    if app.config.in_memory {
        std::env::temp_dir().join("cognito-emu-imports")
    } else {
        let mut dir = app.config.db.clone().into_os_string();
        dir.push(".imports");
        PathBuf::from(dir)
    }
}

async fn upload_csv(
    State(app): State<AppState>,
    Path((pool_id, job_id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    body: Body,
) -> Response {
    let job = match app.store.get_import_job(&pool_id, &job_id).await {
        Ok(Some(job)) => job,
        Ok(None) => {
            return s3_error(
                StatusCode::NOT_FOUND,
                "NoSuchKey",
                "The specified key does not exist.",
            );
        }
        Err(e) => {
            tracing::error!(error = %e, "import upload: storage");
            return s3_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                "We encountered an internal error. Please try again.",
            );
        }
    };
    if query.get("X-Amz-Signature") != Some(&job.upload_secret) {
        return s3_error(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        );
    }
    if app.clock.now_epoch() > job.upload_expires {
        return s3_error(StatusCode::FORBIDDEN, "AccessDenied", "Request has expired");
    }
    if job.status != CREATED {
        return s3_error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "The import job was started already; create a new job to upload another file.",
        );
    }
    let dir = upload_dir(&app);
    if let Err(e) = tokio::fs::create_dir_all(&dir).await {
        tracing::error!(error = %e, dir = %dir.display(), "import upload: cannot create the directory");
        return s3_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "We encountered an internal error. Please try again.",
        );
    }
    sweep_stale_uploads(&dir).await;
    let path = dir.join(format!("{job_id}.csv"));
    let partial = dir.join(format!("{job_id}.csv.part"));
    if let Err(e) = write_body(body, &partial).await {
        let _ = tokio::fs::remove_file(&partial).await;
        tracing::warn!(error = %e, "import upload: the body could not be stored");
        return s3_error(
            StatusCode::BAD_REQUEST,
            "IncompleteBody",
            "You did not provide the number of bytes specified by the Content-Length HTTP header.",
        );
    }
    if let Err(e) = tokio::fs::rename(&partial, &path).await {
        tracing::error!(error = %e, "import upload: cannot rename the file");
        return s3_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "We encountered an internal error. Please try again.",
        );
    }
    let stored = path.to_string_lossy().to_string();
    if let Err(e) = app.store.set_import_upload(&job_id, &stored).await {
        tracing::error!(error = %e, "import upload: storage");
        return s3_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "We encountered an internal error. Please try again.",
        );
    }
    // S3 answers 200 with an empty body and the object's ETag.
    let etag = format!("\"{}\"", job.upload_secret.get(..32).unwrap_or_default());
    (StatusCode::OK, [(header::ETAG, etag)]).into_response()
}

/// Removes uploads older than a job may wait before it starts (jobs never started, or whose
/// emulator stopped, e.g. in-memory test runs): nothing else deletes those files.
async fn sweep_stale_uploads(dir: &std::path::Path) {
    let Ok(mut entries) = tokio::fs::read_dir(dir).await else {
        return;
    };
    let max_age = std::time::Duration::from_secs_f64(super::EXPIRE_SECS);
    while let Ok(Some(entry)) = entries.next_entry().await {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with("import-") && (name.ends_with(".csv") || name.ends_with(".part"))) {
            continue;
        }
        let stale = entry
            .metadata()
            .await
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > max_age);
        if stale {
            let _ = tokio::fs::remove_file(entry.path()).await;
        }
    }
}

/// Streams the request body to `path` chunk by chunk.
async fn write_body(
    body: Body,
    path: &std::path::Path,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let file = tokio::fs::File::create(path).await?;
    let mut out = tokio::io::BufWriter::with_capacity(1 << 20, file);
    let mut body = body;
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            out.write_all(&data).await?;
        }
    }
    out.flush().await?;
    out.into_inner().sync_all().await?;
    Ok(())
}

/// The job's log as CloudWatch shows it: `[SKIPPED] Line Number 5 - The user already exists.`
/// (successful lines are not listed), then a summary line once the job is over.
async fn job_log(
    State(app): State<AppState>,
    Path((pool_id, job_id)): Path<(String, String)>,
) -> Response {
    let job = match app.store.get_import_job(&pool_id, &job_id).await {
        Ok(Some(job)) => job,
        Ok(None) => return (StatusCode::NOT_FOUND, "No such import job.\n").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "import log: storage");
            return (StatusCode::INTERNAL_SERVER_ERROR, "Internal error.\n").into_response();
        }
    };
    let lines = match app.store.import_log(&job_id).await {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(error = %e, "import log: storage");
            return (StatusCode::INTERNAL_SERVER_ERROR, "Internal error.\n").into_response();
        }
    };
    let mut out = String::new();
    for (line, outcome, message) in lines {
        out.push_str(&format!("[{outcome}] Line Number {line} - {message}\n"));
    }
    if [SUCCEEDED, FAILED, STOPPED].contains(&job.status.as_str()) {
        out.push_str(&format!(
            "{}: {} imported, {} skipped, {} failed. {}\n",
            job.status,
            job.imported,
            job.skipped,
            job.failed,
            job.completion_message.unwrap_or_default()
        ));
    }
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], out).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stale_uploads_are_swept_and_others_kept() {
        let dir = std::env::temp_dir().join(format!("cognito-emu-sweep-{}", crate::ids::uuid()));
        std::fs::create_dir_all(&dir).unwrap();
        let old = dir.join("import-Old0000000.csv");
        let fresh = dir.join("import-New0000000.csv");
        let other = dir.join("notes.txt");
        for p in [&old, &fresh, &other] {
            std::fs::write(p, "x").unwrap();
        }
        let two_days = std::time::Duration::from_secs(48 * 3600);
        for p in [&old, &other] {
            let f = std::fs::File::options().write(true).open(p).unwrap();
            f.set_modified(std::time::SystemTime::now() - two_days)
                .unwrap();
        }
        sweep_stale_uploads(&dir).await;
        assert!(!old.exists());
        assert!(fresh.exists() && other.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
