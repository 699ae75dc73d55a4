//! Tests of the user-pool actions: the defaults of a new pool, every setting round-tripping,
//! schema merging, validation, paging, updates, deletion protection and a restart.

use super::*;
use crate::config::Config;
use serde_json::json;

use crate::testkit::ctx;

fn req(name: &str) -> CreateUserPoolRequest {
    CreateUserPoolRequest {
        pool_name: name.into(),
        ..Default::default()
    }
}

async fn create(ctx: &Ctx, r: CreateUserPoolRequest) -> ApiResult<UserPoolType> {
    create_user_pool(ctx.clone(), r)
        .await
        .map(|o| o.user_pool.unwrap())
}

async fn describe(ctx: &Ctx, id: &str) -> ApiResult<UserPoolType> {
    describe_user_pool(
        ctx.clone(),
        DescribeUserPoolRequest {
            user_pool_id: id.into(),
        },
    )
    .await
    .map(|o| o.user_pool.unwrap())
}

fn attr<'a>(pool: &'a UserPoolType, name: &str) -> &'a SchemaAttributeType {
    pool.schema_attributes
        .iter()
        .flatten()
        .find(|a| a.name.as_deref() == Some(name))
        .unwrap()
}

#[tokio::test]
async fn defaults_of_a_new_pool() {
    let ctx = ctx().await;
    let p = create(&ctx, req("plain")).await.unwrap();
    let id = p.id.clone().unwrap();
    assert!(id.starts_with("us-east-1_"));
    assert_eq!(
        p.arn.as_deref(),
        Some(format!("arn:aws:cognito-idp:us-east-1:000000000000:userpool/{id}").as_str())
    );
    let v = serde_json::to_value(&p).unwrap();
    assert_eq!(
        v["Policies"]["PasswordPolicy"],
        json!({"MinimumLength": 8, "RequireUppercase": true, "RequireLowercase": true,
               "RequireNumbers": true, "RequireSymbols": true,
               "TemporaryPasswordValidityDays": 7})
    );
    assert_eq!(
        v["Policies"]["SignInPolicy"],
        json!({"AllowedFirstAuthFactors": ["PASSWORD"]})
    );
    assert_eq!(v["DeletionProtection"], "INACTIVE");
    assert_eq!(v["LambdaConfig"], json!({}));
    assert_eq!(
        v["VerificationMessageTemplate"],
        json!({"DefaultEmailOption": "CONFIRM_WITH_CODE"})
    );
    assert_eq!(
        v["UserAttributeUpdateSettings"],
        json!({"AttributesRequireVerificationBeforeUpdate": []})
    );
    assert_eq!(v["MfaConfiguration"], "OFF");
    assert_eq!(v["EstimatedNumberOfUsers"], 0);
    assert_eq!(
        v["EmailConfiguration"],
        json!({"EmailSendingAccount": "COGNITO_DEFAULT"})
    );
    assert_eq!(v["UserPoolTags"], json!({}));
    assert_eq!(
        v["AdminCreateUserConfig"],
        json!({"AllowAdminCreateUserOnly": false, "UnusedAccountValidityDays": 7})
    );
    assert_eq!(v["UserPoolTier"], "ESSENTIALS");
    assert!(v.get("UsernameAttributes").is_none());
    assert!(username_case_sensitive(&p));
    assert!(v.get("AccountRecoverySetting").is_none());
    assert!(v.as_object().unwrap().values().all(|x| !x.is_null()));
    // The standard schema.
    let names: Vec<&str> = p
        .schema_attributes
        .iter()
        .flatten()
        .map(|a| a.name.as_deref().unwrap())
        .collect();
    assert_eq!(names.len(), 21);
    assert_eq!(names[0], "sub");
    assert_eq!(
        serde_json::to_value(attr(&p, "sub")).unwrap(),
        json!({"Name": "sub", "AttributeDataType": "String", "DeveloperOnlyAttribute": false,
               "Mutable": false, "Required": true,
               "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "2048"}})
    );
    assert_eq!(
        attr(&p, "email_verified").attribute_data_type.as_deref(),
        Some("Boolean")
    );
    assert_eq!(
        attr(&p, "updated_at")
            .number_attribute_constraints
            .as_ref()
            .unwrap()
            .min_value
            .as_deref(),
        Some("0")
    );
    assert_eq!(
        attr(&p, "birthdate")
            .string_attribute_constraints
            .as_ref()
            .unwrap()
            .min_length
            .as_deref(),
        Some("10")
    );
    assert_eq!(describe(&ctx, &id).await.unwrap(), p);
}

#[tokio::test]
async fn every_setting_round_trips() {
    let ctx = ctx().await;
    let given = json!({
        "PoolName": "full",
        "Policies": {"PasswordPolicy": {"MinimumLength": 12, "RequireUppercase": false,
            "RequireLowercase": true, "RequireNumbers": false, "RequireSymbols": true,
            "PasswordHistorySize": 3, "TemporaryPasswordValidityDays": 2},
            "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}},
        "DeletionProtection": "ACTIVE",
        "LambdaConfig": {"PreSignUp": "arn:aws:lambda:us-east-1:000000000000:function:pre",
            "PreTokenGeneration": "arn:aws:lambda:us-east-1:000000000000:function:tok"},
        "AutoVerifiedAttributes": ["email"],
        "AliasAttributes": ["email", "preferred_username"],
        "VerificationMessageTemplate": {"EmailMessage": "Code {####}", "EmailSubject": "Hi",
            "SmsMessage": "Code {####}", "DefaultEmailOption": "CONFIRM_WITH_CODE"},
        "SmsAuthenticationMessage": "Auth {####}",
        "MfaConfiguration": "OPTIONAL",
        "UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": ["email"]},
        "DeviceConfiguration": {"ChallengeRequiredOnNewDevice": true,
            "DeviceOnlyRememberedOnUserPrompt": false},
        "EmailConfiguration": {"EmailSendingAccount": "DEVELOPER",
            "SourceArn": "arn:aws:ses:us-east-1:000000000000:identity/a@example.com",
            "From": "a@example.com", "ReplyToEmailAddress": "b@example.com"},
        "SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::000000000000:role/sms",
            "ExternalId": "x", "SnsRegion": "us-east-1"},
        "UserPoolTags": {"team": "a"},
        "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": true,
            "UnusedAccountValidityDays": 2,
            "InviteMessageTemplate": {"EmailMessage": "{username} {####}",
                "EmailSubject": "Welcome", "SMSMessage": "{username} {####}"}},
        "UserPoolAddOns": {"AdvancedSecurityMode": "AUDIT"},
        "UsernameConfiguration": {"CaseSensitive": false},
        "AccountRecoverySetting": {"RecoveryMechanisms": [
            {"Priority": 1, "Name": "verified_email"},
            {"Priority": 2, "Name": "verified_phone_number"}]},
        "UserPoolTier": "PLUS"
    });
    let r: CreateUserPoolRequest = serde_json::from_value(given.clone()).unwrap();
    let p = create(&ctx, r).await.unwrap();
    let v = serde_json::to_value(describe(&ctx, p.id.as_deref().unwrap()).await.unwrap()).unwrap();
    for (k, expected) in given.as_object().unwrap() {
        match k.as_str() {
            "PoolName" => assert_eq!(&v["Name"], expected),
            "LambdaConfig" => {
                assert_eq!(v[k]["PreSignUp"], expected["PreSignUp"]);
                assert_eq!(
                    v[k]["PreTokenGenerationConfig"],
                    json!({"LambdaVersion": "V1_0", "LambdaArn": expected["PreTokenGeneration"]})
                );
            }
            _ => assert_eq!(&v[k], expected, "{k}"),
        }
    }
    let stored = describe(&ctx, p.id.as_deref().unwrap()).await.unwrap();
    assert!(!username_case_sensitive(&stored));
    // The legacy message members mirror the template.
    assert_eq!(v["EmailVerificationMessage"], "Code {####}");
    assert_eq!(v["EmailVerificationSubject"], "Hi");
    assert_eq!(v["SmsVerificationMessage"], "Code {####}");
}

#[tokio::test]
async fn schema_is_merged() {
    let ctx = ctx().await;
    let r: CreateUserPoolRequest = serde_json::from_value(json!({
        "PoolName": "s",
        "Schema": [
            {"Name": "email", "AttributeDataType": "String", "Required": true, "Mutable": true},
            {"Name": "tenant", "AttributeDataType": "String", "Mutable": false,
             "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "64"}},
            {"Name": "level", "AttributeDataType": "Number"},
            {"Name": "secret", "AttributeDataType": "String", "DeveloperOnlyAttribute": true}
        ]
    }))
    .unwrap();
    let p = create(&ctx, r).await.unwrap();
    assert_eq!(attr(&p, "email").required, Some(true));
    assert_eq!(
        attr(&p, "email")
            .string_attribute_constraints
            .as_ref()
            .unwrap()
            .max_length
            .as_deref(),
        Some("2048")
    );
    let tenant = attr(&p, "custom:tenant");
    assert_eq!(tenant.mutable, Some(false));
    assert_eq!(tenant.required, Some(false));
    assert_eq!(tenant.developer_only_attribute, Some(false));
    assert_eq!(attr(&p, "custom:level").mutable, Some(true));
    assert_eq!(
        attr(&p, "dev:custom:secret").developer_only_attribute,
        Some(true)
    );
    assert_eq!(p.schema_attributes.as_ref().unwrap().len(), 24);
}

#[tokio::test]
async fn validation_errors() {
    let ctx = ctx().await;
    let bad = [
        json!({"PoolName": "x", "UsernameAttributes": ["email"], "AliasAttributes": ["phone_number"]}),
        json!({"PoolName": "x", "Schema": [{"Name": "a", "AttributeDataType": "String"},
                                            {"Name": "a", "AttributeDataType": "String"}]}),
        json!({"PoolName": "x", "Schema": [{"Name": "a", "AttributeDataType": "String", "Required": true}]}),
        json!({"PoolName": "x", "Schema": [{"Name": "email", "AttributeDataType": "Number"}]}),
        json!({"PoolName": "x", "Schema": [{"Name": "sub", "AttributeDataType": "String", "Mutable": true}]}),
        json!({"PoolName": "x", "Schema": [{"Name": "n", "AttributeDataType": "Number",
               "NumberAttributeConstraints": {"MinValue": "5", "MaxValue": "1"}}]}),
        json!({"PoolName": "x", "Schema": [{"Name": "n", "AttributeDataType": "Number",
               "StringAttributeConstraints": {"MinLength": "1"}}]}),
        json!({"PoolName": "x", "AccountRecoverySetting": {"RecoveryMechanisms": [
               {"Priority": 1, "Name": "verified_email"}, {"Priority": 1, "Name": "verified_phone_number"}]}}),
        json!({"PoolName": "x", "AccountRecoverySetting": {"RecoveryMechanisms": [
               {"Priority": 1, "Name": "admin_only"}, {"Priority": 2, "Name": "verified_email"}]}}),
        json!({"PoolName": "x", "UserAttributeUpdateSettings":
               {"AttributesRequireVerificationBeforeUpdate": ["email"]}}),
    ];
    for (i, b) in bad.into_iter().enumerate() {
        let r: CreateUserPoolRequest = serde_json::from_value(b).unwrap();
        let err = create(&ctx, r).await.unwrap_err();
        assert_eq!(err.kind.name(), "InvalidParameterException", "case {i}");
    }
    // 50 custom attributes are fine, 51 are not.
    let many = |n: usize| -> CreateUserPoolRequest {
        let schema: Vec<_> = (0..n)
            .map(|i| json!({"Name": format!("a{i}"), "AttributeDataType": "String"}))
            .collect();
        serde_json::from_value(json!({"PoolName": "x", "Schema": schema})).unwrap()
    };
    create(&ctx, many(50)).await.unwrap();
    assert_eq!(
        create(&ctx, many(51)).await.unwrap_err().kind.name(),
        "InvalidParameterException"
    );
    assert_eq!(
        describe(&ctx, "us-east-1_missing00")
            .await
            .unwrap_err()
            .kind
            .name(),
        "ResourceNotFoundException"
    );
}

#[tokio::test]
async fn list_paginates() {
    let ctx = ctx().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            create(&ctx, req(&format!("p{i}")))
                .await
                .unwrap()
                .id
                .unwrap(),
        );
    }
    ids.sort();
    let mut seen = Vec::new();
    let mut token = None;
    loop {
        let page = list_user_pools(
            ctx.clone(),
            ListUserPoolsRequest {
                max_results: 2,
                next_token: token,
            },
        )
        .await
        .unwrap();
        let items = page.user_pools.unwrap();
        assert!(items.len() <= 2);
        for d in &items {
            assert!(d.name.is_some() && d.lambda_config.is_some() && d.creation_date.is_some());
        }
        seen.extend(items.into_iter().map(|d| d.id.unwrap()));
        token = page.next_token;
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen, ids);
}

#[tokio::test]
async fn update_resets_what_it_does_not_name() {
    let ctx = ctx().await;
    let r: CreateUserPoolRequest = serde_json::from_value(json!({
        "PoolName": "u",
        "UsernameAttributes": ["email"],
        "MfaConfiguration": "OPTIONAL",
        "DeletionProtection": "ACTIVE",
        "LambdaConfig": {"PreSignUp": "arn:aws:lambda:us-east-1:000000000000:function:pre"},
        "AutoVerifiedAttributes": ["email"],
        "UserPoolTags": {"k": "v"},
        "Schema": [{"Name": "tenant", "AttributeDataType": "String"}]
    }))
    .unwrap();
    let p = create(&ctx, r).await.unwrap();
    let id = p.id.clone().unwrap();
    ctx.clock.advance(3);
    update_user_pool(
        ctx.clone(),
        UpdateUserPoolRequest {
            user_pool_id: id.clone(),
            mfa_configuration: Some("OFF".into()),
            policies: Some(UserPoolPolicyType {
                password_policy: Some(PasswordPolicyType {
                    minimum_length: Some(10),
                    ..Default::default()
                }),
                sign_in_policy: None,
            }),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let u = describe(&ctx, &id).await.unwrap();
    assert_eq!(u.name.as_deref(), Some("u"));
    assert_eq!(u.username_attributes, p.username_attributes);
    assert_eq!(u.schema_attributes, p.schema_attributes);
    assert_eq!(u.creation_date, p.creation_date);
    assert!(u.last_modified_date > p.last_modified_date);
    assert_eq!(u.deletion_protection.as_deref(), Some("INACTIVE"));
    assert_eq!(u.lambda_config, Some(Default::default()));
    assert_eq!(u.auto_verified_attributes, None);
    assert_eq!(u.user_pool_tags, p.user_pool_tags);
    let pp = u.policies.unwrap().password_policy.unwrap();
    assert_eq!(pp.minimum_length, Some(10));
    assert_eq!(pp.require_uppercase, Some(false));
    assert_eq!(pp.temporary_password_validity_days, Some(7));
    let err = update_user_pool(
        ctx.clone(),
        UpdateUserPoolRequest {
            user_pool_id: "us-east-1_missing00".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind.name(), "ResourceNotFoundException");
}

#[tokio::test]
async fn deletion_protection_blocks_delete() {
    let ctx = ctx().await;
    let p = create(
        &ctx,
        CreateUserPoolRequest {
            deletion_protection: Some("ACTIVE".into()),
            ..req("d")
        },
    )
    .await
    .unwrap();
    let id = p.id.unwrap();
    let del =
        |id: String| delete_user_pool(ctx.clone(), DeleteUserPoolRequest { user_pool_id: id });
    assert_eq!(
        del(id.clone()).await.unwrap_err().kind.name(),
        "InvalidParameterException"
    );
    update_user_pool(
        ctx.clone(),
        UpdateUserPoolRequest {
            user_pool_id: id.clone(),
            deletion_protection: Some("INACTIVE".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    del(id.clone()).await.unwrap();
    assert_eq!(
        del(id.clone()).await.unwrap_err().kind.name(),
        "ResourceNotFoundException"
    );
    assert!(describe(&ctx, &id).await.is_err());
}

#[tokio::test]
async fn data_survives_a_restart() {
    let dir = std::env::temp_dir().join(format!("cognito-emu-pools-{}", ids::uuid()));
    let config = Config {
        in_memory: false,
        db: dir.join("db.sqlite"),
        ..Config::for_tests()
    };
    let state = crate::build_state(config.clone()).await.unwrap();
    let ctx = Ctx::internal(state.clone());
    let p = create(&ctx, req("durable")).await.unwrap();
    let id = p.id.clone().unwrap();
    let client = crate::idp::clients::create_user_pool_client(
        ctx.clone(),
        CreateUserPoolClientRequest {
            user_pool_id: id.clone(),
            client_name: "c".into(),
            generate_secret: Some(true),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .user_pool_client
    .unwrap();
    state.store.close().await;
    drop((ctx, state));

    let state = crate::build_state(config).await.unwrap();
    let ctx = Ctx::internal(state.clone());
    assert_eq!(describe(&ctx, &id).await.unwrap(), p);
    let (pool_id, loaded) =
        crate::idp::clients::load_client(&ctx, client.client_id.as_deref().unwrap())
            .await
            .unwrap();
    assert_eq!(pool_id, id);
    assert_eq!(loaded, client);
    state.store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
