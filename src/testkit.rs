//! Fixtures for handler tests (compiled only for `cargo test`): an in-memory emulator state,
//! pools and clients made the way the API makes them, mailbox reads, error kinds.
//!
//! Tests call handlers directly through [`ctx`], without HTTP. Fixtures panic on failure:
//! a fixture that cannot be built is a broken test, not a case to handle.

use crate::config::Config;
use crate::idp::shapes::*;
use crate::protocol::ApiResult;
use crate::protocol::ctx::Ctx;
use crate::store::mailbox::MailboxFilter;

pub async fn ctx() -> Ctx {
    let state = crate::build_state(Config::for_tests()).await.unwrap();
    Ctx::internal(state)
}

/// A pool created through CreateUserPool, then adjusted by `adjust` (settings
/// CreateUserPool does not copy yet are written straight into the stored document).
pub async fn pool(ctx: &Ctx, adjust: impl FnOnce(&mut UserPoolType)) -> UserPoolType {
    let out = crate::idp::user_pools::create_user_pool(
        ctx.clone(),
        CreateUserPoolRequest {
            pool_name: "test".into(),
            auto_verified_attributes: Some(vec!["email".into()]),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mut pool = out.user_pool.unwrap();
    adjust(&mut pool);
    let id = pool.id.clone().unwrap();
    ctx.store.update_pool(&id, "test", &pool).await.unwrap();
    pool
}

/// A client of `pool`; with a secret when `secret`.
pub async fn client(ctx: &Ctx, pool: &UserPoolType, secret: bool) -> UserPoolClientType {
    client_with(ctx, pool, |c| {
        if secret {
            c.client_secret = Some(crate::ids::client_secret());
        }
    })
    .await
}

pub async fn client_with(
    ctx: &Ctx,
    pool: &UserPoolType,
    adjust: impl FnOnce(&mut UserPoolClientType),
) -> UserPoolClientType {
    let pool_id = pool.id.clone().unwrap();
    let mut c = UserPoolClientType {
        user_pool_id: Some(pool_id.clone()),
        client_name: Some("app".into()),
        client_id: Some(crate::ids::client_id()),
        ..Default::default()
    };
    adjust(&mut c);
    let id = c.client_id.clone().unwrap();
    ctx.store
        .insert_client(&pool_id, &id, "app", 0.0, &c)
        .await
        .unwrap();
    c
}

pub fn hash(client: &UserPoolClientType, username: &str) -> Option<String> {
    client.client_secret.as_deref().map(|s| {
        crate::crypto::secret_hash::secret_hash(s, username, client.client_id.as_deref().unwrap())
    })
}

/// Text taken from a page as the browser reads it (maud escapes `&`, `<`, `>` and `"`).
pub fn unescape_html(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

pub fn attr(n: &str, v: &str) -> AttributeType {
    AttributeType {
        name: n.into(),
        value: Some(v.into()),
    }
}

/// The newest mailbox message to `to`.
pub async fn latest(ctx: &Ctx, to: &str) -> crate::store::mailbox::StoredMessage {
    let filter = MailboxFilter {
        to: Some(to.into()),
        ..Default::default()
    };
    let mut m = ctx.store.list_messages(&filter, true, 1).await.unwrap();
    m.pop().expect("a message")
}

pub async fn latest_code(ctx: &Ctx, to: &str) -> String {
    latest(ctx, to).await.code.unwrap()
}

pub fn kind<T: std::fmt::Debug>(r: ApiResult<T>) -> &'static str {
    r.expect_err("an error").kind.name()
}

/// Tokens of a sign-in made by [`sign_in`].
pub struct Signed {
    pub access: String,
    pub refresh: String,
}

/// A confirmed user `name` with a password, in `pool_id`.
pub async fn user(ctx: &Ctx, pool_id: &str, name: &str) {
    crate::idp::admin_users::admin_create_user(
        ctx.clone(),
        AdminCreateUserRequest {
            user_pool_id: pool_id.into(),
            username: name.into(),
            message_action: Some("SUPPRESS".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    crate::idp::admin_users::admin_set_user_password(
        ctx.clone(),
        AdminSetUserPasswordRequest {
            user_pool_id: pool_id.into(),
            username: name.into(),
            password: "Passw0rd!Passw0rd".into(),
            permanent: Some(true),
        },
    )
    .await
    .unwrap();
}

/// A client that allows admin password sign-in.
pub async fn admin_client(ctx: &Ctx, p: &UserPoolType) -> String {
    client_with(ctx, p, |c| {
        c.explicit_auth_flows = Some(vec![
            "ALLOW_ADMIN_USER_PASSWORD_AUTH".into(),
            "ALLOW_REFRESH_TOKEN_AUTH".into(),
        ])
    })
    .await
    .client_id
    .unwrap()
}

pub async fn sign_in(ctx: &Ctx, pool_id: &str, client_id: &str, name: &str) -> Signed {
    let out = crate::idp::auth::admin_initiate_auth(
        ctx.clone(),
        AdminInitiateAuthRequest {
            user_pool_id: pool_id.into(),
            client_id: client_id.into(),
            auth_flow: "ADMIN_USER_PASSWORD_AUTH".into(),
            auth_parameters: Some(
                [
                    ("USERNAME".to_string(), name.to_string()),
                    ("PASSWORD".to_string(), "Passw0rd!Passw0rd".to_string()),
                ]
                .into(),
            ),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let r = out.authentication_result.unwrap();
    Signed {
        access: r.access_token.unwrap(),
        refresh: r.refresh_token.unwrap(),
    }
}
