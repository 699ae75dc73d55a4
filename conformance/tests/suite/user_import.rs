//! User import jobs through the SDK: GetCSVHeader, CreateUserImportJob, the CSV PUT to the
//! pre-signed URL with a plain HTTP client (as curl -T / requests.put do), StartUserImportJob,
//! DescribeUserImportJob until it succeeds; the imported user is RESET_REQUIRED, sign-in
//! answers PasswordResetRequiredException, ForgotPassword / ConfirmForgotPassword set a
//! password and sign-in then works.

use conformance::idp::error::ProvideErrorMetadata;
use conformance::idp::types::{
    AuthFlowType, ExplicitAuthFlowsType, UserImportJobStatusType, UserStatusType,
    VerifiedAttributeType,
};
use conformance::{Harness, idp, unique_name};

const NEW_PW: &str = "N3w-Passw0rd!";

async fn sign_in(
    h: &Harness,
    client_id: &str,
    username: &str,
    password: &str,
) -> Result<idp::types::AuthenticationResultType, idp::operation::initiate_auth::InitiateAuthError>
{
    h.idp
        .initiate_auth()
        .client_id(client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", password)
        .send()
        .await
        .map(|o| o.authentication_result.expect("AuthenticationResult"))
        .map_err(|e| e.into_service_error())
}

#[tokio::test]
async fn csv_import_creates_users_that_reset_their_password() {
    // On AWS the upload goes to S3 over HTTPS and the job needs a real CloudWatch Logs role.
    let Some(h) = Harness::emulator_only("the CSV PUT needs HTTPS and a CloudWatch Logs role")
    else {
        return;
    };
    let pool_id = h
        .idp
        .create_user_pool()
        .pool_name(unique_name("import"))
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .send()
        .await
        .expect("CreateUserPool")
        .user_pool
        .and_then(|p| p.id)
        .expect("Id");
    h.track_user_pool(&pool_id);
    let client_id = h
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("app")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .expect("CreateUserPoolClient")
        .user_pool_client
        .and_then(|c| c.client_id)
        .expect("ClientId");

    let header = h
        .idp
        .get_csv_header()
        .user_pool_id(&pool_id)
        .send()
        .await
        .expect("GetCSVHeader")
        .csv_header
        .expect("CSVHeader");
    assert_eq!(header.first().map(String::as_str), Some("name"));
    assert_eq!(
        header.last().map(String::as_str),
        Some("cognito:username"),
        "{header:?}"
    );
    let row = |username: &str, email: &str| -> String {
        header
            .iter()
            .map(|c| match c.as_str() {
                "cognito:username" => username.to_string(),
                "cognito:mfa_enabled" => "false".to_string(),
                "email" => email.to_string(),
                "email_verified" => "true".to_string(),
                "given_name" => "Imported".to_string(),
                _ => String::new(),
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    let csv = format!(
        "{}\n{}\n{}\n",
        header.join(","),
        row("ivy", "ivy@example.com"),
        row("jon", "jon@example.com")
    );

    let job = h
        .idp
        .create_user_import_job()
        .user_pool_id(&pool_id)
        .job_name("conformance")
        .cloud_watch_logs_role_arn("arn:aws:iam::000000000000:role/CognitoImport")
        .send()
        .await
        .expect("CreateUserImportJob")
        .user_import_job
        .expect("UserImportJob");
    let job_id = job.job_id.clone().expect("JobId");
    assert!(job_id.starts_with("import-"), "{job_id}");
    assert_eq!(job.status, Some(UserImportJobStatusType::Created));
    assert_eq!(job.imported_users, 0);
    let url = job.pre_signed_url.expect("PreSignedUrl");

    // Before the upload the job cannot start.
    let err = h
        .idp
        .start_user_import_job()
        .user_pool_id(&pool_id)
        .job_id(&job_id)
        .send()
        .await
        .expect_err("no CSV uploaded yet")
        .into_service_error();
    assert!(err.is_precondition_not_met_exception(), "{:?}", err.code());

    let raw = h.raw();
    let path = url
        .strip_prefix(raw.base_url())
        .unwrap_or_else(|| panic!("the pre-signed URL {url} points at the emulator"));
    let put = raw
        .request(
            "PUT",
            path,
            &[
                ("x-amz-server-side-encryption", "aws:kms"),
                ("content-type", "text/csv"),
            ],
            csv,
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.text());

    let started = h
        .idp
        .start_user_import_job()
        .user_pool_id(&pool_id)
        .job_id(&job_id)
        .send()
        .await
        .expect("StartUserImportJob")
        .user_import_job
        .expect("UserImportJob");
    assert_eq!(started.status, Some(UserImportJobStatusType::Pending));
    let mut done = None;
    for _ in 0..200 {
        let j = h
            .idp
            .describe_user_import_job()
            .user_pool_id(&pool_id)
            .job_id(&job_id)
            .send()
            .await
            .expect("DescribeUserImportJob")
            .user_import_job
            .expect("UserImportJob");
        if j.status == Some(UserImportJobStatusType::Succeeded) {
            done = Some(j);
            break;
        }
        assert!(
            matches!(
                j.status,
                Some(UserImportJobStatusType::Pending | UserImportJobStatusType::InProgress)
            ),
            "{j:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let done = done.expect("the job succeeds");
    assert_eq!(
        (done.imported_users, done.skipped_users, done.failed_users),
        (2, 0, 0)
    );
    assert!(done.completion_date.is_some());
    let listed = h
        .idp
        .list_user_import_jobs()
        .user_pool_id(&pool_id)
        .max_results(10)
        .send()
        .await
        .expect("ListUserImportJobs")
        .user_import_jobs
        .unwrap_or_default();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].job_id.as_deref(), Some(job_id.as_str()));

    let user = h
        .idp
        .admin_get_user()
        .user_pool_id(&pool_id)
        .username("ivy")
        .send()
        .await
        .expect("AdminGetUser");
    assert_eq!(user.user_status, Some(UserStatusType::ResetRequired));
    let attrs = user.user_attributes.unwrap_or_default();
    let value = |n: &str| {
        attrs
            .iter()
            .find(|a| a.name == n)
            .and_then(|a| a.value.clone())
    };
    assert_eq!(value("email").as_deref(), Some("ivy@example.com"));
    assert_eq!(value("email_verified").as_deref(), Some("true"));
    assert_eq!(value("given_name").as_deref(), Some("Imported"));

    let err = sign_in(&h, &client_id, "ivy", "any-Passw0rd!")
        .await
        .expect_err("an imported user must reset the password");
    assert!(
        err.is_password_reset_required_exception(),
        "{:?}: {:?}",
        err.code(),
        err.message()
    );

    h.idp
        .forgot_password()
        .client_id(&client_id)
        .username("ivy")
        .send()
        .await
        .expect("ForgotPassword");
    let code = h
        .codes()
        .latest(&pool_id, "ivy", "forgot_password")
        .await
        .expect("mailbox");
    h.idp
        .confirm_forgot_password()
        .client_id(&client_id)
        .username("ivy")
        .confirmation_code(code)
        .password(NEW_PW)
        .send()
        .await
        .expect("ConfirmForgotPassword");
    let tokens = sign_in(&h, &client_id, "ivy", NEW_PW)
        .await
        .expect("sign-in after the reset");
    assert!(tokens.access_token.is_some());
    let user = h
        .idp
        .admin_get_user()
        .user_pool_id(&pool_id)
        .username("ivy")
        .send()
        .await
        .expect("AdminGetUser");
    assert_eq!(user.user_status, Some(UserStatusType::Confirmed));
}
