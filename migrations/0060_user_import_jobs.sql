-- User import jobs (CreateUserImportJob ... StopUserImportJob). The CSV a client PUTs to the
-- job's pre-signed URL is kept as a file (`upload_path`), not in the database.
CREATE TABLE user_import_jobs (
    job_id TEXT PRIMARY KEY NOT NULL,
    pool_id TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
    job_name TEXT NOT NULL,
    status TEXT NOT NULL,
    role_arn TEXT NOT NULL,
    created REAL NOT NULL,
    started REAL,
    completed REAL,
    imported INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    completion_message TEXT,
    -- The pre-signed URL's signature and expiry (epoch seconds).
    upload_secret TEXT NOT NULL,
    upload_expires REAL NOT NULL,
    pre_signed_url TEXT NOT NULL,
    upload_path TEXT,
    -- Which emulator process runs the job: a job another (earlier) process left running
    -- was interrupted.
    runner TEXT
) WITHOUT ROWID;

CREATE INDEX user_import_jobs_by_pool ON user_import_jobs(pool_id, created);

-- What CloudWatch Logs would hold for a job: one line per skipped or failed CSV row.
CREATE TABLE user_import_log (
    job_id TEXT NOT NULL REFERENCES user_import_jobs(job_id) ON DELETE CASCADE,
    line INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (job_id, line)
) WITHOUT ROWID;
