//! User pool lifecycle through the SDK: create, describe, list with pagination, delete.

use conformance::idp::operation::delete_user_pool::DeleteUserPoolError;
use conformance::idp::operation::describe_user_pool::DescribeUserPoolError;
use conformance::idp::types::{PasswordPolicyType, UserPoolPolicyType, VerifiedAttributeType};
use conformance::{Harness, unique_name};
use std::collections::HashSet;

fn is_pool_id(id: &str, region: &str) -> bool {
    let Some(suffix) = id.strip_prefix(&format!("{region}_")) else {
        return false;
    };
    suffix.len() == 9 && suffix.chars().all(|c| c.is_ascii_alphanumeric())
}

#[tokio::test]
async fn create_and_describe_keep_the_settings_given() {
    let h = Harness::both();
    let name = unique_name("settings");
    let created = h
        .idp
        .create_user_pool()
        .pool_name(&name)
        .policies(
            UserPoolPolicyType::builder()
                .password_policy(
                    PasswordPolicyType::builder()
                        .minimum_length(10)
                        .require_uppercase(true)
                        .require_lowercase(true)
                        .require_numbers(false)
                        .require_symbols(false)
                        .build(),
                )
                .build(),
        )
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .username_attributes(conformance::idp::types::UsernameAttributeType::Email)
        .user_pool_tags("team", "conformance")
        .send()
        .await
        .expect("CreateUserPool")
        .user_pool
        .expect("UserPool");
    let id = created.id.clone().expect("Id");
    h.track_user_pool(&id);

    assert!(is_pool_id(&id, h.region()), "pool id {id}");
    assert_eq!(created.name.as_deref(), Some(name.as_str()));
    let arn = created.arn.clone().expect("Arn");
    assert!(
        arn.starts_with(&format!("arn:aws:cognito-idp:{}:", h.region()))
            && arn.ends_with(&format!(":userpool/{id}")),
        "{arn}"
    );
    assert!(created.creation_date.is_some() && created.last_modified_date.is_some());

    let described = h
        .idp
        .describe_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .expect("DescribeUserPool")
        .user_pool
        .expect("UserPool");
    assert_eq!(described.id.as_deref(), Some(id.as_str()));
    assert_eq!(described.name.as_deref(), Some(name.as_str()));
    let policy = described
        .policies
        .and_then(|p| p.password_policy)
        .expect("PasswordPolicy");
    assert_eq!(policy.minimum_length, Some(10));
    assert!(policy.require_uppercase);
    assert!(!policy.require_numbers);
    assert_eq!(
        described.auto_verified_attributes.as_deref(),
        Some(&[VerifiedAttributeType::Email][..])
    );
    assert_eq!(
        described.username_attributes.as_deref(),
        Some(&[conformance::idp::types::UsernameAttributeType::Email][..])
    );
    assert_eq!(
        described
            .user_pool_tags
            .as_ref()
            .and_then(|t| t.get("team"))
            .map(String::as_str),
        Some("conformance")
    );
    assert_eq!(described.creation_date, created.creation_date);
}

#[tokio::test]
async fn list_user_pools_pages_through_every_pool_once() {
    let h = Harness::both();
    let mut ours = HashSet::new();
    for _ in 0..3 {
        ours.insert(h.user_pool().await.id.expect("Id"));
    }
    // Other cases create and delete pools concurrently: look for ours, each exactly once.
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = h
            .idp
            .list_user_pools()
            .max_results(2)
            .set_next_token(token.clone())
            .send()
            .await
            .expect("ListUserPools");
        pages += 1;
        let items = page.user_pools.unwrap_or_default();
        assert!(items.len() <= 2, "page larger than MaxResults");
        for p in items {
            let id = p.id.expect("Id");
            assert!(p.name.is_some() && p.creation_date.is_some());
            if ours.contains(&id) {
                seen.push(id);
            }
        }
        token = page.next_token;
        if token.is_none() {
            break;
        }
        assert!(pages < 10_000, "pagination does not end");
    }
    seen.sort();
    let mut expected: Vec<_> = ours.into_iter().collect();
    expected.sort();
    assert_eq!(seen, expected);
    assert!(
        pages >= 2,
        "3 pools with MaxResults=2 need at least two pages"
    );
}

#[tokio::test]
async fn a_deleted_pool_is_gone() {
    let h = Harness::both();
    let id = h.user_pool().await.id.expect("Id");
    h.idp
        .delete_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .expect("DeleteUserPool");

    let err = h
        .idp
        .describe_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .expect_err("describe after delete")
        .into_service_error();
    assert!(
        matches!(err, DescribeUserPoolError::ResourceNotFoundException(_)),
        "{err:?}"
    );
    let err = h
        .idp
        .delete_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .expect_err("delete twice")
        .into_service_error();
    assert!(
        matches!(err, DeleteUserPoolError::ResourceNotFoundException(_)),
        "{err:?}"
    );
}

#[tokio::test]
async fn fifty_parallel_creates_all_succeed() {
    let Some(h) = Harness::emulator_only("AWS throttles CreateUserPool well below 50 at once")
    else {
        return;
    };
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let idp = h.idp.clone();
        tasks.spawn(async move {
            idp.create_user_pool()
                .pool_name(unique_name("parallel"))
                .send()
                .await
        });
    }
    let mut ids = HashSet::new();
    while let Some(joined) = tasks.join_next().await {
        let out = joined
            .expect("task")
            .expect("every CreateUserPool succeeds");
        let id = out.user_pool.and_then(|p| p.id).expect("Id");
        h.track_user_pool(&id);
        ids.insert(id);
    }
    assert_eq!(ids.len(), 50, "ids are unique");
}

#[tokio::test]
async fn update_user_pool_stores_the_new_settings() {
    let h = Harness::both();
    let id = h.user_pool().await.id.expect("Id");
    h.idp
        .update_user_pool()
        .user_pool_id(&id)
        .policies(
            UserPoolPolicyType::builder()
                .password_policy(
                    PasswordPolicyType::builder()
                        .minimum_length(12)
                        .require_symbols(true)
                        .build(),
                )
                .build(),
        )
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .user_pool_tags("stage", "updated")
        .send()
        .await
        .expect("UpdateUserPool");
    let pool = h
        .idp
        .describe_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .expect("DescribeUserPool")
        .user_pool
        .expect("UserPool");
    let policy = pool
        .policies
        .and_then(|p| p.password_policy)
        .expect("PasswordPolicy");
    assert_eq!(policy.minimum_length, Some(12));
    assert!(policy.require_symbols);
    assert_eq!(
        pool.auto_verified_attributes.as_deref(),
        Some(&[VerifiedAttributeType::Email][..])
    );
    assert_eq!(
        pool.user_pool_tags
            .as_ref()
            .and_then(|t| t.get("stage"))
            .map(String::as_str),
        Some("updated")
    );
    assert!(pool.last_modified_date >= pool.creation_date);
}

#[tokio::test]
async fn tags_are_added_listed_and_removed_by_arn() {
    let h = Harness::both();
    let pool = h.user_pool().await;
    let arn = pool.arn.expect("Arn");
    h.idp
        .tag_resource()
        .resource_arn(&arn)
        .tags("team", "identity")
        .tags("cost-centre", "42")
        .send()
        .await
        .expect("TagResource");
    let tags = h
        .idp
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .expect("ListTagsForResource")
        .tags
        .unwrap_or_default();
    assert_eq!(tags.get("team").map(String::as_str), Some("identity"));
    assert_eq!(tags.get("cost-centre").map(String::as_str), Some("42"));

    h.idp
        .untag_resource()
        .resource_arn(&arn)
        .tag_keys("team")
        .send()
        .await
        .expect("UntagResource");
    let tags = h
        .idp
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .expect("ListTagsForResource")
        .tags
        .unwrap_or_default();
    assert_eq!(tags.get("team"), None);
    assert_eq!(tags.get("cost-centre").map(String::as_str), Some("42"));
}

#[tokio::test]
async fn custom_attributes_join_the_schema_with_their_prefix() {
    use conformance::idp::types::{AttributeDataType, SchemaAttributeType};
    let h = Harness::both();
    let id = h.user_pool().await.id.expect("Id");
    h.idp
        .add_custom_attributes()
        .user_pool_id(&id)
        .custom_attributes(
            SchemaAttributeType::builder()
                .name("tier")
                .attribute_data_type(AttributeDataType::String)
                .mutable(true)
                .build(),
        )
        .send()
        .await
        .expect("AddCustomAttributes");
    let schema = h
        .idp
        .describe_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .expect("DescribeUserPool")
        .user_pool
        .and_then(|p| p.schema_attributes)
        .unwrap_or_default();
    let tier = schema
        .iter()
        .find(|a| a.name.as_deref() == Some("custom:tier"))
        .unwrap_or_else(|| panic!("custom:tier not in {schema:?}"));
    assert_eq!(tier.attribute_data_type, Some(AttributeDataType::String));
    // Standard attributes are there too.
    assert!(schema.iter().any(|a| a.name.as_deref() == Some("email")));

    // The same name twice is refused.
    let err = h
        .idp
        .add_custom_attributes()
        .user_pool_id(&id)
        .custom_attributes(
            SchemaAttributeType::builder()
                .name("tier")
                .attribute_data_type(AttributeDataType::String)
                .build(),
        )
        .send()
        .await
        .expect_err("duplicate custom attribute")
        .into_service_error();
    assert!(err.is_invalid_parameter_exception(), "{err:?}");
}

#[tokio::test]
async fn standard_attributes_keep_their_type_and_are_never_developer_only() {
    use conformance::idp::error::ProvideErrorMetadata;
    use conformance::idp::types::{AttributeDataType, SchemaAttributeType};
    // Cognito's answer, as moto's AWS-checked test
    // (test_create_user_pool_standard_attribute_with_changed_data_type_or_developer_only)
    // and users quoting it for email_verified report it.
    let h = Harness::both();
    for (name, data_type, developer_only) in [
        ("email_verified", AttributeDataType::String, false),
        ("email", AttributeDataType::String, true),
    ] {
        let result = h
            .idp
            .create_user_pool()
            .pool_name(unique_name("pool"))
            .schema(
                SchemaAttributeType::builder()
                    .name(name)
                    .attribute_data_type(data_type)
                    .developer_only_attribute(developer_only)
                    .build(),
            )
            .send()
            .await;
        if let Ok(out) = &result
            && let Some(id) = out.user_pool.as_ref().and_then(|p| p.id.clone())
        {
            h.track_user_pool(id);
        }
        let err = result.expect_err(name).into_service_error();
        assert_eq!(err.code(), Some("InvalidParameterException"), "{err:?}");
        assert_eq!(
            err.message(),
            Some(
                format!(
                    "You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute {name}"
                )
                .as_str()
            ),
            "{err:?}"
        );
    }
}
