//! The user lifecycle through the SDK (issue 3): sign-up and confirmation with codes from the
//! dev mailbox, admin actions, ListUsers filters and pagination, groups, self-service with a
//! real access token, forgot password, and journeys J1 and J2 end to end. Every error case
//! asserts the SDK's typed error.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cognito_emu::crypto::secret_hash::secret_hash;
use conformance::idp::error::ProvideErrorMetadata;
use conformance::idp::types::{
    AliasAttributeType, AttributeDataType, AttributeType, AuthFlowType, DeliveryMediumType,
    ExplicitAuthFlowsType, MessageActionType, SchemaAttributeType, UserStatusType,
    VerifiedAttributeType,
};
use conformance::{Harness, RawClient, idp, unique_name};

const PW: &str = "Passw0rd!";
const NEW_PW: &str = "N3w-Passw0rd!";

fn attr(name: &str, value: &str) -> AttributeType {
    AttributeType::builder()
        .name(name)
        .value(value)
        .build()
        .expect("attribute")
}

fn schema(name: &str, required: bool) -> SchemaAttributeType {
    SchemaAttributeType::builder()
        .name(name)
        .attribute_data_type(AttributeDataType::String)
        .required(required)
        .mutable(true)
        .build()
}

/// The error code the service answered (`__type`), for messages of failed assertions.
fn code_of<E: ProvideErrorMetadata>(e: &E) -> String {
    format!("{:?}: {:?}", e.code(), e.message())
}

/// A pool where email is required and auto-verified and given_name is required (as in J1).
async fn j1_pool(h: &Harness, aliases: bool) -> String {
    let mut b = h
        .idp
        .create_user_pool()
        .pool_name(unique_name("users"))
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .schema(schema("email", true))
        .schema(schema("given_name", true));
    if aliases {
        b = b.alias_attributes(AliasAttributeType::Email);
    }
    let id = b
        .send()
        .await
        .expect("CreateUserPool")
        .user_pool
        .and_then(|p| p.id)
        .expect("Id");
    h.track_user_pool(&id);
    id
}

struct App {
    id: String,
    secret: Option<String>,
}

impl App {
    /// SECRET_HASH for `username` when the client has a secret.
    fn hash(&self, username: &str) -> Option<String> {
        self.secret
            .as_deref()
            .map(|s| secret_hash(s, username, &self.id))
    }
}

async fn app_client(h: &Harness, pool_id: &str, with_secret: bool) -> App {
    let client = h
        .idp
        .create_user_pool_client()
        .user_pool_id(pool_id)
        .client_name(unique_name("app"))
        .generate_secret(with_secret)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .expect("CreateUserPoolClient")
        .user_pool_client
        .expect("UserPoolClient");
    App {
        id: client.client_id.expect("ClientId"),
        secret: client.client_secret,
    }
}

/// SignUp with the J1 attributes.
async fn sign_up(
    h: &Harness,
    app: &App,
    username: &str,
    email: &str,
) -> Result<
    idp::operation::sign_up::SignUpOutput,
    idp::error::SdkError<idp::operation::sign_up::SignUpError>,
> {
    h.idp
        .sign_up()
        .client_id(&app.id)
        .set_secret_hash(app.hash(username))
        .username(username)
        .password(PW)
        .user_attributes(attr("email", email))
        .user_attributes(attr("given_name", "Ada"))
        .user_attributes(attr("phone_number", "+48123456789"))
        .send()
        .await
}

/// The claims of a JWT (not verified: the token tests do that).
fn claims(jwt: &str) -> serde_json::Value {
    let payload = jwt.split('.').nth(1).expect("a JWT has three parts");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url payload"))
        .expect("JSON claims")
}

async fn admin_sign_in(
    h: &Harness,
    pool_id: &str,
    app: &App,
    username: &str,
    password: &str,
) -> Result<
    idp::types::AuthenticationResultType,
    idp::operation::admin_initiate_auth::AdminInitiateAuthError,
> {
    let mut req = h
        .idp
        .admin_initiate_auth()
        .user_pool_id(pool_id)
        .client_id(&app.id)
        .auth_flow(AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", password);
    if let Some(hash) = app.hash(username) {
        req = req.auth_parameters("SECRET_HASH", hash);
    }
    req.send()
        .await
        .map(|o| o.authentication_result.expect("AuthenticationResult"))
        .map_err(|e| e.into_service_error())
}

async fn password_sign_in(
    h: &Harness,
    app: &App,
    username: &str,
    password: &str,
) -> Result<idp::types::AuthenticationResultType, idp::operation::initiate_auth::InitiateAuthError>
{
    let mut req = h
        .idp
        .initiate_auth()
        .client_id(&app.id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", password);
    if let Some(hash) = app.hash(username) {
        req = req.auth_parameters("SECRET_HASH", hash);
    }
    req.send()
        .await
        .map(|o| o.authentication_result.expect("AuthenticationResult"))
        .map_err(|e| e.into_service_error())
}

/// A confirmed user `username` with a permanent password, created by the admin API.
async fn admin_user(h: &Harness, pool_id: &str, username: &str, attrs: &[(&str, &str)]) {
    let mut req = h
        .idp
        .admin_create_user()
        .user_pool_id(pool_id)
        .username(username)
        .message_action(MessageActionType::Suppress);
    for (n, v) in attrs {
        req = req.user_attributes(attr(n, v));
    }
    req.send().await.expect("AdminCreateUser");
    h.idp
        .admin_set_user_password()
        .user_pool_id(pool_id)
        .username(username)
        .password(PW)
        .permanent(true)
        .send()
        .await
        .expect("AdminSetUserPassword");
}

fn attr_value<'a>(attrs: &'a [AttributeType], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|a| a.name == name)
        .and_then(|a| a.value.as_deref())
}

/// J1 end to end: SignUp with SECRET_HASH -> code from the mailbox -> ConfirmSignUp ->
/// AdminInitiateAuth with SECRET_HASH -> claims -> REFRESH_TOKEN_AUTH.
#[tokio::test]
async fn journey_j1_sign_up_confirm_and_sign_in_with_a_secret_client() {
    let Some(h) = Harness::emulator_only("the confirmation code is read from the dev mailbox")
    else {
        return;
    };
    let pool_id = j1_pool(&h, false).await;
    let app = app_client(&h, &pool_id, true).await;
    let username = "ada";

    let out = sign_up(&h, &app, username, "ada@example.com")
        .await
        .expect("SignUp");
    assert!(!out.user_confirmed);
    assert!(!out.user_sub.is_empty());
    let details = out.code_delivery_details.expect("CodeDeliveryDetails");
    assert_eq!(details.destination.as_deref(), Some("a***@e***"));
    assert_eq!(details.delivery_medium, Some(DeliveryMediumType::Email));
    assert_eq!(details.attribute_name.as_deref(), Some("email"));

    // A wrong code, then the mailbox's.
    let code = h
        .codes()
        .latest(&pool_id, username, "sign_up")
        .await
        .expect("mailbox");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let err = h
        .idp
        .confirm_sign_up()
        .client_id(&app.id)
        .set_secret_hash(app.hash(username))
        .username(username)
        .confirmation_code(wrong)
        .send()
        .await
        .expect_err("a wrong code")
        .into_service_error();
    assert!(err.is_code_mismatch_exception(), "{}", code_of(&err));
    h.idp
        .confirm_sign_up()
        .client_id(&app.id)
        .set_secret_hash(app.hash(username))
        .username(username)
        .confirmation_code(&code)
        .send()
        .await
        .expect("ConfirmSignUp");
    let user = h
        .idp
        .admin_get_user()
        .user_pool_id(&pool_id)
        .username(username)
        .send()
        .await
        .expect("AdminGetUser");
    assert_eq!(user.user_status, Some(UserStatusType::Confirmed));
    assert_eq!(
        attr_value(user.user_attributes(), "email_verified"),
        Some("true")
    );
    assert_eq!(
        attr_value(user.user_attributes(), "sub"),
        Some(&*out.user_sub)
    );

    let tokens = admin_sign_in(&h, &pool_id, &app, username, PW)
        .await
        .expect("AdminInitiateAuth ADMIN_USER_PASSWORD_AUTH");
    assert_eq!(tokens.expires_in, 3600);
    assert_eq!(tokens.token_type.as_deref(), Some("Bearer"));
    let id = claims(tokens.id_token.as_deref().expect("IdToken"));
    assert_eq!(id["cognito:username"], username);
    assert_eq!(id["email"], "ada@example.com");
    assert_eq!(id["given_name"], "Ada");
    assert_eq!(id["sub"], out.user_sub.as_str());
    let access = claims(tokens.access_token.as_deref().expect("AccessToken"));
    assert_eq!(access["username"], username);
    assert_eq!(access["client_id"], app.id.as_str());

    let refreshed = h
        .idp
        .admin_initiate_auth()
        .user_pool_id(&pool_id)
        .client_id(&app.id)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", tokens.refresh_token.expect("RefreshToken"))
        // For refresh, SECRET_HASH is computed with the user's sub or username; the username
        // is what J1 apps send.
        .auth_parameters("SECRET_HASH", app.hash(username).expect("secret client"))
        .send()
        .await
        .expect("REFRESH_TOKEN_AUTH")
        .authentication_result
        .expect("AuthenticationResult");
    assert!(refreshed.id_token.is_some() && refreshed.access_token.is_some());
}

/// The errors of SignUp a J1 API maps, on the emulator and on Cognito.
#[tokio::test]
async fn sign_up_errors_are_typed() {
    let h = Harness::both();
    let pool_id = j1_pool(&h, false).await;
    let app = app_client(&h, &pool_id, true).await;
    let username = unique_name("u");
    sign_up(&h, &app, &username, "dup@example.com")
        .await
        .expect("SignUp");

    let err = sign_up(&h, &app, &username, "dup@example.com")
        .await
        .expect_err("the same username again")
        .into_service_error();
    assert!(err.is_username_exists_exception(), "{}", code_of(&err));

    // Missing required attribute (given_name).
    let err = h
        .idp
        .sign_up()
        .client_id(&app.id)
        .set_secret_hash(app.hash("other"))
        .username("other")
        .password(PW)
        .user_attributes(attr("email", "other@example.com"))
        .send()
        .await
        .expect_err("given_name is required")
        .into_service_error();
    assert!(err.is_invalid_parameter_exception(), "{}", code_of(&err));

    // Password policy (the default one requires 8 characters, cases, numbers, symbols).
    let err = h
        .idp
        .sign_up()
        .client_id(&app.id)
        .set_secret_hash(app.hash("weak"))
        .username("weak")
        .password("password1")
        .user_attributes(attr("email", "weak@example.com"))
        .user_attributes(attr("given_name", "W"))
        .send()
        .await
        .expect_err("a weak password")
        .into_service_error();
    assert!(err.is_invalid_password_exception(), "{}", code_of(&err));

    // SECRET_HASH missing, then wrong.
    for hash in [None, Some("bm90LXRoZS1oYXNo".to_string())] {
        let err = h
            .idp
            .sign_up()
            .client_id(&app.id)
            .set_secret_hash(hash.clone())
            .username("nohash")
            .password(PW)
            .user_attributes(attr("email", "nohash@example.com"))
            .user_attributes(attr("given_name", "N"))
            .send()
            .await
            .expect_err("SECRET_HASH missing or wrong")
            .into_service_error();
        assert!(
            err.is_not_authorized_exception(),
            "{hash:?}: {}",
            code_of(&err)
        );
    }

    // ConfirmSignUp / ResendConfirmationCode for nobody.
    let err = h
        .idp
        .confirm_sign_up()
        .client_id(&app.id)
        .set_secret_hash(app.hash("nobody"))
        .username("nobody")
        .confirmation_code("123456")
        .send()
        .await
        .expect_err("unknown user")
        .into_service_error();
    assert!(err.is_user_not_found_exception(), "{}", code_of(&err));
    let err = h
        .idp
        .resend_confirmation_code()
        .client_id(&app.id)
        .set_secret_hash(app.hash("nobody"))
        .username("nobody")
        .send()
        .await
        .expect_err("unknown user")
        .into_service_error();
    assert!(err.is_user_not_found_exception(), "{}", code_of(&err));
}

/// Codes expire after 24 hours. The clock is moved on an emulator of the case's own, so other
/// cases running meanwhile keep their tokens.
#[tokio::test]
async fn a_sign_up_code_expires_after_24_hours_and_a_resent_one_works() {
    let Some(_h) = Harness::emulator_only("moves the emulator's clock (dev endpoint)") else {
        return;
    };
    let running = cognito_emu::start(cognito_emu::config::Config::for_tests())
        .await
        .expect("start a private emulator");
    let raw = RawClient::new(&running.url);
    let client = conformance::idp_client_for(&running.url);
    let pool_id = client
        .create_user_pool()
        .pool_name("expiry")
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .send()
        .await
        .expect("CreateUserPool")
        .user_pool
        .and_then(|p| p.id)
        .expect("Id");
    let client_id = client
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("app")
        .send()
        .await
        .expect("CreateUserPoolClient")
        .user_pool_client
        .and_then(|c| c.client_id)
        .expect("ClientId");
    client
        .sign_up()
        .client_id(&client_id)
        .username("eve")
        .password(PW)
        .user_attributes(attr("email", "eve@example.com"))
        .send()
        .await
        .expect("SignUp");
    let latest = |kind: &'static str| {
        let raw = &raw;
        let pool_id = pool_id.clone();
        async move {
            let r = raw
                .get(&format!(
                    "/_dev/mailbox/latest?pool={pool_id}&username=eve&kind={kind}"
                ))
                .await;
            assert_eq!(r.status, 200, "{}", r.text());
            r.json()["code"].as_str().expect("code").to_string()
        }
    };
    let code = latest("sign_up").await;
    let r = raw
        .request(
            "POST",
            "/_dev/clock/advance",
            &[("content-type", "application/json")],
            format!("{{\"seconds\": {}}}", 24 * 3600 + 60),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let err = client
        .confirm_sign_up()
        .client_id(&client_id)
        .username("eve")
        .confirmation_code(&code)
        .send()
        .await
        .expect_err("an expired code")
        .into_service_error();
    assert!(err.is_expired_code_exception(), "{}", code_of(&err));

    let resent = client
        .resend_confirmation_code()
        .client_id(&client_id)
        .username("eve")
        .send()
        .await
        .expect("ResendConfirmationCode");
    let details = resent.code_delivery_details.expect("CodeDeliveryDetails");
    assert_eq!(details.destination.as_deref(), Some("e***@e***"));
    let code = latest("resend_code").await;
    client
        .confirm_sign_up()
        .client_id(&client_id)
        .username("eve")
        .confirmation_code(&code)
        .send()
        .await
        .expect("ConfirmSignUp with the resent code");
    drop(running);
}

/// AdminConfirmSignUp confirms without a code; an alias another user has verified is refused
/// (AliasExistsException) unless ForceAliasCreation.
#[tokio::test]
async fn admin_confirm_and_alias_conflicts() {
    let Some(h) = Harness::emulator_only("the second user's code is read from the dev mailbox")
    else {
        return;
    };
    let pool_id = j1_pool(&h, true).await;
    let app = app_client(&h, &pool_id, false).await;
    sign_up(&h, &app, "first", "shared@example.com")
        .await
        .expect("SignUp first");
    sign_up(&h, &app, "second", "shared@example.com")
        .await
        .expect("SignUp second (an unverified alias may be shared)");
    h.idp
        .admin_confirm_sign_up()
        .user_pool_id(&pool_id)
        .username("first")
        .send()
        .await
        .expect("AdminConfirmSignUp");
    // AdminConfirmSignUp does not verify the email; verifying it makes it first's alias.
    h.idp
        .admin_update_user_attributes()
        .user_pool_id(&pool_id)
        .username("first")
        .user_attributes(attr("email_verified", "true"))
        .send()
        .await
        .expect("AdminUpdateUserAttributes email_verified");
    let status = h
        .idp
        .admin_get_user()
        .user_pool_id(&pool_id)
        .username("first")
        .send()
        .await
        .expect("AdminGetUser")
        .user_status;
    assert_eq!(status, Some(UserStatusType::Confirmed));
    // Sign-in by the verified alias.
    password_sign_in(&h, &app, "shared@example.com", PW)
        .await
        .expect("sign-in by a verified email alias");

    let code = h
        .codes()
        .latest(&pool_id, "second", "sign_up")
        .await
        .expect("mailbox");
    let err = h
        .idp
        .confirm_sign_up()
        .client_id(&app.id)
        .username("second")
        .confirmation_code(&code)
        .send()
        .await
        .expect_err("the alias is taken")
        .into_service_error();
    assert!(err.is_alias_exists_exception(), "{}", code_of(&err));
    h.idp
        .confirm_sign_up()
        .client_id(&app.id)
        .username("second")
        .confirmation_code(&code)
        .force_alias_creation(true)
        .send()
        .await
        .expect("ConfirmSignUp with ForceAliasCreation");
    let tokens = password_sign_in(&h, &app, "shared@example.com", PW)
        .await
        .expect("the alias now signs in the second user");
    let id = claims(tokens.id_token.as_deref().expect("IdToken"));
    assert_eq!(id["cognito:username"], "second");
}

/// AdminCreateUser -> invitation -> FORCE_CHANGE_PASSWORD, and the other admin actions.
#[tokio::test]
async fn admin_user_lifecycle() {
    let h = Harness::both();
    let pool_id = h.user_pool().await.id.expect("Id");
    let created = h
        .idp
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username("carol")
        .temporary_password("Temp-Passw0rd!")
        .user_attributes(attr("email", "carol@example.com"))
        .user_attributes(attr("email_verified", "true"))
        .desired_delivery_mediums(DeliveryMediumType::Email)
        .send()
        .await
        .expect("AdminCreateUser")
        .user
        .expect("User");
    assert_eq!(created.username.as_deref(), Some("carol"));
    assert_eq!(
        created.user_status,
        Some(UserStatusType::ForceChangePassword)
    );
    assert!(created.enabled);
    if let Some(url) = h.emulator_url() {
        // The invitation carries the temporary password.
        let r = RawClient::new(url)
            .get(&format!(
                "/_dev/mailbox/latest?pool={pool_id}&username=carol&kind=invitation"
            ))
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        let m = r.json();
        assert_eq!(m["to"], "carol@example.com");
        assert_eq!(m["medium"], "EMAIL");
        assert_eq!(m["code"], "Temp-Passw0rd!");
        assert!(
            m["body"]
                .as_str()
                .unwrap_or_default()
                .contains("Temp-Passw0rd!")
        );
    }

    let err = h
        .idp
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username("carol")
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .expect_err("an existing username")
        .into_service_error();
    assert!(err.is_username_exists_exception(), "{}", code_of(&err));
    let err = h
        .idp
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username("weak")
        .temporary_password("short")
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .expect_err("a temporary password breaking the policy")
        .into_service_error();
    assert!(err.is_invalid_password_exception(), "{}", code_of(&err));

    let get = || async {
        h.idp
            .admin_get_user()
            .user_pool_id(&pool_id)
            .username("carol")
            .send()
            .await
            .expect("AdminGetUser")
    };
    h.idp
        .admin_disable_user()
        .user_pool_id(&pool_id)
        .username("carol")
        .send()
        .await
        .expect("AdminDisableUser");
    assert!(!get().await.enabled);
    h.idp
        .admin_enable_user()
        .user_pool_id(&pool_id)
        .username("carol")
        .send()
        .await
        .expect("AdminEnableUser");
    assert!(get().await.enabled);

    h.idp
        .admin_set_user_password()
        .user_pool_id(&pool_id)
        .username("carol")
        .password(PW)
        .permanent(true)
        .send()
        .await
        .expect("AdminSetUserPassword Permanent");
    assert_eq!(get().await.user_status, Some(UserStatusType::Confirmed));
    h.idp
        .admin_set_user_password()
        .user_pool_id(&pool_id)
        .username("carol")
        .password(PW)
        .permanent(false)
        .send()
        .await
        .expect("AdminSetUserPassword temporary");
    assert_eq!(
        get().await.user_status,
        Some(UserStatusType::ForceChangePassword)
    );

    h.idp
        .admin_update_user_attributes()
        .user_pool_id(&pool_id)
        .username("carol")
        .user_attributes(attr("given_name", "Carol"))
        .user_attributes(attr("family_name", "Jones"))
        .send()
        .await
        .expect("AdminUpdateUserAttributes");
    h.idp
        .admin_delete_user_attributes()
        .user_pool_id(&pool_id)
        .username("carol")
        .user_attribute_names("family_name")
        .send()
        .await
        .expect("AdminDeleteUserAttributes");
    let user = get().await;
    assert_eq!(
        attr_value(user.user_attributes(), "given_name"),
        Some("Carol")
    );
    assert_eq!(attr_value(user.user_attributes(), "family_name"), None);

    h.idp
        .admin_set_user_password()
        .user_pool_id(&pool_id)
        .username("carol")
        .password(PW)
        .permanent(true)
        .send()
        .await
        .expect("AdminSetUserPassword Permanent");
    h.idp
        .admin_reset_user_password()
        .user_pool_id(&pool_id)
        .username("carol")
        .send()
        .await
        .expect("AdminResetUserPassword");
    assert_eq!(get().await.user_status, Some(UserStatusType::ResetRequired));

    h.idp
        .admin_delete_user()
        .user_pool_id(&pool_id)
        .username("carol")
        .send()
        .await
        .expect("AdminDeleteUser");
    let err = h
        .idp
        .admin_get_user()
        .user_pool_id(&pool_id)
        .username("carol")
        .send()
        .await
        .expect_err("a deleted user")
        .into_service_error();
    assert!(err.is_user_not_found_exception(), "{}", code_of(&err));
    let err = h
        .idp
        .admin_delete_user()
        .user_pool_id(&pool_id)
        .username("carol")
        .send()
        .await
        .expect_err("a deleted user")
        .into_service_error();
    assert!(err.is_user_not_found_exception(), "{}", code_of(&err));
}

/// ListUsers: Filter (`=` and `^=`), AttributesToGet, Limit and PaginationToken.
#[tokio::test]
async fn list_users_filters_and_pages() {
    let h = Harness::both();
    let pool_id = h.user_pool().await.id.expect("Id");
    for (name, email) in [
        ("amy", "amy@alpha.example"),
        ("andy", "andy@alpha.example"),
        ("bea", "bea@beta.example"),
        ("ben", "ben@beta.example"),
        ("cy", "cy@gamma.example"),
    ] {
        admin_user(&h, &pool_id, name, &[("email", email)]).await;
    }
    h.idp
        .admin_disable_user()
        .user_pool_id(&pool_id)
        .username("cy")
        .send()
        .await
        .expect("AdminDisableUser");
    h.idp
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username("dora")
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .expect("AdminCreateUser");

    let names = |out: &idp::operation::list_users::ListUsersOutput| -> Vec<String> {
        let mut n: Vec<String> = out
            .users()
            .iter()
            .filter_map(|u| u.username.clone())
            .collect();
        n.sort();
        n
    };
    let list = |filter: &str| {
        h.idp
            .list_users()
            .user_pool_id(&pool_id)
            .filter(filter)
            .send()
    };
    let out = list("email = \"bea@beta.example\"")
        .await
        .expect("ListUsers =");
    assert_eq!(names(&out), ["bea"]);
    let out = list("username ^= \"an\"").await.expect("ListUsers ^=");
    assert_eq!(names(&out), ["andy"]);
    let out = list("email ^= \"b\"").await.expect("ListUsers email ^=");
    assert_eq!(names(&out), ["bea", "ben"]);
    let out = list("cognito:user_status = \"FORCE_CHANGE_PASSWORD\"")
        .await
        .expect("ListUsers by user status");
    assert_eq!(names(&out), ["dora"]);
    let out = list("status = \"Disabled\"")
        .await
        .expect("ListUsers by status");
    assert_eq!(names(&out), ["cy"]);
    let out = list("email = \"nobody@example.com\"")
        .await
        .expect("ListUsers no match");
    assert!(out.users().is_empty());
    let sub = out.users().first().and_then(|u| u.username.clone());
    assert!(sub.is_none());
    // A filter on an attribute ListUsers cannot filter by.
    let err = list("custom:x = \"1\"")
        .await
        .expect_err("not a filterable attribute")
        .into_service_error();
    assert!(err.is_invalid_parameter_exception(), "{}", code_of(&err));

    // by sub
    let amy = h
        .idp
        .admin_get_user()
        .user_pool_id(&pool_id)
        .username("amy")
        .send()
        .await
        .expect("AdminGetUser");
    let amy_sub = attr_value(amy.user_attributes(), "sub")
        .expect("sub")
        .to_string();
    let out = list(&format!("sub = \"{amy_sub}\""))
        .await
        .expect("ListUsers by sub");
    assert_eq!(names(&out), ["amy"]);

    // AttributesToGet limits the attributes answered.
    let out = h
        .idp
        .list_users()
        .user_pool_id(&pool_id)
        .attributes_to_get("email")
        .filter("username = \"amy\"")
        .send()
        .await
        .expect("ListUsers AttributesToGet");
    let attrs = out.users()[0].attributes();
    assert_eq!(attrs.len(), 1, "{attrs:?}");
    assert_eq!(attrs[0].name, "email");

    // Pages of 2: every user exactly once.
    let mut seen: Vec<String> = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let out = h
            .idp
            .list_users()
            .user_pool_id(&pool_id)
            .limit(2)
            .set_pagination_token(token.clone())
            .send()
            .await
            .expect("ListUsers page");
        assert!(out.users().len() <= 2);
        seen.extend(out.users().iter().filter_map(|u| u.username.clone()));
        pages += 1;
        token = out.pagination_token.clone();
        if token.is_none() {
            break;
        }
        assert!(pages < 10, "pagination does not end");
    }
    seen.sort();
    assert_eq!(seen, ["amy", "andy", "bea", "ben", "cy", "dora"]);
    assert_eq!(pages, 3);

    // Two conditions: Cognito's filter grammar has one.
    let err = list("email = \"bea@beta.example\" and username = \"bea\"")
        .await
        .expect_err("a filter with two conditions")
        .into_service_error();
    assert!(err.is_invalid_parameter_exception(), "{}", code_of(&err));
    // A pagination token is opaque: one made up is refused (aws-sdk-js#3705 shows AWS's
    // "Paging marker ... is invalid" InvalidParameterException). Tokens issued for another
    // listing are refused too (the emulator's own tests; not asserted against AWS).
    let made_up = base64::engine::general_purpose::STANDARD.encode("dora");
    {
        let err = h
            .idp
            .list_users()
            .user_pool_id(&pool_id)
            .limit(2)
            .pagination_token(made_up)
            .send()
            .await
            .expect_err("a made-up token")
            .into_service_error();
        assert!(err.is_invalid_parameter_exception(), "{}", code_of(&err));
    }
}

/// Groups: create, get, update, list; membership both ways; the `cognito:groups` claim.
#[tokio::test]
async fn groups_round_trip() {
    let h = Harness::both();
    let pool_id = h.user_pool().await.id.expect("Id");
    let app = app_client(&h, &pool_id, false).await;
    admin_user(&h, &pool_id, "gus", &[]).await;
    let role = "arn:aws:iam::123456789012:role/editors";
    let group = h
        .idp
        .create_group()
        .user_pool_id(&pool_id)
        .group_name("editors")
        .description("People who edit")
        .precedence(5)
        .role_arn(role)
        .send()
        .await
        .expect("CreateGroup")
        .group
        .expect("Group");
    assert_eq!(group.group_name.as_deref(), Some("editors"));
    assert_eq!(group.precedence, Some(5));
    assert_eq!(group.role_arn.as_deref(), Some(role));
    h.idp
        .create_group()
        .user_pool_id(&pool_id)
        .group_name("viewers")
        .precedence(10)
        .send()
        .await
        .expect("CreateGroup viewers");
    let err = h
        .idp
        .create_group()
        .user_pool_id(&pool_id)
        .group_name("editors")
        .send()
        .await
        .expect_err("an existing group")
        .into_service_error();
    assert!(err.is_group_exists_exception(), "{}", code_of(&err));

    let updated = h
        .idp
        .update_group()
        .user_pool_id(&pool_id)
        .group_name("editors")
        .description("Editors")
        .precedence(1)
        .send()
        .await
        .expect("UpdateGroup")
        .group
        .expect("Group");
    assert_eq!(updated.description.as_deref(), Some("Editors"));
    assert_eq!(updated.precedence, Some(1));
    assert_eq!(updated.role_arn.as_deref(), Some(role));
    let got = h
        .idp
        .get_group()
        .user_pool_id(&pool_id)
        .group_name("editors")
        .send()
        .await
        .expect("GetGroup")
        .group
        .expect("Group");
    assert_eq!(got.precedence, Some(1));
    let listed = h
        .idp
        .list_groups()
        .user_pool_id(&pool_id)
        .send()
        .await
        .expect("ListGroups");
    let mut names: Vec<&str> = listed
        .groups()
        .iter()
        .filter_map(|g| g.group_name.as_deref())
        .collect();
    names.sort();
    assert_eq!(names, ["editors", "viewers"]);

    for g in ["viewers", "editors"] {
        h.idp
            .admin_add_user_to_group()
            .user_pool_id(&pool_id)
            .username("gus")
            .group_name(g)
            .send()
            .await
            .expect("AdminAddUserToGroup");
    }
    let err = h
        .idp
        .admin_add_user_to_group()
        .user_pool_id(&pool_id)
        .username("nobody")
        .group_name("editors")
        .send()
        .await
        .expect_err("an unknown user")
        .into_service_error();
    assert!(err.is_user_not_found_exception(), "{}", code_of(&err));
    let err = h
        .idp
        .admin_add_user_to_group()
        .user_pool_id(&pool_id)
        .username("gus")
        .group_name("nogroup")
        .send()
        .await
        .expect_err("an unknown group")
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{}", code_of(&err));

    let of_user = h
        .idp
        .admin_list_groups_for_user()
        .user_pool_id(&pool_id)
        .username("gus")
        .send()
        .await
        .expect("AdminListGroupsForUser");
    let names: Vec<&str> = of_user
        .groups()
        .iter()
        .filter_map(|g| g.group_name.as_deref())
        .collect();
    assert_eq!(names.len(), 2);
    let in_group = h
        .idp
        .list_users_in_group()
        .user_pool_id(&pool_id)
        .group_name("editors")
        .send()
        .await
        .expect("ListUsersInGroup");
    assert_eq!(in_group.users().len(), 1);
    assert_eq!(in_group.users()[0].username.as_deref(), Some("gus"));

    // The ID token lists the groups (by precedence) and the role of the best one.
    let tokens = password_sign_in(&h, &app, "gus", PW)
        .await
        .expect("USER_PASSWORD_AUTH");
    let id = claims(tokens.id_token.as_deref().expect("IdToken"));
    let groups: Vec<&str> = id["cognito:groups"]
        .as_array()
        .expect("cognito:groups")
        .iter()
        .filter_map(|g| g.as_str())
        .collect();
    // editors has precedence 1, viewers 10.
    assert_eq!(groups, ["editors", "viewers"], "{id}");
    assert_eq!(id["cognito:preferred_role"], role, "{id}");
    assert_eq!(id["cognito:roles"], serde_json::json!([role]), "{id}");
    let access = claims(tokens.access_token.as_deref().expect("AccessToken"));
    assert_eq!(
        access["cognito:groups"],
        serde_json::json!(["editors", "viewers"])
    );

    h.idp
        .admin_remove_user_from_group()
        .user_pool_id(&pool_id)
        .username("gus")
        .group_name("viewers")
        .send()
        .await
        .expect("AdminRemoveUserFromGroup");
    let in_group = h
        .idp
        .list_users_in_group()
        .user_pool_id(&pool_id)
        .group_name("viewers")
        .send()
        .await
        .expect("ListUsersInGroup");
    assert!(in_group.users().is_empty());
    h.idp
        .delete_group()
        .user_pool_id(&pool_id)
        .group_name("editors")
        .send()
        .await
        .expect("DeleteGroup");
    let err = h
        .idp
        .get_group()
        .user_pool_id(&pool_id)
        .group_name("editors")
        .send()
        .await
        .expect_err("a deleted group")
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{}", code_of(&err));
    let of_user = h
        .idp
        .admin_list_groups_for_user()
        .user_pool_id(&pool_id)
        .username("gus")
        .send()
        .await
        .expect("AdminListGroupsForUser");
    assert!(of_user.groups().is_empty());
}

/// ForgotPassword -> the mailbox's code -> ConfirmForgotPassword, with a SECRET_HASH client;
/// a wrong code and a weak new password are refused with their typed errors.
#[tokio::test]
async fn forgot_password_with_a_secret_client() {
    let Some(h) = Harness::emulator_only("the reset code is read from the dev mailbox") else {
        return;
    };
    let pool_id = j1_pool(&h, false).await;
    let app = app_client(&h, &pool_id, true).await;
    admin_user(
        &h,
        &pool_id,
        "fay",
        &[
            ("email", "fay@example.com"),
            ("email_verified", "true"),
            ("given_name", "Fay"),
        ],
    )
    .await;
    let out = h
        .idp
        .forgot_password()
        .client_id(&app.id)
        .set_secret_hash(app.hash("fay"))
        .username("fay")
        .send()
        .await
        .expect("ForgotPassword");
    let details = out.code_delivery_details.expect("CodeDeliveryDetails");
    assert_eq!(details.destination.as_deref(), Some("f***@e***"));
    assert_eq!(details.delivery_medium, Some(DeliveryMediumType::Email));
    let code = h
        .codes()
        .latest(&pool_id, "fay", "forgot_password")
        .await
        .expect("mailbox");

    let confirm = |code: String, password: &'static str| {
        h.idp
            .confirm_forgot_password()
            .client_id(&app.id)
            .set_secret_hash(app.hash("fay"))
            .username("fay")
            .confirmation_code(code)
            .password(password)
            .send()
    };
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let err = confirm(wrong.to_string(), NEW_PW)
        .await
        .expect_err("a wrong code")
        .into_service_error();
    assert!(err.is_code_mismatch_exception(), "{}", code_of(&err));
    let err = confirm(code.clone(), "weak")
        .await
        .expect_err("a weak password")
        .into_service_error();
    assert!(err.is_invalid_password_exception(), "{}", code_of(&err));
    let err = h
        .idp
        .forgot_password()
        .client_id(&app.id)
        .username("fay")
        .send()
        .await
        .expect_err("no SECRET_HASH")
        .into_service_error();
    assert!(err.is_not_authorized_exception(), "{}", code_of(&err));
    let err = h
        .idp
        .forgot_password()
        .client_id(&app.id)
        .set_secret_hash(app.hash("nobody"))
        .username("nobody")
        .send()
        .await
        .expect_err("an unknown user")
        .into_service_error();
    assert!(err.is_user_not_found_exception(), "{}", code_of(&err));

    confirm(code, NEW_PW).await.expect("ConfirmForgotPassword");
    let err = admin_sign_in(&h, &pool_id, &app, "fay", PW)
        .await
        .expect_err("the old password");
    assert!(err.is_not_authorized_exception(), "{}", code_of(&err));
    admin_sign_in(&h, &pool_id, &app, "fay", NEW_PW)
        .await
        .expect("sign-in with the new password");
}

/// J2 end to end: SRP sign-in errors the app maps, the profile with a real access token
/// (GetUser, UpdateUserAttributes with an email change verified from the mailbox,
/// DeleteUserAttributes, ChangePassword), forgot password, GlobalSignOut, DeleteUser.
#[tokio::test]
async fn journey_j2_profile_passwords_and_sign_out() {
    let Some(h) = Harness::emulator_only("codes are read from the dev mailbox") else {
        return;
    };
    let pool_id = j1_pool(&h, false).await;
    let app = app_client(&h, &pool_id, false).await;

    // Sign-up without confirming: sign-in answers UserNotConfirmedException, then the app
    // resends the code and confirms.
    sign_up(&h, &app, "joe", "joe@example.com")
        .await
        .expect("SignUp");
    let err = password_sign_in(&h, &app, "joe", PW)
        .await
        .expect_err("not confirmed");
    assert!(err.is_user_not_confirmed_exception(), "{}", code_of(&err));
    h.idp
        .resend_confirmation_code()
        .client_id(&app.id)
        .username("joe")
        .send()
        .await
        .expect("ResendConfirmationCode");
    let code = h
        .codes()
        .latest(&pool_id, "joe", "resend_code")
        .await
        .expect("mailbox");
    h.idp
        .confirm_sign_up()
        .client_id(&app.id)
        .username("joe")
        .confirmation_code(code)
        .send()
        .await
        .expect("ConfirmSignUp");

    let err = password_sign_in(&h, &app, "nobody", PW)
        .await
        .expect_err("unknown user");
    assert!(err.is_user_not_found_exception(), "{}", code_of(&err));
    let err = password_sign_in(&h, &app, "joe", "Wrong-Passw0rd!")
        .await
        .expect_err("wrong password");
    assert!(err.is_not_authorized_exception(), "{}", code_of(&err));
    assert_eq!(err.message(), Some("Incorrect username or password."));

    let srp = crate::auth::srp_sign_in(&h, &pool_id, &app.id, "joe", PW)
        .await
        .expect("SRP sign-in");
    let tokens = srp.authentication_result.expect("AuthenticationResult");
    let access = tokens.access_token.clone().expect("AccessToken");
    let refresh = tokens.refresh_token.clone().expect("RefreshToken");

    let me = h
        .idp
        .get_user()
        .access_token(&access)
        .send()
        .await
        .expect("GetUser");
    assert_eq!(me.username, "joe");
    assert_eq!(
        attr_value(me.user_attributes(), "email"),
        Some("joe@example.com")
    );
    assert_eq!(
        attr_value(me.user_attributes(), "email_verified"),
        Some("true")
    );

    // Changing the email: a code goes to the new address, which stays unverified until then.
    let out = h
        .idp
        .update_user_attributes()
        .access_token(&access)
        .user_attributes(attr("email", "joe.new@example.com"))
        .user_attributes(attr("given_name", "Joseph"))
        .send()
        .await
        .expect("UpdateUserAttributes");
    let delivered = out.code_delivery_details_list();
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].destination.as_deref(), Some("j***@e***"));
    assert_eq!(delivered[0].attribute_name.as_deref(), Some("email"));
    let code = h
        .codes()
        .latest(&pool_id, "joe", "verify_attribute")
        .await
        .expect("mailbox");
    let err = h
        .idp
        .verify_user_attribute()
        .access_token(&access)
        .attribute_name("email")
        .code(if code == "000000" { "111111" } else { "000000" })
        .send()
        .await
        .expect_err("a wrong code")
        .into_service_error();
    assert!(err.is_code_mismatch_exception(), "{}", code_of(&err));
    h.idp
        .verify_user_attribute()
        .access_token(&access)
        .attribute_name("email")
        .code(&code)
        .send()
        .await
        .expect("VerifyUserAttribute");
    let me = h
        .idp
        .get_user()
        .access_token(&access)
        .send()
        .await
        .expect("GetUser");
    assert_eq!(
        attr_value(me.user_attributes(), "email"),
        Some("joe.new@example.com")
    );
    assert_eq!(
        attr_value(me.user_attributes(), "email_verified"),
        Some("true")
    );
    assert_eq!(
        attr_value(me.user_attributes(), "given_name"),
        Some("Joseph")
    );

    // A fresh code on request.
    let out = h
        .idp
        .get_user_attribute_verification_code()
        .access_token(&access)
        .attribute_name("email")
        .send()
        .await
        .expect("GetUserAttributeVerificationCode");
    assert_eq!(
        out.code_delivery_details
            .and_then(|d| d.destination)
            .as_deref(),
        Some("j***@e***")
    );
    assert!(
        h.codes()
            .latest(&pool_id, "joe", "verify_attribute")
            .await
            .is_some()
    );

    h.idp
        .update_user_attributes()
        .access_token(&access)
        .user_attributes(attr("family_name", "Bloggs"))
        .send()
        .await
        .expect("UpdateUserAttributes family_name");
    h.idp
        .delete_user_attributes()
        .access_token(&access)
        .user_attribute_names("family_name")
        .send()
        .await
        .expect("DeleteUserAttributes");
    let me = h
        .idp
        .get_user()
        .access_token(&access)
        .send()
        .await
        .expect("GetUser");
    assert_eq!(attr_value(me.user_attributes(), "family_name"), None);

    // ChangePassword: a wrong previous password, a weak new one, then the right call.
    let err = h
        .idp
        .change_password()
        .access_token(&access)
        .previous_password("Not-The-Passw0rd!")
        .proposed_password(NEW_PW)
        .send()
        .await
        .expect_err("a wrong previous password")
        .into_service_error();
    assert!(err.is_not_authorized_exception(), "{}", code_of(&err));
    let err = h
        .idp
        .change_password()
        .access_token(&access)
        .previous_password(PW)
        .proposed_password("weakweak")
        .send()
        .await
        .expect_err("a weak password")
        .into_service_error();
    assert!(err.is_invalid_password_exception(), "{}", code_of(&err));
    h.idp
        .change_password()
        .access_token(&access)
        .previous_password(PW)
        .proposed_password(NEW_PW)
        .send()
        .await
        .expect("ChangePassword");
    password_sign_in(&h, &app, "joe", NEW_PW)
        .await
        .expect("sign-in with the changed password");

    // Forgot password, with the code from the mailbox.
    h.idp
        .forgot_password()
        .client_id(&app.id)
        .username("joe")
        .send()
        .await
        .expect("ForgotPassword");
    let code = h
        .codes()
        .latest(&pool_id, "joe", "forgot_password")
        .await
        .expect("mailbox");
    h.idp
        .confirm_forgot_password()
        .client_id(&app.id)
        .username("joe")
        .confirmation_code(code)
        .password(PW)
        .send()
        .await
        .expect("ConfirmForgotPassword");
    let tokens = password_sign_in(&h, &app, "joe", PW)
        .await
        .expect("sign-in with the reset password");
    let access = tokens.access_token.expect("AccessToken");

    // GlobalSignOut: the access token stops working, refresh tokens stop refreshing.
    h.idp
        .global_sign_out()
        .access_token(&access)
        .send()
        .await
        .expect("GlobalSignOut");
    let err = h
        .idp
        .get_user()
        .access_token(&access)
        .send()
        .await
        .expect_err("a signed-out access token")
        .into_service_error();
    assert!(err.is_not_authorized_exception(), "{}", code_of(&err));
    let err = h
        .idp
        .initiate_auth()
        .client_id(&app.id)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", &refresh)
        .send()
        .await
        .expect_err("a refresh token from before GlobalSignOut")
        .into_service_error();
    assert!(err.is_not_authorized_exception(), "{}", code_of(&err));

    // DeleteUser with a new session.
    let access = password_sign_in(&h, &app, "joe", PW)
        .await
        .expect("sign-in")
        .access_token
        .expect("AccessToken");
    h.idp
        .delete_user()
        .access_token(&access)
        .send()
        .await
        .expect("DeleteUser");
    let err = password_sign_in(&h, &app, "joe", PW)
        .await
        .expect_err("a deleted user");
    assert!(err.is_user_not_found_exception(), "{}", code_of(&err));
}

/// Self-service calls refuse a token that is not an access token of this emulator.
#[tokio::test]
async fn self_service_refuses_a_bad_access_token() {
    let h = Harness::both();
    let err = h
        .idp
        .get_user()
        .access_token("eyJhbGciOiJSUzI1NiJ9.e30.c2ln")
        .send()
        .await
        .expect_err("a forged token")
        .into_service_error();
    assert!(err.is_not_authorized_exception(), "{}", code_of(&err));
}

/// AttributesRequireVerificationBeforeUpdate: a changed email stays pending (the user keeps the
/// original) until the code sent to the new address is verified.
#[tokio::test]
async fn an_email_change_waits_for_verification_when_the_pool_requires_it() {
    let Some(h) = Harness::emulator_only("the verification code is read from the dev mailbox")
    else {
        return;
    };
    let pool_id = h
        .idp
        .create_user_pool()
        .pool_name(unique_name("pending"))
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .user_attribute_update_settings(
            idp::types::UserAttributeUpdateSettingsType::builder()
                .attributes_require_verification_before_update(VerifiedAttributeType::Email)
                .build(),
        )
        .send()
        .await
        .expect("CreateUserPool")
        .user_pool
        .and_then(|p| p.id)
        .expect("Id");
    h.track_user_pool(&pool_id);
    let app = app_client(&h, &pool_id, false).await;
    admin_user(
        &h,
        &pool_id,
        "pat",
        &[("email", "pat@example.com"), ("email_verified", "true")],
    )
    .await;
    let access = password_sign_in(&h, &app, "pat", PW)
        .await
        .expect("sign-in")
        .access_token
        .expect("AccessToken");
    let out = h
        .idp
        .update_user_attributes()
        .access_token(&access)
        .user_attributes(attr("email", "pat.new@example.com"))
        .send()
        .await
        .expect("UpdateUserAttributes");
    assert_eq!(out.code_delivery_details_list().len(), 1);
    let email = |h: &Harness| {
        let access = access.clone();
        let idp = h.idp.clone();
        async move {
            let me = idp
                .get_user()
                .access_token(access)
                .send()
                .await
                .expect("GetUser");
            (
                attr_value(me.user_attributes(), "email").map(str::to_string),
                attr_value(me.user_attributes(), "email_verified").map(str::to_string),
            )
        }
    };
    assert_eq!(
        email(&h).await,
        (Some("pat@example.com".into()), Some("true".into()))
    );
    // The original still signs in and receives messages; the code went to the new address.
    let code = h
        .codes()
        .latest(&pool_id, "pat", "verify_attribute")
        .await
        .expect("mailbox");
    let raw = h.raw();
    let m = raw
        .get(&format!(
            "/_dev/mailbox/latest?pool={pool_id}&username=pat&kind=verify_attribute"
        ))
        .await
        .json();
    assert_eq!(m["to"], "pat.new@example.com");
    h.idp
        .verify_user_attribute()
        .access_token(&access)
        .attribute_name("email")
        .code(code)
        .send()
        .await
        .expect("VerifyUserAttribute");
    assert_eq!(
        email(&h).await,
        (Some("pat.new@example.com".into()), Some("true".into()))
    );
}
