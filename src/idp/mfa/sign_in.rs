//! The MFA challenges that follow a correct password: which one a user gets
//! (`challenge_after_password`), issuing its code, and checking the answer (`respond`) for
//! SMS_MFA, EMAIL_OTP, SOFTWARE_TOKEN_MFA, SELECT_MFA_TYPE and MFA_SETUP.

use super::*;

/// After a correct password: the MFA challenge the user must answer, or None for tokens.
pub async fn challenge_after_password(
    ctx: &Ctx,
    call: &Call,
    user: &User,
) -> ApiResult<Option<Outcome>> {
    let mode = mfa_configuration(&call.pool);
    if mode == "OFF" {
        return Ok(None);
    }
    let pool_f = pool_factors(ctx, &call.pool).await?;
    let user_f = user_factors(ctx, user).await?;
    let offered = |name: &str| match name {
        SMS_MFA => pool_f.sms.is_some() && user.attr("phone_number").is_some(),
        SOFTWARE_TOKEN_MFA => pool_f.software_token && user_f.totp_secret.is_some(),
        _ => pool_f.email.is_some() && user.attr("email").is_some(),
    };
    let usable: Vec<&str> = user_f
        .enabled()
        .into_iter()
        .filter(|n| offered(n))
        .collect();
    if usable.is_empty() {
        if mode != "ON" {
            return Ok(None);
        }
        // Required MFA: a user with a phone number gets SMS codes when the pool sends them;
        // anyone else must set a factor up first.
        if offered(SMS_MFA) {
            return issue(ctx, call, user, SMS_MFA).await.map(Some);
        }
        return mfa_setup(ctx, call, user, &pool_f).await.map(Some);
    }
    let chosen = match user_f.preferred.as_deref() {
        Some(p) if usable.contains(&p) => Some(p),
        _ if usable.len() == 1 => Some(usable[0]),
        _ => None,
    };
    match chosen {
        Some(name) => issue(ctx, call, user, name).await.map(Some),
        None => {
            let list = serde_json::to_string(&usable).map_err(ApiError::internal)?;
            let session = challenge::open_session(
                ctx,
                call,
                &user.username,
                ChallengeState::SelectMfaType {
                    sub: user.sub.clone(),
                    choices: usable.iter().map(|c| c.to_string()).collect(),
                },
            )
            .await?;
            Ok(Some(Outcome::challenge(
                "SELECT_MFA_TYPE",
                Some(session),
                BTreeMap::from([("MFAS_CAN_CHOOSE".to_string(), list)]),
            )))
        }
    }
}

async fn mfa_setup(
    ctx: &Ctx,
    call: &Call,
    user: &User,
    pool_f: &PoolFactors,
) -> ApiResult<Outcome> {
    let mut can: Vec<&str> = Vec::new();
    if pool_f.sms.is_some() {
        can.push(SMS_MFA);
    }
    if pool_f.software_token {
        can.push(SOFTWARE_TOKEN_MFA);
    }
    if pool_f.email.is_some() {
        can.push(EMAIL_OTP);
    }
    let session = challenge::open_session(
        ctx,
        call,
        &user.username,
        ChallengeState::MfaSetup {
            sub: user.sub.clone(),
            associated: false,
            verified: false,
        },
    )
    .await?;
    Ok(Outcome::challenge(
        "MFA_SETUP",
        Some(session),
        BTreeMap::from([(
            "MFAS_CAN_SETUP".to_string(),
            serde_json::to_string(&can).map_err(ApiError::internal)?,
        )]),
    ))
}

/// Starts the challenge for one factor: sends the code for SMS and email.
async fn issue(ctx: &Ctx, call: &Call, user: &User, name: &str) -> ApiResult<Outcome> {
    let mut code_sha256 = String::new();
    let mut params = BTreeMap::new();
    let delivery = match name {
        SMS_MFA => Some((Medium::Sms, "phone_number")),
        EMAIL_OTP => Some((Medium::Email, "email")),
        _ => None,
    };
    if let Some((medium, attribute)) = delivery {
        let to = user
            .attr(attribute)
            .ok_or_else(|| delivery_missing(name))?
            .to_string();
        let code = crate::mail::new_code(ctx);
        let pool_f = pool_factors(ctx, &call.pool).await?;
        let (subject, template) = match medium {
            Medium::Sms => (
                None,
                pool_f
                    .sms
                    .and_then(|s| s.sms_authentication_message)
                    .or_else(|| call.pool.sms_authentication_message.clone())
                    .unwrap_or_else(|| DEFAULT_SMS_MESSAGE.into()),
            ),
            Medium::Email => {
                let e = pool_f.email.unwrap_or_default();
                (
                    Some(e.subject.unwrap_or_else(|| DEFAULT_EMAIL_SUBJECT.into())),
                    e.message.unwrap_or_else(|| DEFAULT_EMAIL_MESSAGE.into()),
                )
            }
        };
        let (subject, body) = crate::triggers::custom_message::compose(
            ctx,
            &call.pool,
            user,
            "CustomMessage_Authentication",
            crate::triggers::custom_message::Draft {
                medium,
                subject,
                template,
            },
            &code,
        )
        .await?;
        crate::triggers::custom_message::send(
            ctx,
            &call.pool,
            user,
            "CustomMessage_Authentication",
            crate::mail::Message {
                pool_id: user.pool_id.clone(),
                username: user.username.clone(),
                to: to.clone(),
                medium,
                kind: "mfa".into(),
                subject,
                body,
                code: Some(code.clone()),
            },
        )
        .await?;
        // Only a hash of the code is kept.
        code_sha256 = sha256_hex(&code);
        params.insert(
            "CODE_DELIVERY_DELIVERY_MEDIUM".to_string(),
            medium.as_str().to_string(),
        );
        params.insert(
            "CODE_DELIVERY_DESTINATION".to_string(),
            crate::mail::mask_destination(medium, &to),
        );
    }
    if name == SOFTWARE_TOKEN_MFA {
        // As Cognito's challenge carries them (moto's test_user_authentication_flow_mfa_on,
        // checked against AWS).
        let f = user_factors(ctx, user).await?;
        if let Some(device) = f.friendly_device_name {
            params.insert("FRIENDLY_DEVICE_NAME".to_string(), device);
        }
        params.insert("USER_ID_FOR_SRP".to_string(), user.username.clone());
    }
    let sub = user.sub.clone();
    let state = match name {
        SMS_MFA => ChallengeState::SmsMfa { sub, code_sha256 },
        EMAIL_OTP => ChallengeState::EmailOtp { sub, code_sha256 },
        _ => ChallengeState::SoftwareTokenMfa { sub },
    };
    let session = challenge::open_session(ctx, call, &user.username, state).await?;
    Ok(Outcome::challenge(name, Some(session), params))
}

fn code_mismatch() -> ApiError {
    ApiError::new(
        ErrorKind::CodeMismatchException,
        "Invalid code received for user",
    )
}

/// Answers SMS_MFA, EMAIL_OTP, SOFTWARE_TOKEN_MFA, SELECT_MFA_TYPE and MFA_SETUP.
pub async fn respond(
    ctx: &Ctx,
    call: &Call,
    challenge_name: &str,
    username: &str,
    responses: &BTreeMap<String, String>,
    session: Option<&str>,
) -> ApiResult<Step> {
    let pending = challenge::load(ctx, call, session, challenge_name).await?;
    let Some(user) = challenge::user_of(ctx, call, &pending, username).await? else {
        return Err(challenge::invalid_session());
    };
    check_enabled(&user)?;
    match &pending.state {
        ChallengeState::SmsMfa { code_sha256, .. }
        | ChallengeState::EmailOtp { code_sha256, .. } => {
            let field = if challenge_name == SMS_MFA {
                "SMS_MFA_CODE"
            } else {
                "EMAIL_OTP_CODE"
            };
            let given = param(responses, field)?;
            let attempt = challenge::take_code_attempt(ctx, &pending).await?;
            if *code_sha256 != sha256_hex(given.trim()) {
                return Err(challenge::wrong_code(ctx, &pending, attempt, code_mismatch()).await);
            }
        }
        ChallengeState::SoftwareTokenMfa { .. } => {
            let given = param(responses, "SOFTWARE_TOKEN_MFA_CODE")?;
            let attempt = challenge::take_code_attempt(ctx, &pending).await?;
            let mut f = user_factors(ctx, &user).await?;
            let Some(secret) = f.totp_secret.clone() else {
                return Err(code_mismatch());
            };
            if let Err(e) = spend_totp(
                &mut f,
                &secret,
                given,
                ctx.clock.now_secs(),
                code_mismatch(),
            ) {
                return Err(challenge::wrong_code(ctx, &pending, attempt, e).await);
            }
            save_user_factors(ctx, &user, &f).await?;
        }
        ChallengeState::SelectMfaType { choices, .. } => {
            let answer = param(responses, "ANSWER")?;
            if !choices.iter().any(|c| c == answer) {
                return Err(ApiError::invalid_parameter(format!(
                    "Invalid ANSWER {answer}: it must be one of MFAS_CAN_CHOOSE."
                )));
            }
            challenge::close(ctx, &pending).await?;
            return issue(ctx, call, &user, answer).await.map(Step::Challenge);
        }
        ChallengeState::MfaSetup { verified, .. } => {
            if !verified {
                return Err(ApiError::invalid_parameter(
                    "MFA_SETUP can only be completed with a software token verified through \
                     AssociateSoftwareToken and VerifySoftwareToken with the Session.",
                ));
            }
            let mut f = user_factors(ctx, &user).await?;
            f.software_token = true;
            if f.preferred.is_none() {
                f.preferred = Some(SOFTWARE_TOKEN_MFA.into());
            }
            save_user_factors(ctx, &user, &f).await?;
        }
        _ => return Err(challenge::invalid_session()),
    }
    challenge::close(ctx, &pending).await?;
    challenge::signed_in(ctx, call, user).await
}
