//! Races: many concurrent callers of one action on one user / code / group, against a
//! database file (separate read and write connections, as `serve` runs) on a multi-threaded
//! runtime. Each test asserts exactly-one outcomes: one winner, every other caller the error
//! Cognito gives, never InternalErrorException, and the stored state consistent.

use super::shapes::*;
use super::{admin_users, auth, forgot_password, groups, sign_up, user_pools};
use crate::config::Config;
use crate::protocol::ApiResult;
use crate::protocol::ctx::Ctx;
use crate::store::users::LookupAttr;
use crate::testkit::{attr, client_with, pool};
use std::collections::BTreeMap;
use std::future::Future;

/// Concurrent callers per round and rounds per test: enough to lose every race reliably
/// before the fixes (see the commit messages), small enough for the normal test run.
/// `COGNITO_EMU_RACE_ROUNDS=10` repeats each race more often (the measurement).
const CALLERS: usize = 16;

fn rounds() -> usize {
    std::env::var("COGNITO_EMU_RACE_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4)
}

/// An emulator state over a fresh database file (deleted when dropped).
struct FileCtx {
    ctx: Ctx,
    dir: std::path::PathBuf,
}

impl Drop for FileCtx {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn file_ctx() -> FileCtx {
    let dir = std::env::temp_dir().join(format!("cognito-emu-races-{}", crate::ids::uuid()));
    let mut config = Config::for_tests();
    config.in_memory = false;
    config.db = dir.join("db.sqlite");
    config.fixed_code = Some("123456".into());
    let state = crate::build_state(config).await.unwrap();
    FileCtx {
        ctx: Ctx::internal(state),
        dir,
    }
}

/// Runs `n` copies of `f(i)` at once on the runtime's worker threads; their results in order.
async fn together<T, F, Fut>(n: usize, f: F) -> Vec<ApiResult<T>>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = ApiResult<T>> + Send + 'static,
{
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(n));
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let fut = f(i);
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                fut.await
            })
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// How many results were Ok, and the error names of the others with their counts. None of
/// the errors may be the storage layer's last-resort answer to a write that raced a delete:
/// every race here is answered by the action's own check.
fn tally<T>(results: &[ApiResult<T>]) -> (usize, BTreeMap<&'static str, usize>) {
    let mut errors = BTreeMap::new();
    let mut ok = 0;
    for r in results {
        match r {
            Ok(_) => ok += 1,
            Err(e) => {
                assert!(!e.message.contains("while the request ran"), "{e}");
                *errors.entry(e.kind.name()).or_insert(0) += 1
            }
        }
    }
    (ok, errors)
}

fn client_flows(c: &mut UserPoolClientType) {
    c.explicit_auth_flows = Some(vec![
        "ALLOW_USER_PASSWORD_AUTH".into(),
        "ALLOW_REFRESH_TOKEN_AUTH".into(),
    ]);
}

async fn sign_up_user(ctx: &Ctx, client: &UserPoolClientType, name: &str, email: &str) {
    sign_up::sign_up(
        ctx.clone(),
        SignUpRequest {
            client_id: client.client_id.clone().unwrap(),
            username: name.into(),
            password: Some("Passw0rd!".into()),
            user_attributes: Some(vec![attr("email", email)]),
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

async fn confirmed_user(ctx: &Ctx, client: &UserPoolClientType, name: &str, email: &str) {
    sign_up_user(ctx, client, name, email).await;
    sign_up::confirm_sign_up(
        ctx.clone(),
        ConfirmSignUpRequest {
            client_id: client.client_id.clone().unwrap(),
            username: name.into(),
            confirmation_code: "123456".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

async fn password_sign_in(
    ctx: &Ctx,
    client: &UserPoolClientType,
    name: &str,
) -> InitiateAuthResponse {
    auth::initiate_auth(
        ctx.clone(),
        InitiateAuthRequest {
            client_id: client.client_id.clone().unwrap(),
            auth_flow: "USER_PASSWORD_AUTH".into(),
            auth_parameters: Some(
                [
                    ("USERNAME".to_string(), name.to_string()),
                    ("PASSWORD".to_string(), "Passw0rd!".to_string()),
                ]
                .into(),
            ),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sign_ups_with_one_email_make_one_user() {
    let f = file_ctx().await;
    let ctx = &f.ctx;
    let pool = pool(ctx, |p| p.username_attributes = Some(vec!["email".into()])).await;
    let pool_id = pool.id.clone().unwrap();
    let client = client_with(ctx, &pool, |_| {}).await;
    for round in 0..rounds() {
        let email = format!("same{round}@example.com");
        let results = together(CALLERS, |_| {
            let (ctx, client_id, email) = (ctx.clone(), client.client_id.clone(), email.clone());
            sign_up::sign_up(
                ctx,
                SignUpRequest {
                    client_id: client_id.unwrap(),
                    username: email,
                    password: Some("Passw0rd!".into()),
                    ..Default::default()
                },
            )
        })
        .await;
        let holders = ctx
            .store
            .find_users_by_attr(&pool_id, LookupAttr::Email, &email, false)
            .await
            .unwrap();
        let (ok, errors) = tally(&results);
        assert_eq!(
            (ok, holders.len()),
            (1, 1),
            "round {round}: errors {errors:?}"
        );
        assert_eq!(errors.get("UsernameExistsException"), Some(&(CALLERS - 1)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_admin_creates_keep_a_verified_alias_unique() {
    let f = file_ctx().await;
    let ctx = &f.ctx;
    let pool = pool(ctx, |p| p.alias_attributes = Some(vec!["email".into()])).await;
    let pool_id = pool.id.clone().unwrap();
    for round in 0..rounds() {
        let email = format!("alias{round}@example.com");
        let results = together(CALLERS, |i| {
            let (ctx, pool_id, email) = (ctx.clone(), pool_id.clone(), email.clone());
            admin_users::admin_create_user(
                ctx,
                AdminCreateUserRequest {
                    user_pool_id: pool_id,
                    username: format!("user{round}x{i}"),
                    user_attributes: Some(vec![
                        attr("email", &email),
                        attr("email_verified", "true"),
                    ]),
                    message_action: Some("SUPPRESS".into()),
                    ..Default::default()
                },
            )
        })
        .await;
        let holders = ctx
            .store
            .find_users_by_attr(&pool_id, LookupAttr::Email, &email, true)
            .await
            .unwrap();
        let (ok, errors) = tally(&results);
        assert_eq!(
            (ok, holders.len()),
            (1, 1),
            "round {round}: errors {errors:?}"
        );
        assert_eq!(errors.get("AliasExistsException"), Some(&(CALLERS - 1)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_confirmation_code_confirms_once() {
    let f = file_ctx().await;
    let ctx = &f.ctx;
    let pool = pool(ctx, |_| {}).await;
    let client = client_with(ctx, &pool, |_| {}).await;
    for round in 0..rounds() {
        let name = format!("conf{round}");
        sign_up_user(ctx, &client, &name, &format!("{name}@example.com")).await;
        let results = together(CALLERS, |_| {
            let (ctx, client_id, name) = (ctx.clone(), client.client_id.clone(), name.clone());
            sign_up::confirm_sign_up(
                ctx,
                ConfirmSignUpRequest {
                    client_id: client_id.unwrap(),
                    username: name,
                    confirmation_code: "123456".into(),
                    ..Default::default()
                },
            )
        })
        .await;
        let (ok, errors) = tally(&results);
        assert_eq!(ok, 1, "round {round}: errors {errors:?}");
        // What a second, later call answers: the user is confirmed now.
        assert_eq!(
            errors.get("NotAuthorizedException"),
            Some(&(CALLERS - 1)),
            "round {round}: errors {errors:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reset_code_sets_one_password() {
    let f = file_ctx().await;
    let ctx = &f.ctx;
    let pool = pool(ctx, |_| {}).await;
    let pool_id = pool.id.clone().unwrap();
    let client = client_with(ctx, &pool, |_| {}).await;
    for round in 0..rounds() {
        let name = format!("reset{round}");
        confirmed_user(ctx, &client, &name, &format!("{name}@example.com")).await;
        forgot_password::forgot_password(
            ctx.clone(),
            ForgotPasswordRequest {
                client_id: client.client_id.clone().unwrap(),
                username: name.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let results = together(CALLERS, |i| {
            let (ctx, client_id, name) = (ctx.clone(), client.client_id.clone(), name.clone());
            forgot_password::confirm_forgot_password(
                ctx,
                ConfirmForgotPasswordRequest {
                    client_id: client_id.unwrap(),
                    username: name,
                    confirmation_code: "123456".into(),
                    password: format!("NewPassw0rd!{i}"),
                    ..Default::default()
                },
            )
        })
        .await;
        let (ok, errors) = tally(&results);
        assert_eq!(ok, 1, "round {round}: errors {errors:?}");
        assert_eq!(
            errors.get("CodeMismatchException"),
            Some(&(CALLERS - 1)),
            "round {round}: errors {errors:?}"
        );
        // The password the one success set is the one that works.
        let winner = results.iter().position(|r| r.is_ok()).unwrap();
        let user = ctx.store.get_user(&pool_id, &name).await.unwrap().unwrap();
        let stored = user.password.unwrap();
        assert!(crate::crypto::password::check_password(
            &pool_id,
            &name,
            &format!("NewPassw0rd!{winner}"),
            &stored
        ));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_wrong_passwords_are_checked_at_most_five_times() {
    let f = file_ctx().await;
    let ctx = &f.ctx;
    let pool = pool(ctx, |_| {}).await;
    let client = client_with(ctx, &pool, client_flows).await;
    for round in 0..rounds() {
        let name = format!("lock{round}");
        confirmed_user(ctx, &client, &name, &format!("{name}@example.com")).await;
        let results = together(40, |i| {
            let (ctx, client_id, name) = (ctx.clone(), client.client_id.clone(), name.clone());
            auth::initiate_auth(
                ctx,
                InitiateAuthRequest {
                    client_id: client_id.unwrap(),
                    auth_flow: "USER_PASSWORD_AUTH".into(),
                    auth_parameters: Some(
                        [
                            ("USERNAME".to_string(), name),
                            ("PASSWORD".to_string(), format!("Wrong{i}!")),
                        ]
                        .into(),
                    ),
                    ..Default::default()
                },
            )
        })
        .await;
        let messages = |m: &str| {
            results
                .iter()
                .filter(|r| r.as_ref().err().is_some_and(|e| e.message == m))
                .count()
        };
        let checked = messages("Incorrect username or password.");
        let refused = messages("Password attempts exceeded");
        assert_eq!((checked, refused), (5, 35), "round {round}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_user_is_deleted_once() {
    let f = file_ctx().await;
    let ctx = &f.ctx;
    let pool = pool(ctx, |_| {}).await;
    let pool_id = pool.id.clone().unwrap();
    let client = client_with(ctx, &pool, |_| {}).await;
    for round in 0..rounds() {
        let name = format!("del{round}");
        sign_up_user(ctx, &client, &name, &format!("{name}@example.com")).await;
        let results = together(CALLERS, |_| {
            let (ctx, pool_id, name) = (ctx.clone(), pool_id.clone(), name.clone());
            admin_users::admin_delete_user(
                ctx,
                AdminDeleteUserRequest {
                    user_pool_id: pool_id,
                    username: name,
                },
            )
        })
        .await;
        let (ok, errors) = tally(&results);
        assert_eq!(ok, 1, "round {round}: errors {errors:?}");
        assert_eq!(errors.get("UserNotFoundException"), Some(&(CALLERS - 1)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn group_membership_racing_deletes_answers_not_found() {
    let f = file_ctx().await;
    let ctx = &f.ctx;
    let pool = pool(ctx, |_| {}).await;
    let pool_id = pool.id.clone().unwrap();
    let client = client_with(ctx, &pool, |_| {}).await;
    for round in 0..rounds() {
        let group = format!("g{round}");
        groups::create_group(
            ctx.clone(),
            CreateGroupRequest {
                user_pool_id: pool_id.clone(),
                group_name: group.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let names: Vec<String> = (0..CALLERS).map(|i| format!("m{round}x{i}")).collect();
        for name in &names {
            sign_up_user(ctx, &client, name, &format!("{name}@example.com")).await;
        }
        // Half the callers add a user while the other half delete that user; the last one
        // deletes the group.
        let results = together(2 * CALLERS + 1, |i| {
            let (ctx, pool_id, group) = (ctx.clone(), pool_id.clone(), group.clone());
            let name = names[i % CALLERS].clone();
            async move {
                if i == 2 * CALLERS {
                    groups::delete_group(
                        ctx,
                        DeleteGroupRequest {
                            user_pool_id: pool_id,
                            group_name: group,
                        },
                    )
                    .await
                } else if i < CALLERS {
                    groups::admin_add_user_to_group(
                        ctx,
                        AdminAddUserToGroupRequest {
                            user_pool_id: pool_id,
                            username: name,
                            group_name: group,
                        },
                    )
                    .await
                } else {
                    admin_users::admin_delete_user(
                        ctx,
                        AdminDeleteUserRequest {
                            user_pool_id: pool_id,
                            username: name,
                        },
                    )
                    .await
                }
            }
        })
        .await;
        let (_, errors) = tally(&results);
        let unexpected: Vec<_> = errors
            .keys()
            .filter(|k| !matches!(**k, "UserNotFoundException" | "ResourceNotFoundException"))
            .collect();
        assert!(unexpected.is_empty(), "round {round}: errors {errors:?}");
        // Every delete of a user succeeded (nobody else deletes them).
        assert!(results[CALLERS..2 * CALLERS].iter().all(|r| r.is_ok()));
        assert!(results[2 * CALLERS].is_ok());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn creating_users_while_the_pool_is_deleted_answers_not_found() {
    let f = file_ctx().await;
    let ctx = &f.ctx;
    for round in 0..rounds() {
        let pool = pool(ctx, |_| {}).await;
        let pool_id = pool.id.clone().unwrap();
        let results = together(CALLERS, |i| {
            let (ctx, pool_id) = (ctx.clone(), pool_id.clone());
            async move {
                if i == CALLERS / 2 {
                    user_pools::delete_user_pool(
                        ctx,
                        DeleteUserPoolRequest {
                            user_pool_id: pool_id,
                        },
                    )
                    .await
                    .map(|_| ())
                } else {
                    admin_users::admin_create_user(
                        ctx,
                        AdminCreateUserRequest {
                            user_pool_id: pool_id,
                            username: format!("p{round}x{i}"),
                            message_action: Some("SUPPRESS".into()),
                            ..Default::default()
                        },
                    )
                    .await
                    .map(|_| ())
                }
            }
        })
        .await;
        let (_, errors) = tally(&results);
        assert!(
            errors.keys().all(|k| *k == "ResourceNotFoundException"),
            "round {round}: errors {errors:?}"
        );
        assert!(results[CALLERS / 2].is_ok());
        assert_eq!(ctx.store.count_users(&pool_id).await.unwrap(), 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_attribute_updates_keep_a_verified_alias_unique() {
    let f = file_ctx().await;
    let ctx = &f.ctx;
    let pool = pool(ctx, |p| p.alias_attributes = Some(vec!["email".into()])).await;
    let pool_id = pool.id.clone().unwrap();
    let client = client_with(ctx, &pool, |_| {}).await;
    for round in 0..rounds() {
        let names: Vec<String> = (0..CALLERS).map(|i| format!("u{round}x{i}")).collect();
        for name in &names {
            sign_up_user(ctx, &client, name, &format!("{name}@example.com")).await;
        }
        let email = format!("shared{round}@example.com");
        let results = together(CALLERS, |i| {
            let (ctx, pool_id, email) = (ctx.clone(), pool_id.clone(), email.clone());
            admin_users::admin_update_user_attributes(
                ctx,
                AdminUpdateUserAttributesRequest {
                    user_pool_id: pool_id,
                    username: names[i].clone(),
                    user_attributes: vec![attr("email", &email), attr("email_verified", "true")],
                    ..Default::default()
                },
            )
        })
        .await;
        let holders = ctx
            .store
            .find_users_by_attr(&pool_id, LookupAttr::Email, &email, true)
            .await
            .unwrap();
        let (ok, errors) = tally(&results);
        assert_eq!(
            (ok, holders.len()),
            (1, 1),
            "round {round}: errors {errors:?}"
        );
        assert_eq!(errors.get("AliasExistsException"), Some(&(CALLERS - 1)));
    }
}

/// One MFA challenge answered by many callers at once with the right code: one sign-in.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_mfa_challenge_is_answered_once() {
    let f = file_ctx().await;
    let ctx = &f.ctx;
    let pool = pool(ctx, |_| {}).await;
    let pool_id = pool.id.clone().unwrap();
    let client = client_with(ctx, &pool, client_flows).await;
    super::mfa::set_user_pool_mfa_config(
        ctx.clone(),
        SetUserPoolMfaConfigRequest {
            user_pool_id: pool_id.clone(),
            mfa_configuration: Some("ON".into()),
            email_mfa_configuration: Some(EmailMfaConfigType::default()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    for round in 0..rounds() {
        let name = format!("mfa{round}");
        confirmed_user(ctx, &client, &name, &format!("{name}@example.com")).await;
        super::mfa::admin_set_user_mfa_preference(
            ctx.clone(),
            AdminSetUserMFAPreferenceRequest {
                user_pool_id: pool_id.clone(),
                username: name.clone(),
                email_mfa_settings: Some(EmailMfaSettingsType {
                    enabled: Some(true),
                    preferred_mfa: Some(true),
                }),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let challenge = password_sign_in(ctx, &client, &name).await;
        assert_eq!(challenge.challenge_name.as_deref(), Some("EMAIL_OTP"));
        let results = together(CALLERS, |_| {
            let (ctx, client_id, name, session) = (
                ctx.clone(),
                client.client_id.clone(),
                name.clone(),
                challenge.session.clone(),
            );
            auth::respond_to_auth_challenge(
                ctx,
                RespondToAuthChallengeRequest {
                    client_id: client_id.unwrap(),
                    challenge_name: "EMAIL_OTP".into(),
                    session,
                    challenge_responses: Some(
                        [
                            ("USERNAME".to_string(), name),
                            ("EMAIL_OTP_CODE".to_string(), "123456".to_string()),
                        ]
                        .into(),
                    ),
                    ..Default::default()
                },
            )
        })
        .await;
        let (ok, errors) = tally(&results);
        assert_eq!(ok, 1, "round {round}: {errors:?}");
        assert_eq!(
            errors,
            BTreeMap::from([("NotAuthorizedException", CALLERS - 1)]),
            "round {round}"
        );

        // Wrong codes released together: no more are checked than a session allows, and the
        // right code comes too late after them.
        let challenge = password_sign_in(ctx, &client, &name).await;
        let answer = |code: String| {
            let (ctx, client_id, name, session) = (
                ctx.clone(),
                client.client_id.clone(),
                name.clone(),
                challenge.session.clone(),
            );
            auth::respond_to_auth_challenge(
                ctx,
                RespondToAuthChallengeRequest {
                    client_id: client_id.unwrap(),
                    challenge_name: "EMAIL_OTP".into(),
                    session,
                    challenge_responses: Some(
                        [
                            ("USERNAME".to_string(), name),
                            ("EMAIL_OTP_CODE".to_string(), code),
                        ]
                        .into(),
                    ),
                    ..Default::default()
                },
            )
        };
        let results = together(CALLERS, |i| answer(format!("{:06}", 900_000 + i))).await;
        let (ok, errors) = tally(&results);
        let checked = super::challenge::MAX_CODE_ATTEMPTS as usize;
        assert_eq!(ok, 0, "round {round}");
        assert_eq!(
            errors,
            BTreeMap::from([
                ("CodeMismatchException", checked),
                ("NotAuthorizedException", CALLERS - checked),
            ]),
            "round {round}"
        );
        let late = answer("123456".into()).await.unwrap_err();
        assert_eq!(late.kind.name(), "NotAuthorizedException", "round {round}");
    }
}
