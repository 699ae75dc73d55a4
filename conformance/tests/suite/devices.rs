//! Remembered devices through the SDK: NewDeviceMetadata, ConfirmDevice with the device's SRP
//! verifier, the DEVICE_SRP_AUTH → DEVICE_PASSWORD_VERIFIER handshake, the device calls, and
//! a forgotten device refused. The client half is cognito_emu's SRP client with the device
//! group key and device key in place of the pool name and username, as
//! amazon-cognito-identity-js computes it (scripts/clients/auth/devices.* run that library
//! and pycognito against the same flows).

use super::auth::{hex, now_secs, srp_sign_in_on};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use cognito_emu::crypto::srp;
use conformance::idp::types::{
    ChallengeNameType, DeviceConfigurationType, DeviceSecretVerifierConfigType,
    ExplicitAuthFlowsType,
};
use conformance::{Harness, unique_name};
use num_bigint::BigUint;

const PW: &str = "Passw0rd!";

fn random() -> BigUint {
    BigUint::from_bytes_be(uuid::Uuid::new_v4().as_bytes())
}

#[tokio::test]
async fn a_confirmed_device_signs_in_with_device_srp_until_forgotten() {
    let h = Harness::both();
    let pool_id = h
        .idp
        .create_user_pool()
        .pool_name(unique_name("devices"))
        .device_configuration(
            DeviceConfigurationType::builder()
                .challenge_required_on_new_device(true)
                .device_only_remembered_on_user_prompt(false)
                .build(),
        )
        .send()
        .await
        .expect("CreateUserPool")
        .user_pool
        .and_then(|p| p.id)
        .expect("Id");
    h.track_user_pool(&pool_id);
    let client_id = h
        .app_client(
            &pool_id,
            &[
                ExplicitAuthFlowsType::AllowUserSrpAuth,
                ExplicitAuthFlowsType::AllowRefreshTokenAuth,
            ],
        )
        .await;
    h.confirmed_user(&pool_id, "alice", PW).await;

    // A sign-in without a device is handed one.
    let first = srp_sign_in_on(&h, &pool_id, &client_id, "alice", PW, None)
        .await
        .expect("SRP sign-in")
        .authentication_result
        .expect("tokens");
    let meta = first.new_device_metadata.expect("NewDeviceMetadata");
    let (key, group) = (
        meta.device_key.expect("DeviceKey"),
        meta.device_group_key.expect("DeviceGroupKey"),
    );
    assert!(key.starts_with(&format!("{}_", h.region())), "{key}");

    // ConfirmDevice with the verifier for a random device password.
    let device_password = B64.encode(random().to_bytes_be());
    let salt = random();
    let verifier = srp::verifier(&group, &key, &device_password, &salt);
    let confirmed = h
        .idp
        .confirm_device()
        .access_token(first.access_token.expect("AccessToken"))
        .device_key(&key)
        .device_name("conformance")
        .device_secret_verifier_config(
            DeviceSecretVerifierConfigType::builder()
                .password_verifier(B64.encode(srp::pad_bytes(&verifier)))
                .salt(B64.encode(srp::pad_bytes(&salt)))
                .build(),
        )
        .send()
        .await
        .expect("ConfirmDevice");
    assert!(!confirmed.user_confirmation_necessary);

    // The next sign-in from the device ends with the device's SRP handshake.
    let step = srp_sign_in_on(&h, &pool_id, &client_id, "alice", PW, Some(&key))
        .await
        .expect("SRP sign-in with DEVICE_KEY");
    assert_eq!(step.challenge_name, Some(ChallengeNameType::DeviceSrpAuth));
    let a = random() * random();
    let a_pub = srp::client::public_a(&a);
    let verifier_step = h
        .idp
        .respond_to_auth_challenge()
        .client_id(&client_id)
        .challenge_name(ChallengeNameType::DeviceSrpAuth)
        .set_session(step.session)
        .challenge_responses("USERNAME", "alice")
        .challenge_responses("DEVICE_KEY", &key)
        .challenge_responses("SRP_A", a_pub.to_str_radix(16))
        .send()
        .await
        .expect("DEVICE_SRP_AUTH");
    assert_eq!(
        verifier_step.challenge_name,
        Some(ChallengeNameType::DevicePasswordVerifier)
    );
    let p = verifier_step.challenge_parameters.expect("parameters");
    let session_key = srp::client::session_key(
        &group,
        &key,
        &device_password,
        &a,
        &a_pub,
        &hex(&p["SRP_B"]),
        &hex(&p["SALT"]),
    )
    .expect("u != 0");
    let ts = srp::format_timestamp(now_secs());
    let block = B64.decode(&p["SECRET_BLOCK"]).expect("SECRET_BLOCK");
    let tokens = h
        .idp
        .respond_to_auth_challenge()
        .client_id(&client_id)
        .challenge_name(ChallengeNameType::DevicePasswordVerifier)
        .set_session(verifier_step.session)
        .challenge_responses("USERNAME", &p["USERNAME"])
        .challenge_responses("DEVICE_KEY", &key)
        .challenge_responses("PASSWORD_CLAIM_SECRET_BLOCK", &p["SECRET_BLOCK"])
        .challenge_responses(
            "PASSWORD_CLAIM_SIGNATURE",
            srp::signature(&session_key, &group, &key, &block, &ts),
        )
        .challenge_responses("TIMESTAMP", ts)
        .send()
        .await
        .expect("DEVICE_PASSWORD_VERIFIER")
        .authentication_result
        .expect("tokens");
    assert!(tokens.new_device_metadata.is_none());
    let access = tokens.access_token.expect("AccessToken");

    let devices = h
        .idp
        .list_devices()
        .access_token(&access)
        .send()
        .await
        .expect("ListDevices")
        .devices
        .unwrap_or_default();
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].device_key.as_deref(), Some(key.as_str()));
    let status = devices[0]
        .device_attributes
        .iter()
        .flatten()
        .find(|a| a.name == "dev:device_remembered_status")
        .and_then(|a| a.value.clone());
    assert_eq!(status.as_deref(), Some("remembered"));

    // Forgotten: the key is refused.
    h.idp
        .forget_device()
        .access_token(&access)
        .device_key(&key)
        .send()
        .await
        .expect("ForgetDevice");
    let err = srp_sign_in_on(&h, &pool_id, &client_id, "alice", PW, Some(&key))
        .await
        .expect_err("a forgotten device");
    assert!(err.contains("ResourceNotFoundException"), "{err}");
    let err = h
        .idp
        .get_device()
        .access_token(&access)
        .device_key(&key)
        .send()
        .await
        .expect_err("GetDevice of a forgotten device")
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
}
