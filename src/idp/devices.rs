//! Remembered devices: the pool's DeviceConfiguration at sign-in (NewDeviceMetadata for a
//! sign-in without a device, the DEVICE_SRP_AUTH → DEVICE_PASSWORD_VERIFIER handshake for a
//! sign-in with one, MFA skipped on a remembered device), and the device actions:
//! ConfirmDevice, GetDevice, ListDevices, UpdateDeviceStatus, ForgetDevice and their Admin
//! variants.
//!
//! As AWS's developer guide ("Working with user devices in your user pool") describes: a
//! device key is `<region>_<uuid>`; the client makes an SRP verifier for it from the device
//! group key, the device key and a random password it keeps, and later proves the device
//! with the same SRP-6a as the user's password (N, g, k and the HKDF unchanged; the device
//! group key takes the pool name's place and the device key the username's).

use super::auth::{SrpClaim, parse_hex, random_biguint};
use super::challenge::{
    self, Call, ChallengeState, Outcome, Step, check_enabled, incorrect, param, random_b64,
};
use super::shapes::*;
use super::user_pools::load_pool;
use super::users::lookup::{require_user, resolve_user};
use crate::crypto::srp;
use crate::model::user::User;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult};
use crate::store::devices::Device;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use num_bigint::BigUint;
use rand::Rng;
use std::collections::BTreeMap;

/// ListDevices' largest page (the API reference's Limit range).
const MAX_LIMIT: usize = 60;

fn not_found() -> ApiError {
    ApiError::resource_not_found("Device does not exist.")
}

/// Whether a remembered device signs in without the MFA step (ChallengeRequiredOnNewDevice:
/// "a remembered device can sign in with device authentication instead of SMS and TOTP").
fn skips_mfa(pool: &UserPoolType) -> bool {
    pool.device_configuration
        .as_ref()
        .and_then(|c| c.challenge_required_on_new_device)
        == Some(true)
}

/// Whether ConfirmDevice leaves the device not remembered until the user says so.
fn remembered_on_prompt(pool: &UserPoolType) -> bool {
    pool.device_configuration
        .as_ref()
        .and_then(|c| c.device_only_remembered_on_user_prompt)
        == Some(true)
}

/// The confirmed device the call presented for `user`. A key that names no confirmed device
/// of theirs is ResourceNotFoundException (clients forget their stored key on it and retry).
pub async fn presented(ctx: &Ctx, call: &Call, user: &User) -> ApiResult<Option<Device>> {
    let Some(key) = &call.device_key else {
        return Ok(None);
    };
    let device = ctx.store.get_device(&call.pool_id, key).await?;
    match device {
        Some(d) if d.sub == user.sub && d.confirmed() => Ok(Some(d)),
        _ => Err(not_found()),
    }
}

/// After the password: a remembered device stands in for the MFA step when the pool says
/// so. `Some` is the DEVICE_SRP_AUTH challenge that replaces MFA.
pub async fn instead_of_mfa(ctx: &Ctx, call: &Call, user: &User) -> ApiResult<Option<Outcome>> {
    match presented(ctx, call, user).await? {
        Some(d) if d.remembered && skips_mfa(&call.pool) => {
            challenge::device_challenge(ctx, call, user, &d.device_key)
                .await
                .map(Some)
        }
        _ => Ok(None),
    }
}

/// A sign-in that presented no device, in a pool that tracks devices: a new device key and
/// group key (NewDeviceMetadata), recorded unconfirmed until ConfirmDevice.
pub async fn new_device(ctx: &Ctx, call: &Call, user: &User) -> ApiResult<NewDeviceMetadataType> {
    let region = super::user_pools::region_of(&call.pool_id, &ctx.region);
    let now = ctx.clock.now_epoch();
    let device = Device {
        pool_id: call.pool_id.clone(),
        device_key: format!("{region}_{}", crate::ids::uuid()),
        sub: user.sub.clone(),
        group_key: group_key(),
        name: None,
        salt: None,
        verifier: None,
        remembered: false,
        last_ip: None,
        created: now,
        modified: now,
        last_authenticated: now,
    };
    ctx.store.insert_device(&device).await?;
    Ok(NewDeviceMetadataType {
        device_key: Some(device.device_key),
        device_group_key: Some(device.group_key),
    })
}

/// Cognito's device group keys look like `-` and nine letters and digits.
fn group_key() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    let tail: String = (0..9)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!("-{tail}")
}

/// Answers DEVICE_SRP_AUTH (DEVICE_KEY, SRP_A): the DEVICE_PASSWORD_VERIFIER challenge, whose
/// state the SECRET_BLOCK names (like PASSWORD_VERIFIER, it carries no Session).
pub async fn respond_srp(
    ctx: &Ctx,
    call: &Call,
    username: &str,
    responses: &BTreeMap<String, String>,
    session: Option<&str>,
) -> ApiResult<Step> {
    let device_key = param(responses, "DEVICE_KEY")?;
    let a_hex = param(responses, "SRP_A")?;
    let a_pub = parse_hex(a_hex)
        .filter(|a| (a % &*srp::N) != BigUint::ZERO)
        .ok_or_else(|| ApiError::invalid_parameter("Invalid SRP_A."))?;
    let user = match session.filter(|s| !s.is_empty()) {
        Some(session) => {
            let pending = challenge::load(ctx, call, Some(session), "DEVICE_SRP_AUTH").await?;
            let ChallengeState::DeviceSrpAuth { device_key: k, .. } = &pending.state else {
                return Err(challenge::invalid_session());
            };
            if k != device_key {
                return Err(not_found());
            }
            let user = challenge::user_of(ctx, call, &pending, username)
                .await?
                .ok_or_else(challenge::invalid_session)?;
            challenge::close(ctx, &pending).await?;
            user
        }
        // Clients written before Cognito required the Session here (pycognito) send none:
        // the device's SRP proof is then the whole sign-in, as it was.
        None => resolve_user(ctx, &call.pool, username)
            .await?
            .ok_or_else(|| call.unknown_user())?,
    };
    check_enabled(&user)?;
    let device = owned(ctx, &user, device_key).await?;
    let (Some(salt), Some(verifier)) = (&device.salt, &device.verifier) else {
        return Err(not_found());
    };
    let v = BigUint::from_bytes_be(verifier);
    let b = random_biguint(32);
    let server = crate::cpu::run(move || srp::server_challenge(&v, b)).await?;
    let secret_block = random_b64(384);
    challenge::open(
        ctx,
        call,
        &secret_block,
        &user.username,
        ChallengeState::DevicePasswordVerifier {
            sub: user.sub.clone(),
            device_key: device.device_key.clone(),
            a: a_pub.to_str_radix(16),
            b: server.b.to_str_radix(16),
            b_pub: server.b_pub.to_str_radix(16),
        },
    )
    .await?;
    let params = BTreeMap::from([
        ("USERNAME".to_string(), user.username.clone()),
        ("DEVICE_KEY".to_string(), device.device_key.clone()),
        ("SALT".to_string(), crate::crypto::hex::encode(salt)),
        ("SRP_B".to_string(), server.b_pub.to_str_radix(16)),
        ("SECRET_BLOCK".to_string(), secret_block),
    ]);
    Ok(Step::Challenge(Outcome::challenge(
        "DEVICE_PASSWORD_VERIFIER",
        None,
        params,
    )))
}

/// Answers DEVICE_PASSWORD_VERIFIER: the device's claim checked against its verifier; then
/// the user is authenticated on that device.
pub async fn respond_verifier(
    ctx: &Ctx,
    call: &Call,
    username: &str,
    responses: &BTreeMap<String, String>,
) -> ApiResult<Step> {
    let secret_block = param(responses, "PASSWORD_CLAIM_SECRET_BLOCK")?;
    param(responses, "PASSWORD_CLAIM_SIGNATURE")?;
    param(responses, "TIMESTAMP")?;
    let device_key = param(responses, "DEVICE_KEY")?;
    let pending =
        challenge::find_verifier(ctx, call, secret_block, "DEVICE_PASSWORD_VERIFIER").await?;
    challenge::take_verifier(ctx, &pending).await?;
    let ChallengeState::DevicePasswordVerifier {
        device_key: k,
        a,
        b,
        b_pub,
        ..
    } = &pending.state
    else {
        return Err(incorrect());
    };
    if k != device_key {
        return Err(not_found());
    }
    let user = challenge::user_of(ctx, call, &pending, username)
        .await?
        .ok_or_else(incorrect)?;
    check_enabled(&user)?;
    let device = owned(ctx, &user, device_key).await?;
    let Some(verifier) = &device.verifier else {
        return Err(not_found());
    };
    let claim = SrpClaim {
        a,
        b,
        b_pub,
        pool_name: &device.group_key,
        user_id: &device.device_key,
    };
    if !claim
        .check(ctx, BigUint::from_bytes_be(verifier), responses)
        .await?
    {
        return Err(incorrect());
    }
    ctx.store
        .touch_device(&call.pool_id, device_key, None, ctx.clock.now_epoch())
        .await?;
    challenge::authenticated(ctx, call, user).await
}

// ---- The device actions ----

/// The signed-in user an access token names (with the user-admin scope), with their pool.
async fn token_user(ctx: &Ctx, token: &str) -> ApiResult<(UserPoolType, User)> {
    let (_, pool, user) = super::self_service::signed_in(ctx, token).await?;
    Ok((pool, user))
}

/// GetDevice and ForgetDevice model AccessToken as optional (AWS accepts IAM-signed calls
/// there); the emulator knows the user only from the token.
fn required(token: Option<&str>) -> ApiResult<&str> {
    token.ok_or_else(|| ApiError::invalid_parameter("Missing required parameter AccessToken"))
}

async fn admin_user(ctx: &Ctx, pool_id: &str, username: &str) -> ApiResult<(UserPoolType, User)> {
    let pool = load_pool(ctx, pool_id).await?;
    let user = require_user(ctx, &pool, username).await?;
    Ok((pool, user))
}

/// `user`'s device `key` (confirmed or not, as Cognito finds it by key).
async fn owned(ctx: &Ctx, user: &User, key: &str) -> ApiResult<Device> {
    ctx.store
        .get_device(&user.pool_id, key)
        .await?
        .filter(|d| d.sub == user.sub)
        .ok_or_else(not_found)
}

fn device_type(d: &Device, user: &User) -> DeviceType {
    let attr = |name: &str, value: String| AttributeType {
        name: name.to_string(),
        value: Some(value),
    };
    let owner = format!("{}.{}", user.username, user.pool_id);
    let mut attrs = vec![attr("device_status", "valid".into())];
    if let Some(name) = &d.name {
        attrs.push(attr("device_name", name.clone()));
    }
    attrs.push(attr(
        "dev:device_arn",
        format!(
            "arn:aws:cognito-idp:{}:{}:owner/{owner}/device/{}",
            super::user_pools::region_of(&d.pool_id, "us-east-1"),
            crate::ids::ACCOUNT_ID,
            d.device_key
        ),
    ));
    attrs.push(attr("dev:device_owner", owner));
    if let Some(ip) = &d.last_ip {
        attrs.push(attr("last_ip_used", ip.clone()));
    }
    let status = if d.remembered {
        "remembered"
    } else {
        "not_remembered"
    };
    attrs.push(attr("dev:device_remembered_status", status.into()));
    DeviceType {
        device_key: Some(d.device_key.clone()),
        device_attributes: Some(attrs),
        device_create_date: Some(d.created),
        device_last_modified_date: Some(d.modified),
        device_last_authenticated_date: Some(d.last_authenticated),
    }
}

/// One page of a user's confirmed devices; the token is the next page's first device key.
async fn list_page(
    ctx: &Ctx,
    user: &User,
    limit: Option<i32>,
    token: Option<&str>,
) -> ApiResult<(Vec<DeviceType>, Option<String>)> {
    let all = ctx.store.list_devices(&user.pool_id, &user.sub).await?;
    let limit = match limit {
        None | Some(0) => MAX_LIMIT,
        Some(n) => (n.max(1) as usize).min(MAX_LIMIT),
    };
    let scope = format!("ListDevices\0{}\0{}", user.pool_id, user.sub);
    let start = match crate::protocol::page_token::open_opt(&scope, token)? {
        None => 0,
        Some(key) => all
            .iter()
            .position(|d| d.device_key == key)
            .ok_or_else(|| ApiError::invalid_parameter("Invalid pagination token."))?,
    };
    let page: Vec<DeviceType> = all
        .iter()
        .skip(start)
        .take(limit)
        .map(|d| device_type(d, user))
        .collect();
    let next = all.get(start + limit).map(|d| d.device_key.clone());
    Ok((page, crate::protocol::page_token::seal_next(&scope, next)))
}

fn remembered_status(status: Option<&str>) -> ApiResult<bool> {
    match status {
        Some("remembered") => Ok(true),
        Some("not_remembered") | None => Ok(false),
        Some(other) => Err(ApiError::invalid_parameter(format!(
            "1 validation error detected: Value '{other}' at 'deviceRememberedStatus' failed to \
             satisfy constraint: Member must satisfy enum value set: [remembered, not_remembered]"
        ))),
    }
}

pub async fn confirm_device(
    ctx: Ctx,
    input: ConfirmDeviceRequest,
) -> ApiResult<ConfirmDeviceResponse> {
    let (pool, user) = token_user(&ctx, &input.access_token).await?;
    let device = owned(&ctx, &user, &input.device_key).await?;
    let config = input.device_secret_verifier_config.unwrap_or_default();
    let decode = |v: Option<&str>, what: &str| {
        v.and_then(|s| B64.decode(s).ok())
            .filter(|b| !b.is_empty())
            .ok_or_else(|| {
                ApiError::invalid_parameter(format!(
                    "DeviceSecretVerifierConfig.{what} must be base64-encoded bytes."
                ))
            })
    };
    let verifier = decode(config.password_verifier.as_deref(), "PasswordVerifier")?;
    let salt = decode(config.salt.as_deref(), "Salt")?;
    let prompt = remembered_on_prompt(&pool);
    let confirmed = Device {
        salt: Some(salt),
        verifier: Some(verifier),
        name: input.device_name.or(device.name.clone()),
        remembered: !prompt,
        modified: ctx.clock.now_epoch(),
        ..device
    };
    let done = ctx.store.confirm_device(&confirmed).await?;
    if !done {
        return Err(not_found());
    }
    Ok(ConfirmDeviceResponse {
        user_confirmation_necessary: Some(prompt),
    })
}

pub async fn get_device(ctx: Ctx, input: GetDeviceRequest) -> ApiResult<GetDeviceResponse> {
    let (_, user) = token_user(&ctx, required(input.access_token.as_deref())?).await?;
    let device = owned(&ctx, &user, &input.device_key).await?;
    Ok(GetDeviceResponse {
        device: device_type(&device, &user),
    })
}

pub async fn admin_get_device(
    ctx: Ctx,
    input: AdminGetDeviceRequest,
) -> ApiResult<AdminGetDeviceResponse> {
    let (_, user) = admin_user(&ctx, &input.user_pool_id, &input.username).await?;
    let device = owned(&ctx, &user, &input.device_key).await?;
    Ok(AdminGetDeviceResponse {
        device: device_type(&device, &user),
    })
}

pub async fn list_devices(ctx: Ctx, input: ListDevicesRequest) -> ApiResult<ListDevicesResponse> {
    let (_, user) = token_user(&ctx, &input.access_token).await?;
    let (devices, pagination_token) =
        list_page(&ctx, &user, input.limit, input.pagination_token.as_deref()).await?;
    Ok(ListDevicesResponse {
        devices: Some(devices),
        pagination_token,
    })
}

pub async fn admin_list_devices(
    ctx: Ctx,
    input: AdminListDevicesRequest,
) -> ApiResult<AdminListDevicesResponse> {
    let (_, user) = admin_user(&ctx, &input.user_pool_id, &input.username).await?;
    let (devices, pagination_token) =
        list_page(&ctx, &user, input.limit, input.pagination_token.as_deref()).await?;
    Ok(AdminListDevicesResponse {
        devices: Some(devices),
        pagination_token,
    })
}

async fn set_status(ctx: &Ctx, user: &User, key: &str, status: Option<&str>) -> ApiResult<()> {
    let remembered = remembered_status(status)?;
    let device = owned(ctx, user, key).await?;
    if !ctx
        .store
        .set_device_remembered(
            &user.pool_id,
            &device.device_key,
            remembered,
            ctx.clock.now_epoch(),
        )
        .await?
    {
        return Err(not_found());
    }
    Ok(())
}

pub async fn update_device_status(
    ctx: Ctx,
    input: UpdateDeviceStatusRequest,
) -> ApiResult<serde_json::Value> {
    let (_, user) = token_user(&ctx, &input.access_token).await?;
    set_status(
        &ctx,
        &user,
        &input.device_key,
        input.device_remembered_status.as_deref(),
    )
    .await?;
    Ok(serde_json::json!({}))
}

pub async fn admin_update_device_status(
    ctx: Ctx,
    input: AdminUpdateDeviceStatusRequest,
) -> ApiResult<serde_json::Value> {
    let (_, user) = admin_user(&ctx, &input.user_pool_id, &input.username).await?;
    set_status(
        &ctx,
        &user,
        &input.device_key,
        input.device_remembered_status.as_deref(),
    )
    .await?;
    Ok(serde_json::json!({}))
}

async fn forget(ctx: &Ctx, user: &User, key: &str) -> ApiResult<()> {
    let device = owned(ctx, user, key).await?;
    if !ctx
        .store
        .delete_device(&user.pool_id, &device.device_key)
        .await?
    {
        return Err(not_found());
    }
    Ok(())
}

pub async fn forget_device(ctx: Ctx, input: ForgetDeviceRequest) -> ApiResult<serde_json::Value> {
    let (_, user) = token_user(&ctx, required(input.access_token.as_deref())?).await?;
    forget(&ctx, &user, &input.device_key).await?;
    Ok(serde_json::json!({}))
}

pub async fn admin_forget_device(
    ctx: Ctx,
    input: AdminForgetDeviceRequest,
) -> ApiResult<serde_json::Value> {
    let (_, user) = admin_user(&ctx, &input.user_pool_id, &input.username).await?;
    forget(&ctx, &user, &input.device_key).await?;
    Ok(serde_json::json!({}))
}

#[cfg(test)]
mod tests;
