//! Device tracking through the handlers, with the client's half of device SRP written here
//! the way amazon-cognito-identity-js computes it (the client stages check the same flows
//! against that library and pycognito, which we did not write).

use super::*;
use crate::crypto::password;
use crate::idp::auth::{initiate_auth, respond_to_auth_challenge};
use crate::idp::mfa::set_user_pool_mfa_config;
use crate::model::user::UserStatus;
use crate::testkit::{self, kind};
use crate::tokens::verify::verify_access_token;

const PW: &str = "Passw0rd!";

struct F {
    ctx: Ctx,
    pool_id: String,
    client_id: String,
}

/// What a client keeps for a confirmed device.
struct Kept {
    key: String,
    group: String,
    password: String,
}

async fn fixture(challenge_on_new: bool, on_prompt: bool) -> F {
    let ctx = testkit::ctx().await;
    let pool = testkit::pool(&ctx, |p| {
        p.device_configuration = Some(DeviceConfigurationType {
            challenge_required_on_new_device: Some(challenge_on_new),
            device_only_remembered_on_user_prompt: Some(on_prompt),
        });
    })
    .await;
    let client = testkit::client_with(&ctx, &pool, |c| {
        c.explicit_auth_flows = Some(vec![
            "ALLOW_USER_SRP_AUTH".into(),
            "ALLOW_USER_PASSWORD_AUTH".into(),
            "ALLOW_REFRESH_TOKEN_AUTH".into(),
        ]);
    })
    .await;
    F {
        ctx,
        pool_id: pool.id.unwrap(),
        client_id: client.client_id.unwrap(),
    }
}

impl F {
    async fn user(&self, name: &str) -> User {
        let mut user = User::new(
            &self.pool_id,
            name,
            &crate::ids::uuid(),
            UserStatus::Confirmed,
            0.0,
        );
        user.set_attr("phone_number", "+15555550100");
        user.set_attr("phone_number_verified", "true");
        user.password = Some(password::hash_password(&self.pool_id, name, PW));
        assert!(self.ctx.store.insert_user(&user, name).await.unwrap());
        user
    }

    async fn sms_mfa_on(&self) {
        set_user_pool_mfa_config(
            self.ctx.clone(),
            SetUserPoolMfaConfigRequest {
                user_pool_id: self.pool_id.clone(),
                mfa_configuration: Some("ON".into()),
                sms_mfa_configuration: Some(SmsMfaConfigType::default()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }

    async fn initiate(&self, params: &[(&str, &str)]) -> ApiResult<InitiateAuthResponse> {
        initiate_auth(
            self.ctx.clone(),
            InitiateAuthRequest {
                auth_flow: "USER_PASSWORD_AUTH".into(),
                auth_parameters: Some(map(params)),
                client_id: self.client_id.clone(),
                ..Default::default()
            },
        )
        .await
    }

    async fn respond(
        &self,
        challenge: &str,
        responses: &[(&str, &str)],
        session: Option<String>,
    ) -> ApiResult<RespondToAuthChallengeResponse> {
        respond_to_auth_challenge(
            self.ctx.clone(),
            RespondToAuthChallengeRequest {
                client_id: self.client_id.clone(),
                challenge_name: challenge.into(),
                session,
                challenge_responses: Some(map(responses)),
                ..Default::default()
            },
        )
        .await
    }

    /// A password sign-in without a device, then ConfirmDevice as the JS library does it.
    async fn remember(&self, name: &str) -> (Kept, ConfirmDeviceResponse) {
        let out = self
            .initiate(&[("USERNAME", name), ("PASSWORD", PW)])
            .await
            .unwrap();
        let result = out.authentication_result.unwrap();
        let meta = result.new_device_metadata.expect("NewDeviceMetadata");
        let (key, group) = (meta.device_key.unwrap(), meta.device_group_key.unwrap());
        let password = random_b64(40);
        let salt = random_biguint(16);
        let v = srp::verifier(&group, &key, &password, &salt);
        let confirmed = confirm_device(
            self.ctx.clone(),
            ConfirmDeviceRequest {
                access_token: result.access_token.unwrap(),
                device_key: key.clone(),
                device_secret_verifier_config: Some(DeviceSecretVerifierConfigType {
                    password_verifier: Some(B64.encode(srp::pad_bytes(&v))),
                    salt: Some(B64.encode(srp::pad_bytes(&salt))),
                }),
                device_name: Some("laptop".into()),
            },
        )
        .await
        .unwrap();
        (
            Kept {
                key,
                group,
                password,
            },
            confirmed,
        )
    }

    /// DEVICE_SRP_AUTH then DEVICE_PASSWORD_VERIFIER with the device's password.
    async fn prove(
        &self,
        name: &str,
        device: &Kept,
        password: &str,
        session: Option<String>,
    ) -> ApiResult<RespondToAuthChallengeResponse> {
        let a = random_biguint(32);
        let a_pub = srp::client::public_a(&a);
        let step = self
            .respond(
                "DEVICE_SRP_AUTH",
                &[
                    ("USERNAME", name),
                    ("DEVICE_KEY", &device.key),
                    ("SRP_A", &a_pub.to_str_radix(16)),
                ],
                session,
            )
            .await?;
        assert_eq!(
            step.challenge_name.as_deref(),
            Some("DEVICE_PASSWORD_VERIFIER")
        );
        let p = step.challenge_parameters.unwrap();
        let key = srp::client::session_key(
            &device.group,
            &device.key,
            password,
            &a,
            &a_pub,
            &parse_hex(&p["SRP_B"]).unwrap(),
            &parse_hex(&p["SALT"]).unwrap(),
        )
        .unwrap();
        let ts = srp::format_timestamp(self.ctx.clock.now_secs());
        let block = B64.decode(&p["SECRET_BLOCK"]).unwrap();
        let sig = srp::signature(&key, &device.group, &device.key, &block, &ts);
        self.respond(
            "DEVICE_PASSWORD_VERIFIER",
            &[
                ("USERNAME", &p["USERNAME"]),
                ("DEVICE_KEY", &device.key),
                ("PASSWORD_CLAIM_SECRET_BLOCK", &p["SECRET_BLOCK"]),
                ("PASSWORD_CLAIM_SIGNATURE", &sig),
                ("TIMESTAMP", &ts),
            ],
            None,
        )
        .await
    }

    async fn access_claims(&self, token: &str) -> serde_json::Value {
        verify_access_token(&self.ctx, token).await.unwrap();
        let payload = token.split('.').nth(1).unwrap();
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    async fn list(
        &self,
        name: &str,
        limit: Option<i32>,
        token: Option<String>,
    ) -> AdminListDevicesResponse {
        admin_list_devices(
            self.ctx.clone(),
            AdminListDevicesRequest {
                user_pool_id: self.pool_id.clone(),
                username: name.into(),
                limit,
                pagination_token: token,
            },
        )
        .await
        .unwrap()
    }
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn attr<'a>(d: &'a DeviceType, name: &str) -> Option<&'a str> {
    d.device_attributes
        .iter()
        .flatten()
        .find(|a| a.name == name)
        .and_then(|a| a.value.as_deref())
}

#[tokio::test]
async fn sign_in_hands_out_a_device_that_confirm_device_remembers() {
    let f = fixture(true, false).await;
    f.user("ann").await;
    let (kept, confirmed) = f.remember("ann").await;
    assert_eq!(confirmed.user_confirmation_necessary, Some(false));
    assert!(
        kept.key
            .starts_with(&format!("{}_", f.pool_id.split('_').next().unwrap()))
    );
    assert!(kept.group.starts_with('-'));

    let listed = f.list("ann", None, None).await;
    let devices = listed.devices.unwrap();
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].device_key.as_deref(), Some(kept.key.as_str()));
    assert_eq!(attr(&devices[0], "device_name"), Some("laptop"));
    assert_eq!(attr(&devices[0], "device_status"), Some("valid"));
    assert_eq!(
        attr(&devices[0], "dev:device_remembered_status"),
        Some("remembered")
    );
    assert_eq!(listed.pagination_token, None);
}

#[tokio::test]
async fn a_remembered_device_proves_itself_and_skips_mfa() {
    let f = fixture(true, false).await;
    f.user("bob").await;
    let (kept, _) = f.remember("bob").await;
    f.sms_mfa_on().await;

    // Without the device: SMS MFA.
    let plain = f
        .initiate(&[("USERNAME", "bob"), ("PASSWORD", PW)])
        .await
        .unwrap();
    assert_eq!(plain.challenge_name.as_deref(), Some("SMS_MFA"));

    // With it: the device challenge instead, then tokens that name the device.
    let start = f
        .initiate(&[
            ("USERNAME", "bob"),
            ("PASSWORD", PW),
            ("DEVICE_KEY", &kept.key),
        ])
        .await
        .unwrap();
    assert_eq!(start.challenge_name.as_deref(), Some("DEVICE_SRP_AUTH"));
    let out = f
        .prove("bob", &kept, &kept.password, start.session)
        .await
        .unwrap();
    let result = out.authentication_result.expect("tokens");
    assert!(result.new_device_metadata.is_none());
    let claims = f
        .access_claims(result.access_token.as_deref().unwrap())
        .await;
    assert_eq!(claims["device_key"], kept.key.as_str());
}

#[tokio::test]
async fn a_wrong_device_secret_or_a_forgotten_device_is_refused() {
    let f = fixture(true, false).await;
    f.user("cy").await;
    let (kept, _) = f.remember("cy").await;
    let start = f
        .initiate(&[
            ("USERNAME", "cy"),
            ("PASSWORD", PW),
            ("DEVICE_KEY", &kept.key),
        ])
        .await
        .unwrap();
    let wrong = f
        .prove("cy", &kept, "not-the-device-password", start.session)
        .await;
    let e = wrong.expect_err("refused");
    assert_eq!(e.kind.name(), "NotAuthorizedException");

    forget_device(
        f.ctx.clone(),
        ForgetDeviceRequest {
            access_token: Some(
                f.initiate(&[("USERNAME", "cy"), ("PASSWORD", PW)])
                    .await
                    .unwrap()
                    .authentication_result
                    .unwrap()
                    .access_token
                    .unwrap(),
            ),
            device_key: kept.key.clone(),
        },
    )
    .await
    .unwrap();
    let e = f
        .initiate(&[
            ("USERNAME", "cy"),
            ("PASSWORD", PW),
            ("DEVICE_KEY", &kept.key),
        ])
        .await
        .expect_err("forgotten");
    assert_eq!(e.kind.name(), "ResourceNotFoundException");
    assert_eq!(e.message, "Device does not exist.");
}

#[tokio::test]
async fn a_device_not_remembered_still_answers_mfa_first() {
    let f = fixture(true, true).await;
    f.user("dee").await;
    let (kept, confirmed) = f.remember("dee").await;
    assert_eq!(confirmed.user_confirmation_necessary, Some(true));
    let listed = f.list("dee", None, None).await.devices.unwrap();
    assert_eq!(
        attr(&listed[0], "dev:device_remembered_status"),
        Some("not_remembered")
    );
    f.sms_mfa_on().await;
    let start = f
        .initiate(&[
            ("USERNAME", "dee"),
            ("PASSWORD", PW),
            ("DEVICE_KEY", &kept.key),
        ])
        .await
        .unwrap();
    assert_eq!(start.challenge_name.as_deref(), Some("SMS_MFA"));
    let code = testkit::latest_code(&f.ctx, "+15555550100").await;
    let after_mfa = f
        .respond(
            "SMS_MFA",
            &[
                ("USERNAME", "dee"),
                ("SMS_MFA_CODE", &code),
                ("DEVICE_KEY", &kept.key),
            ],
            start.session,
        )
        .await
        .unwrap();
    assert_eq!(after_mfa.challenge_name.as_deref(), Some("DEVICE_SRP_AUTH"));
    let out = f
        .prove("dee", &kept, &kept.password, after_mfa.session)
        .await
        .unwrap();
    assert!(out.authentication_result.is_some());

    // Remembered now: MFA is skipped.
    admin_update_device_status(
        f.ctx.clone(),
        AdminUpdateDeviceStatusRequest {
            user_pool_id: f.pool_id.clone(),
            username: "dee".into(),
            device_key: kept.key.clone(),
            device_remembered_status: Some("remembered".into()),
        },
    )
    .await
    .unwrap();
    let start = f
        .initiate(&[
            ("USERNAME", "dee"),
            ("PASSWORD", PW),
            ("DEVICE_KEY", &kept.key),
        ])
        .await
        .unwrap();
    assert_eq!(start.challenge_name.as_deref(), Some("DEVICE_SRP_AUTH"));
}

#[tokio::test]
async fn devices_page_and_go_with_their_user() {
    let f = fixture(false, false).await;
    f.user("eve").await;
    let mut keys = Vec::new();
    for _ in 0..3 {
        keys.push(f.remember("eve").await.0.key);
    }
    // An unconfirmed device (a sign-in whose client never called ConfirmDevice) is not listed.
    f.initiate(&[("USERNAME", "eve"), ("PASSWORD", PW)])
        .await
        .unwrap();
    let first = f.list("eve", Some(2), None).await;
    assert_eq!(first.devices.as_ref().unwrap().len(), 2);
    let token = first.pagination_token.clone().expect("more");
    let second = f.list("eve", Some(2), Some(token)).await;
    assert_eq!(second.devices.as_ref().unwrap().len(), 1);
    assert_eq!(second.pagination_token, None);
    let mut seen: Vec<String> = first
        .devices
        .unwrap()
        .into_iter()
        .chain(second.devices.unwrap())
        .map(|d| d.device_key.unwrap())
        .collect();
    seen.sort();
    keys.sort();
    assert_eq!(seen, keys);

    // GlobalSignOut leaves devices remembered.
    crate::idp::sign_out::admin_user_global_sign_out(
        f.ctx.clone(),
        AdminUserGlobalSignOutRequest {
            user_pool_id: f.pool_id.clone(),
            username: "eve".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(f.list("eve", None, None).await.devices.unwrap().len(), 3);

    // Deleting the user deletes their devices; a new "eve" starts with none.
    crate::idp::admin_users::admin_delete_user(
        f.ctx.clone(),
        AdminDeleteUserRequest {
            user_pool_id: f.pool_id.clone(),
            username: "eve".into(),
        },
    )
    .await
    .unwrap();
    assert!(
        f.ctx
            .store
            .get_device(&f.pool_id, &keys[0])
            .await
            .unwrap()
            .is_none()
    );
    f.user("eve").await;
    assert!(f.list("eve", None, None).await.devices.unwrap().is_empty());
    let e = admin_get_device(
        f.ctx.clone(),
        AdminGetDeviceRequest {
            user_pool_id: f.pool_id.clone(),
            username: "eve".into(),
            device_key: keys[0].clone(),
        },
    )
    .await;
    assert_eq!(kind(e), "ResourceNotFoundException");
}

#[tokio::test]
async fn pools_without_device_tracking_hand_out_no_devices() {
    let ctx = testkit::ctx().await;
    let pool = testkit::pool(&ctx, |_| {}).await;
    let client = testkit::client_with(&ctx, &pool, |c| {
        c.explicit_auth_flows = Some(vec!["ALLOW_USER_PASSWORD_AUTH".into()]);
    })
    .await;
    let f = F {
        ctx,
        pool_id: pool.id.unwrap(),
        client_id: client.client_id.unwrap(),
    };
    f.user("fay").await;
    // A DEVICE_KEY is ignored where devices are not tracked.
    let out = f
        .initiate(&[
            ("USERNAME", "fay"),
            ("PASSWORD", PW),
            ("DEVICE_KEY", "us-east-1_x"),
        ])
        .await
        .unwrap();
    let result = out.authentication_result.unwrap();
    assert!(result.new_device_metadata.is_none());
    let claims = f
        .access_claims(result.access_token.as_deref().unwrap())
        .await;
    assert!(claims.get("device_key").is_none());
}
