use super::*;
use crate::config::Config;
use crate::idp::admin_users::{admin_create_user, admin_get_user};
use crate::testkit::{attr, kind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn emulator() -> (crate::Running, Ctx) {
    let running = crate::start(Config::for_tests()).await.unwrap();
    let mut ctx = Ctx::internal(running.state.clone());
    ctx.base_url = running.url.clone();
    (running, ctx)
}

async fn new_pool(ctx: &Ctx, adjust: impl FnOnce(&mut CreateUserPoolRequest)) -> String {
    let mut req = CreateUserPoolRequest {
        pool_name: "imports".into(),
        auto_verified_attributes: Some(vec!["email".into()]),
        ..Default::default()
    };
    adjust(&mut req);
    crate::idp::user_pools::create_user_pool(ctx.clone(), req)
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap()
}

async fn create_job(ctx: &Ctx, pool_id: &str, name: &str) -> UserImportJobType {
    create_user_import_job(
        ctx.clone(),
        CreateUserImportJobRequest {
            job_name: name.into(),
            user_pool_id: pool_id.into(),
            cloud_watch_logs_role_arn: "arn:aws:iam::000000000000:role/import".into(),
            password_hashing_algorithm: None,
        },
    )
    .await
    .unwrap()
    .user_import_job
    .unwrap()
}

/// PUTs `body` to `url` with a hand-written HTTP/1.1 request; answers (status, body).
async fn put(url: &str, body: &str) -> (u16, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let req = format!(
        "PUT {path} HTTP/1.1\r\nHost: {host}\r\nx-amz-server-side-encryption: aws:kms\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut resp = String::new();
    stream.read_to_string(&mut resp).await.unwrap();
    let status = resp[9..12].parse().unwrap();
    let body = resp
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap();
    (status, body)
}

async fn get(url: &str) -> String {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut resp = String::new();
    stream.read_to_string(&mut resp).await.unwrap();
    resp.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap()
}

async fn describe(ctx: &Ctx, pool_id: &str, job_id: &str) -> UserImportJobType {
    describe_user_import_job(
        ctx.clone(),
        DescribeUserImportJobRequest {
            user_pool_id: pool_id.into(),
            job_id: job_id.into(),
        },
    )
    .await
    .unwrap()
    .user_import_job
    .unwrap()
}

async fn start(ctx: &Ctx, pool_id: &str, job_id: &str) -> ApiResult<StartUserImportJobResponse> {
    start_user_import_job(
        ctx.clone(),
        StartUserImportJobRequest {
            user_pool_id: pool_id.into(),
            job_id: job_id.into(),
        },
    )
    .await
}

async fn wait_done(ctx: &Ctx, pool_id: &str, job_id: &str) -> UserImportJobType {
    for _ in 0..500 {
        let job = describe(ctx, pool_id, job_id).await;
        if [SUCCEEDED, FAILED, STOPPED].contains(&job.status.as_deref().unwrap()) {
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the job did not finish");
}

/// A CSV for the pool's full header with one row per entry of `rows`.
async fn csv_for(ctx: &Ctx, pool_id: &str, rows: &[&[(&str, &str)]]) -> String {
    let header = get_csv_header(
        ctx.clone(),
        GetCSVHeaderRequest {
            user_pool_id: pool_id.into(),
        },
    )
    .await
    .unwrap()
    .csv_header
    .unwrap();
    let mut out = header.join(",");
    out.push_str("\r\n");
    for row in rows {
        let line: Vec<String> = header
            .iter()
            .map(|h| {
                row.iter()
                    .find(|(k, _)| k == h)
                    .map(|(_, v)| v.to_string())
                    .unwrap_or_default()
            })
            .collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

fn user_row<'a>(name: &'a str, email: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("cognito:username", name),
        ("cognito:mfa_enabled", "false"),
        ("email", email),
        ("email_verified", "true"),
    ]
}

#[tokio::test]
async fn csv_header_lists_standard_then_custom_then_cognito_columns() {
    let (running, ctx) = emulator().await;
    let pool_id = new_pool(&ctx, |r| {
        r.schema = Some(vec![SchemaAttributeType {
            name: Some("joinedOn".into()),
            attribute_data_type: Some("String".into()),
            mutable: Some(true),
            ..Default::default()
        }])
    })
    .await;
    let header = get_csv_header(
        ctx.clone(),
        GetCSVHeaderRequest {
            user_pool_id: pool_id.clone(),
        },
    )
    .await
    .unwrap();
    assert_eq!(header.user_pool_id.as_deref(), Some(pool_id.as_str()));
    let expected = "name,given_name,family_name,middle_name,nickname,preferred_username,profile,\
        picture,website,email,email_verified,gender,birthdate,zoneinfo,locale,phone_number,\
        phone_number_verified,address,updated_at,custom:joinedOn,cognito:mfa_enabled,\
        cognito:username";
    assert_eq!(header.csv_header.unwrap().join(","), expected);
    let missing = get_csv_header(
        ctx.clone(),
        GetCSVHeaderRequest {
            user_pool_id: "us-east-1_Nope12345".into(),
        },
    )
    .await;
    assert_eq!(kind(missing), "ResourceNotFoundException");
    running.stop().await;
}

#[tokio::test]
async fn jobs_are_created_described_and_listed_newest_first() {
    let (running, ctx) = emulator().await;
    let pool_id = new_pool(&ctx, |_| {}).await;
    let first = create_job(&ctx, &pool_id, "first").await;
    let id = first.job_id.clone().unwrap();
    assert!(id.starts_with("import-") && id.len() == 17, "{id}");
    assert_eq!(first.status.as_deref(), Some(CREATED));
    assert_eq!(first.job_name.as_deref(), Some("first"));
    assert_eq!(
        first.cloud_watch_logs_role_arn.as_deref(),
        Some("arn:aws:iam::000000000000:role/import")
    );
    assert_eq!(
        (
            first.imported_users,
            first.skipped_users,
            first.failed_users
        ),
        (Some(0), Some(0), Some(0))
    );
    let url = first.pre_signed_url.clone().unwrap();
    assert!(
        url.starts_with(&format!("{}/_import/{pool_id}/{id}?", running.url)),
        "{url}"
    );
    assert!(url.contains("X-Amz-Expires=900") && url.contains("X-Amz-Signature="));
    assert_eq!(describe(&ctx, &pool_id, &id).await, first);
    ctx.clock.advance(1);
    create_job(&ctx, &pool_id, "second").await;
    ctx.clock.advance(1);
    create_job(&ctx, &pool_id, "third").await;
    let page = |token: Option<String>| {
        list_user_import_jobs(
            ctx.clone(),
            ListUserImportJobsRequest {
                user_pool_id: pool_id.clone(),
                max_results: 2,
                pagination_token: token,
            },
        )
    };
    let one = page(None).await.unwrap();
    let names: Vec<_> = one
        .user_import_jobs
        .unwrap()
        .into_iter()
        .map(|j| j.job_name.unwrap())
        .collect();
    assert_eq!(names, ["third", "second"]);
    let two = page(one.pagination_token).await.unwrap();
    assert_eq!(
        two.user_import_jobs.unwrap()[0].job_name.as_deref(),
        Some("first")
    );
    assert_eq!(two.pagination_token, None);
    assert_eq!(
        kind(page(Some("bogus".into())).await),
        "InvalidParameterException"
    );
    let unknown = describe_user_import_job(
        ctx.clone(),
        DescribeUserImportJobRequest {
            user_pool_id: pool_id.clone(),
            job_id: "import-AAAAAAAAAA".into(),
        },
    )
    .await;
    assert_eq!(kind(unknown), "ResourceNotFoundException");
    // Not started within a day: Expired.
    ctx.clock.advance(25 * 3600);
    assert_eq!(
        describe(&ctx, &pool_id, &id).await.status.as_deref(),
        Some(EXPIRED)
    );
    running.stop().await;
}

#[tokio::test]
async fn start_needs_an_upload_and_auto_verified_attributes() {
    let (running, ctx) = emulator().await;
    let pool_id = new_pool(&ctx, |_| {}).await;
    let job = create_job(&ctx, &pool_id, "j").await;
    let id = job.job_id.unwrap();
    let err = start(&ctx, &pool_id, &id).await.unwrap_err();
    assert_eq!(err.kind.name(), "PreconditionNotMetException");
    assert_eq!(err.message, format!("No csv file was uploaded for {id}"));
    let stop = stop_user_import_job(
        ctx.clone(),
        StopUserImportJobRequest {
            user_pool_id: pool_id.clone(),
            job_id: id.clone(),
        },
    )
    .await;
    assert_eq!(kind(stop), "PreconditionNotMetException");

    let bare = new_pool(&ctx, |r| r.auto_verified_attributes = None).await;
    let job = create_job(&ctx, &bare, "j").await;
    let csv = csv_for(&ctx, &bare, &[&user_row("a", "a@example.com")]).await;
    assert_eq!(
        put(job.pre_signed_url.as_deref().unwrap(), &csv).await.0,
        200
    );
    let err = start(&ctx, &bare, job.job_id.as_deref().unwrap()).await;
    assert_eq!(kind(err), "PreconditionNotMetException");

    let hashes = create_user_import_job(
        ctx.clone(),
        CreateUserImportJobRequest {
            job_name: "h".into(),
            user_pool_id: pool_id.clone(),
            cloud_watch_logs_role_arn: "arn:aws:iam::000000000000:role/import".into(),
            password_hashing_algorithm: Some("BCRYPT".into()),
        },
    )
    .await;
    assert_eq!(kind(hashes), "NotImplementedException");
    running.stop().await;
}

#[tokio::test]
async fn the_upload_url_checks_its_signature_and_expiry() {
    let (running, ctx) = emulator().await;
    let pool_id = new_pool(&ctx, |_| {}).await;
    let job = create_job(&ctx, &pool_id, "j").await;
    let url = job.pre_signed_url.unwrap();
    let forged = format!("{}x", url);
    let (status, body) = put(&forged, "x").await;
    assert_eq!(status, 403);
    assert!(
        body.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{body}"
    );
    ctx.clock.advance(16 * 60);
    let (status, body) = put(&url, "x").await;
    assert_eq!(status, 403);
    assert!(body.contains("Request has expired"), "{body}");
    running.stop().await;
}

#[tokio::test]
async fn an_import_creates_reset_required_users_and_counts_every_row() {
    let (running, ctx) = emulator().await;
    let pool_id = new_pool(&ctx, |_| {}).await;
    admin_create_user(
        ctx.clone(),
        AdminCreateUserRequest {
            user_pool_id: pool_id.clone(),
            username: "existing".into(),
            message_action: Some("SUPPRESS".into()),
            user_attributes: Some(vec![attr("email", "e@example.com")]),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mut unverified = user_row("dora", "d@example.com");
    unverified[3] = ("email_verified", "false");
    let mut named = user_row("alice", "Alice@Example.com");
    named.push(("given_name", "Alice"));
    named.push(("address", "1 Main St\\, Apt 2"));
    let csv = csv_for(
        &ctx,
        &pool_id,
        &[
            &named,
            &user_row("bob", "b@example.com"),
            &user_row("existing", "x@example.com"),
            &unverified,
            &user_row("bob", "b2@example.com"),
            &user_row("carol", "c@example.com"),
            &user_row("erin", "erin@example.com"),
        ],
    )
    .await;
    let job = create_job(&ctx, &pool_id, "j").await;
    let id = job.job_id.clone().unwrap();
    let (status, _) = put(job.pre_signed_url.as_deref().unwrap(), &csv).await;
    assert_eq!(status, 200);
    let started = start(&ctx, &pool_id, &id)
        .await
        .unwrap()
        .user_import_job
        .unwrap();
    assert_eq!(started.status.as_deref(), Some(PENDING));
    assert!(started.start_date.is_some());
    assert_eq!(
        kind(start(&ctx, &pool_id, &id).await),
        "PreconditionNotMetException"
    );
    let done = wait_done(&ctx, &pool_id, &id).await;
    assert_eq!(done.status.as_deref(), Some(SUCCEEDED), "{done:?}");
    assert_eq!(
        (done.imported_users, done.skipped_users, done.failed_users),
        (Some(4), Some(2), Some(1))
    );
    assert_eq!(
        done.completion_message.as_deref(),
        Some(runner::SUCCEEDED_MESSAGE)
    );
    assert!(done.completion_date.is_some());

    let alice = admin_get_user(
        ctx.clone(),
        AdminGetUserRequest {
            user_pool_id: pool_id.clone(),
            username: "alice".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(alice.user_status.as_deref(), Some("RESET_REQUIRED"));
    assert_eq!(alice.enabled, Some(true));
    let attrs = alice.user_attributes.unwrap();
    let value = |n: &str| {
        attrs
            .iter()
            .find(|a| a.name == n)
            .and_then(|a| a.value.clone())
    };
    assert_eq!(attrs[0].name, "sub");
    assert_eq!(value("email").as_deref(), Some("Alice@Example.com"));
    assert_eq!(value("email_verified").as_deref(), Some("true"));
    assert_eq!(value("given_name").as_deref(), Some("Alice"));
    assert_eq!(value("address").as_deref(), Some("1 Main St, Apt 2"));
    assert_eq!(value("sub").map(|s| s.len()), Some(36));
    // ListUsers filters find imported users by their indexed copies.
    for filter in [r#"given_name = "Alice""#, r#"email = "alice@example.com""#] {
        let found = crate::idp::list_users::list_users(
            ctx.clone(),
            ListUsersRequest {
                user_pool_id: pool_id.clone(),
                filter: Some(filter.into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .users
        .unwrap();
        assert_eq!(found.len(), 1, "{filter}");
        assert_eq!(found[0].username.as_deref(), Some("alice"));
    }
    // The first "bob" row won.
    let bob = ctx.store.get_user(&pool_id, "bob").await.unwrap().unwrap();
    assert_eq!(bob.attr("email"), Some("b@example.com"));
    assert!(bob.password.is_none());

    let log = get(&format!("{}/_import/{pool_id}/{id}/log", running.url)).await;
    assert!(
        log.contains("[SKIPPED] Line Number 4 - The user already exists."),
        "{log}"
    );
    assert!(log.contains("[FAILED] Line Number 5 - The User Record does not set any of the auto verified attributes to true."), "{log}");
    assert!(log.contains("[SKIPPED] Line Number 6 - "), "{log}");
    // The file can't be uploaded again once the job ran.
    assert_eq!(
        put(job.pre_signed_url.as_deref().unwrap(), &csv).await.0,
        403
    );
    running.stop().await;
}

#[tokio::test]
async fn too_many_skipped_rows_fail_the_job_and_bad_headers_fail_it_at_once() {
    let (running, ctx) = emulator().await;
    let pool_id = new_pool(&ctx, |_| {}).await;
    let csv = csv_for(&ctx, &pool_id, &[&user_row("a", "a@example.com")]).await;
    let first = create_job(&ctx, &pool_id, "once").await;
    put(first.pre_signed_url.as_deref().unwrap(), &csv).await;
    start(&ctx, &pool_id, first.job_id.as_deref().unwrap())
        .await
        .unwrap();
    let done = wait_done(&ctx, &pool_id, first.job_id.as_deref().unwrap()).await;
    assert_eq!(done.status.as_deref(), Some(SUCCEEDED));
    // The same file again: every row is skipped.
    let again = create_job(&ctx, &pool_id, "twice").await;
    put(again.pre_signed_url.as_deref().unwrap(), &csv).await;
    start(&ctx, &pool_id, again.job_id.as_deref().unwrap())
        .await
        .unwrap();
    let done = wait_done(&ctx, &pool_id, again.job_id.as_deref().unwrap()).await;
    assert_eq!(done.status.as_deref(), Some(FAILED));
    assert_eq!(done.skipped_users, Some(1));
    assert_eq!(
        done.completion_message.as_deref(),
        Some(runner::TOO_MANY_MESSAGE)
    );

    let bad = create_job(&ctx, &pool_id, "bad").await;
    put(
        bad.pre_signed_url.as_deref().unwrap(),
        "cognito:username,email\na,a@example.com\n",
    )
    .await;
    start(&ctx, &pool_id, bad.job_id.as_deref().unwrap())
        .await
        .unwrap();
    let done = wait_done(&ctx, &pool_id, bad.job_id.as_deref().unwrap()).await;
    assert_eq!(done.status.as_deref(), Some(FAILED));
    assert!(done.completion_message.unwrap().contains("missing columns"),);
    assert_eq!(done.imported_users, Some(0));
    running.stop().await;
}

#[tokio::test]
async fn email_as_username_pools_key_users_by_sub_and_skip_known_emails() {
    let (running, ctx) = emulator().await;
    let pool_id = new_pool(&ctx, |r| {
        r.username_attributes = Some(vec!["email".into()]);
    })
    .await;
    let rows: Vec<Vec<(&str, &str)>> = vec![
        user_row("a@example.com", ""),
        user_row("A@example.com", ""),
        user_row("b@example.com", "b@example.com"),
        user_row("c@example.com", "c@example.com"),
    ];
    let refs: Vec<&[(&str, &str)]> = rows.iter().map(|r| r.as_slice()).collect();
    let csv = csv_for(&ctx, &pool_id, &refs).await;
    let job = create_job(&ctx, &pool_id, "j").await;
    put(job.pre_signed_url.as_deref().unwrap(), &csv).await;
    start(&ctx, &pool_id, job.job_id.as_deref().unwrap())
        .await
        .unwrap();
    let done = wait_done(&ctx, &pool_id, job.job_id.as_deref().unwrap()).await;
    assert_eq!(
        (done.imported_users, done.skipped_users, done.failed_users),
        (Some(3), Some(1), Some(0)),
        "{done:?}"
    );
    let a = admin_get_user(
        ctx.clone(),
        AdminGetUserRequest {
            user_pool_id: pool_id.clone(),
            username: "a@example.com".into(),
        },
    )
    .await
    .unwrap();
    let sub = a
        .user_attributes
        .unwrap()
        .into_iter()
        .find(|x| x.name == "sub")
        .and_then(|x| x.value)
        .unwrap();
    assert_eq!(a.username, sub);
    assert_eq!(a.user_status.as_deref(), Some("RESET_REQUIRED"));
    running.stop().await;
}

#[tokio::test]
async fn a_running_job_can_be_stopped() {
    let (running, ctx) = emulator().await;
    let pool_id = new_pool(&ctx, |_| {}).await;
    let names: Vec<(String, String)> = (0..(runner::CHUNK_ROWS + 10))
        .map(|i| (format!("u{i}"), format!("u{i}@example.com")))
        .collect();
    let rows: Vec<Vec<(&str, &str)>> = names.iter().map(|(n, e)| user_row(n, e)).collect();
    let refs: Vec<&[(&str, &str)]> = rows.iter().map(|r| r.as_slice()).collect();
    let csv = csv_for(&ctx, &pool_id, &refs).await;
    let job = create_job(&ctx, &pool_id, "big").await;
    let id = job.job_id.clone().unwrap();
    put(job.pre_signed_url.as_deref().unwrap(), &csv).await;
    start(&ctx, &pool_id, &id).await.unwrap();
    let stopped = stop_user_import_job(
        ctx.clone(),
        StopUserImportJobRequest {
            user_pool_id: pool_id.clone(),
            job_id: id.clone(),
        },
    )
    .await
    .unwrap()
    .user_import_job
    .unwrap();
    assert!(
        [STOPPED, STOPPING].contains(&stopped.status.as_deref().unwrap()),
        "{stopped:?}"
    );
    let done = wait_done(&ctx, &pool_id, &id).await;
    assert_eq!(done.status.as_deref(), Some(STOPPED));
    assert_eq!(
        done.completion_message.as_deref(),
        Some(runner::STOPPED_MESSAGE)
    );
    // Stopped at a chunk boundary (each chunk is one transaction). Which one depends on when
    // the stop gets the write connection: during the first chunk, or, under load, only after
    // the runner went on to the last one (then it stops after that chunk).
    let imported = done.imported_users.unwrap();
    let total = names.len() as i64;
    assert!(
        [0, runner::CHUNK_ROWS as i64, total].contains(&imported),
        "{imported} imported"
    );
    running.stop().await;
}

#[tokio::test]
async fn shutdown_ends_a_running_import_in_a_defined_state() {
    // A database file, so the job can be read back after the server closed its store.
    let dir = std::env::temp_dir().join(format!("cognito-emu-drain-{}", crate::ids::uuid()));
    let db = dir.join("emu.sqlite");
    let config = Config {
        in_memory: false,
        db: db.clone(),
        ..Config::for_tests()
    };
    let running = crate::start(config).await.unwrap();
    let mut ctx = Ctx::internal(running.state.clone());
    ctx.base_url = running.url.clone();
    let pool_id = new_pool(&ctx, |_| {}).await;
    let total = 2 * runner::CHUNK_ROWS + 10;
    let names: Vec<(String, String)> = (0..total)
        .map(|i| (format!("u{i}"), format!("u{i}@example.com")))
        .collect();
    let rows: Vec<Vec<(&str, &str)>> = names.iter().map(|(n, e)| user_row(n, e)).collect();
    let refs: Vec<&[(&str, &str)]> = rows.iter().map(|r| r.as_slice()).collect();
    let csv = csv_for(&ctx, &pool_id, &refs).await;
    let job = create_job(&ctx, &pool_id, "cut short").await;
    let id = job.job_id.clone().unwrap();
    put(job.pre_signed_url.as_deref().unwrap(), &csv).await;
    start(&ctx, &pool_id, &id).await.unwrap();
    drop(ctx);
    // Stopping drains the runner: it winds up after the chunk under way.
    running.stop().await;

    let store = crate::store::Store::open(Some(&db)).await.unwrap();
    let job = store.get_import_job(&pool_id, &id).await.unwrap().unwrap();
    assert_eq!(job.status, FAILED, "{job:?}");
    assert_eq!(
        job.completion_message.as_deref(),
        Some(runner::INTERRUPTED_MESSAGE)
    );
    assert!(job.completed.is_some());
    assert!(job.imported < total as i64, "{job:?}");
    assert_eq!(
        job.imported,
        store.count_users(&pool_id).await.unwrap(),
        "the counts match what was committed"
    );
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
