//! The configuration surface infrastructure code applies to a pool (issue #24): client secret
//! rotation, the signing certificate, and the stored settings families.

use cognito_emu::crypto::secret_hash::secret_hash;
use conformance::{Harness, unique_name};

async fn confidential_client(h: &Harness, pool_id: &str) -> (String, String) {
    let client = h
        .idp
        .create_user_pool_client()
        .user_pool_id(pool_id)
        .client_name(unique_name("client"))
        .generate_secret(true)
        .send()
        .await
        .expect("CreateUserPoolClient")
        .user_pool_client
        .expect("UserPoolClient");
    (
        client.client_id.expect("ClientId"),
        client.client_secret.expect("ClientSecret"),
    )
}

async fn sign_up(h: &Harness, client_id: &str, secret: &str, username: &str) -> bool {
    h.idp
        .sign_up()
        .client_id(client_id)
        .username(username)
        .password("Conformance-Passw0rd!")
        .secret_hash(secret_hash(secret, username, client_id))
        .send()
        .await
        .is_ok()
}

#[tokio::test]
async fn client_secrets_rotate_with_two_valid_at_once() {
    let h = Harness::both();
    let pool_id = h.user_pool().await.id.expect("Id");
    let (client_id, old) = confidential_client(&h, &pool_id).await;

    let added = h
        .idp
        .add_user_pool_client_secret()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .send()
        .await
        .expect("AddUserPoolClientSecret")
        .client_secret_descriptor
        .expect("ClientSecretDescriptor");
    let new = added.client_secret_value.clone().expect("generated value");
    let new_id = added.client_secret_id.clone().expect("ClientSecretId");
    assert!(new_id.starts_with(&format!("{client_id}--")), "{new_id}");

    let listed = h
        .idp
        .list_user_pool_client_secrets()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .send()
        .await
        .expect("ListUserPoolClientSecrets")
        .client_secrets
        .unwrap_or_default();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|s| s.client_secret_value.is_none()));
    let old_id = listed
        .iter()
        .filter_map(|s| s.client_secret_id.clone())
        .find(|id| *id != new_id)
        .expect("the original secret's id");

    assert!(sign_up(&h, &client_id, &old, &unique_name("u")).await);
    assert!(sign_up(&h, &client_id, &new, &unique_name("u")).await);

    h.idp
        .delete_user_pool_client_secret()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .client_secret_id(&old_id)
        .send()
        .await
        .expect("DeleteUserPoolClientSecret");
    assert!(!sign_up(&h, &client_id, &old, &unique_name("u")).await);
    assert!(sign_up(&h, &client_id, &new, &unique_name("u")).await);

    // The last secret stays.
    let last = h
        .idp
        .delete_user_pool_client_secret()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .client_secret_id(&new_id)
        .send()
        .await;
    assert!(last.is_err());
}

#[tokio::test]
async fn the_signing_certificate_is_a_stable_der_certificate() {
    use base64::Engine;
    let h = Harness::both();
    let pool_id = h.user_pool().await.id.expect("Id");
    let get = || async {
        h.idp
            .get_signing_certificate()
            .user_pool_id(&pool_id)
            .send()
            .await
            .expect("GetSigningCertificate")
            .certificate
            .expect("Certificate")
    };
    let first = get().await;
    assert!(!first.contains("BEGIN CERTIFICATE"), "{first}");
    let der = base64::engine::general_purpose::STANDARD
        .decode(&first)
        .expect("base64 DER");
    // A DER SEQUENCE with a long-form length: an X.509 certificate's outer shape.
    assert_eq!(der[0], 0x30);
    assert!(der.len() > 500, "{} bytes", der.len());
    assert_eq!(get().await, first);
}

#[tokio::test]
async fn risk_and_log_delivery_settings_are_stored() {
    use conformance::idp::types::{
        AccountTakeoverActionType, AccountTakeoverActionsType, AccountTakeoverEventActionType,
        AccountTakeoverRiskConfigurationType, CloudWatchLogsConfigurationType, EventSourceName,
        LogConfigurationType, LogLevel, RiskExceptionConfigurationType,
    };
    // AWS needs the Plus plan and threat protection for these; the emulator stores them on any.
    let Some(h) = Harness::emulator_only("risk settings need the Plus feature plan on AWS") else {
        return;
    };
    let pool_id = h.user_pool().await.id.expect("Id");
    let action = AccountTakeoverActionType::builder()
        .notify(false)
        .event_action(AccountTakeoverEventActionType::Block)
        .build()
        .expect("action");
    let takeover = AccountTakeoverRiskConfigurationType::builder()
        .actions(
            AccountTakeoverActionsType::builder()
                .high_action(action)
                .build(),
        )
        .build();
    h.idp
        .set_risk_configuration()
        .user_pool_id(&pool_id)
        .account_takeover_risk_configuration(takeover)
        .risk_exception_configuration(
            RiskExceptionConfigurationType::builder()
                .blocked_ip_range_list("10.0.0.0/8")
                .build(),
        )
        .send()
        .await
        .expect("SetRiskConfiguration");
    let described = h
        .idp
        .describe_risk_configuration()
        .user_pool_id(&pool_id)
        .send()
        .await
        .expect("DescribeRiskConfiguration")
        .risk_configuration
        .expect("RiskConfiguration");
    assert_eq!(described.client_id.as_deref(), Some("ALL"));
    assert_eq!(
        described
            .risk_exception_configuration
            .and_then(|e| e.blocked_ip_range_list)
            .unwrap_or_default(),
        vec!["10.0.0.0/8".to_string()]
    );

    let log = LogConfigurationType::builder()
        .event_source(EventSourceName::UserNotification)
        .log_level(LogLevel::Error)
        .cloud_watch_logs_configuration(
            CloudWatchLogsConfigurationType::builder()
                .log_group_arn("arn:aws:logs:us-east-1:123456789012:log-group:conformance")
                .build(),
        )
        .build()
        .expect("log configuration");
    h.idp
        .set_log_delivery_configuration()
        .user_pool_id(&pool_id)
        .log_configurations(log)
        .send()
        .await
        .expect("SetLogDeliveryConfiguration");
    let got = h
        .idp
        .get_log_delivery_configuration()
        .user_pool_id(&pool_id)
        .send()
        .await
        .expect("GetLogDeliveryConfiguration")
        .log_delivery_configuration
        .expect("LogDeliveryConfiguration");
    assert_eq!(got.log_configurations.len(), 1);
}

#[tokio::test]
async fn session_configuration_and_listing_through_the_wire() {
    // The SDK in the lock file predates the session actions: raw JSON on the emulator.
    let Some(h) = Harness::emulator_only("the pinned SDK has no session actions") else {
        return;
    };
    let pool_id = h.user_pool().await.id.expect("Id");
    let raw = h.raw();
    let got = raw
        .idp(
            "GetUserPoolSessionConfiguration",
            format!(r#"{{"UserPoolId":"{pool_id}"}}"#),
        )
        .await
        .json();
    assert_eq!(got["UserSessionTracking"], "DISABLED");
    assert_eq!(got["TokenSession"]["MaxPerUser"], 20);
    raw.idp(
        "SetUserPoolSessionConfiguration",
        format!(
            r#"{{"UserPoolId":"{pool_id}","UserSessionTracking":"ENABLED","TokenSession":{{"MaxPerUser":3}}}}"#
        ),
    )
    .await
    .json();
    h.idp
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username("session-user")
        .send()
        .await
        .expect("AdminCreateUser");
    let listed = raw
        .idp(
            "AdminListUserSessions",
            format!(r#"{{"UserPoolId":"{pool_id}","Username":"session-user"}}"#),
        )
        .await
        .json();
    assert_eq!(listed["Sessions"], serde_json::json!([]));
}

#[tokio::test]
async fn ui_customization_terms_and_branding_are_stored_and_shown() {
    use base64::Engine;
    use conformance::idp::primitives::Blob;
    use conformance::idp::types::{TermsEnforcementType, TermsSourceType};
    // On AWS these need a managed-login domain, which a conformance case cannot clean up
    // before its pool; the emulator accepts any domain.
    let Some(h) = Harness::emulator_only("needs a hosted domain on AWS") else {
        return;
    };
    let pool_id = h.user_pool().await.id.expect("Id");
    let client_id = h
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name(unique_name("web"))
        .send()
        .await
        .expect("CreateUserPoolClient")
        .user_pool_client
        .and_then(|c| c.client_id)
        .expect("ClientId");
    h.idp
        .create_user_pool_domain()
        .user_pool_id(&pool_id)
        .domain(unique_name("ui"))
        .send()
        .await
        .expect("CreateUserPoolDomain");
    let png = base64::engine::general_purpose::STANDARD
        .decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
        .expect("png");
    let css = ".submitButton-customizable { background-color: #336699; }";
    h.idp
        .set_ui_customization()
        .user_pool_id(&pool_id)
        .css(css)
        .image_file(Blob::new(png))
        .send()
        .await
        .expect("SetUICustomization");
    let got = h
        .idp
        .get_ui_customization()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .send()
        .await
        .expect("GetUICustomization")
        .ui_customization
        .expect("UICustomization");
    assert_eq!(got.css.as_deref(), Some(css));
    assert!(got.image_url.is_some());
    let bad = h
        .idp
        .set_ui_customization()
        .user_pool_id(&pool_id)
        .css("body { color: red }")
        .send()
        .await;
    assert!(bad.is_err());

    let terms = h
        .idp
        .create_terms()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .terms_name("terms-of-use")
        .terms_source(TermsSourceType::Link)
        .enforcement(TermsEnforcementType::None)
        .links("cognito:default", "https://example.com/terms")
        .send()
        .await
        .expect("CreateTerms")
        .terms
        .expect("Terms");
    let listed = h
        .idp
        .list_terms()
        .user_pool_id(&pool_id)
        .send()
        .await
        .expect("ListTerms");
    assert_eq!(listed.terms.len(), 1);
    assert_eq!(listed.terms[0].terms_id, terms.terms_id);

    let branding = h
        .idp
        .create_managed_login_branding()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .use_cognito_provided_values(true)
        .send()
        .await
        .expect("CreateManagedLoginBranding")
        .managed_login_branding
        .expect("ManagedLoginBranding");
    let by_client = h
        .idp
        .describe_managed_login_branding_by_client()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .send()
        .await
        .expect("DescribeManagedLoginBrandingByClient")
        .managed_login_branding
        .expect("ManagedLoginBranding");
    assert_eq!(
        by_client.managed_login_branding_id,
        branding.managed_login_branding_id
    );
}

#[tokio::test]
async fn limits_replicas_and_client_tokens() {
    use conformance::idp::types::{LimitClass, LimitDefinitionType};
    let Some(h) =
        Harness::emulator_only("raising limits and creating replicas change a real account")
    else {
        return;
    };
    let definition = LimitDefinitionType::builder()
        .limit_class(LimitClass::ApiCategory)
        .attributes("Category", "UserCreation")
        .build()
        .expect("definition");
    let raised = h
        .idp
        .update_provisioned_limit()
        .limit_definition(definition.clone())
        .requested_limit_value(75)
        .send()
        .await
        .expect("UpdateProvisionedLimit")
        .limit
        .expect("Limit");
    assert_eq!(raised.free_limit_value, 50);
    assert_eq!(raised.provisioned_limit_value, 75);

    let pool_id = h.user_pool().await.id.expect("Id");
    let replica = h
        .idp
        .create_user_pool_replica()
        .user_pool_id(&pool_id)
        .region_name("eu-central-1")
        .send()
        .await
        .expect("CreateUserPoolReplica")
        .user_pool_replica
        .expect("UserPoolReplica");
    assert_eq!(replica.region_name.as_deref(), Some("eu-central-1"));
    let replicas = h
        .idp
        .list_user_pool_replicas()
        .user_pool_id(&pool_id)
        .send()
        .await
        .expect("ListUserPoolReplicas")
        .user_pool_replicas
        .unwrap_or_default();
    assert!(
        replicas
            .iter()
            .any(|r| r.region_name.as_deref() == Some("eu-central-1"))
    );

    // GetClientToken is newer than the pinned SDK: raw JSON.
    let (client_id, secret) = confidential_client(&h, &pool_id).await;
    let refused = h
        .raw()
        .idp(
            "GetClientToken",
            format!(r#"{{"ClientId":"{client_id}","Secret":"{secret}"}}"#),
        )
        .await;
    // The client has no client-credentials flow and scopes: refused, as on AWS.
    refused.assert_aws_error(400, "NotAuthorizedException");
}
