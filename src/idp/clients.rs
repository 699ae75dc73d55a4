//! App clients: CreateUserPoolClient, DescribeUserPoolClient, ListUserPoolClients,
//! UpdateUserPoolClient, DeleteUserPoolClient, and `load_client` for every action that names a
//! ClientId.
//!
//! A client is stored as its `UserPoolClientType` document, exactly as DescribeUserPoolClient
//! returns it (secret included). Like Cognito, UpdateUserPoolClient replaces the settings: a
//! field the request leaves out goes back to its default, it is not kept.

use super::resource_servers::check_client_scopes;
use super::shapes::*;
use super::user_pools::load_pool;
use crate::ids;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult, ErrorKind};
use crate::tokens::validity::unit_secs;
use serde::Serialize;

/// What Cognito fills in for a client when the request leaves it out. AccessTokenValidity and
/// IdTokenValidity are not returned when unset (tokens then last one hour); RefreshTokenValidity
/// comes back as 30 (days) and TokenValidityUnits as an empty object.
const DEFAULT_REFRESH_TOKEN_VALIDITY: i32 = 30;
const DEFAULT_AUTH_SESSION_VALIDITY: i32 = 3;

/// The auth flows a client allows when it was created without ExplicitAuthFlows (Cognito's
/// documented default; the stored document then has no ExplicitAuthFlows, as on AWS).
pub const DEFAULT_EXPLICIT_AUTH_FLOWS: &[&str] = &[
    "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_CUSTOM_AUTH",
];

const LEGACY_AUTH_FLOWS: &[&str] = &[
    "ADMIN_NO_SRP_AUTH",
    "CUSTOM_AUTH_FLOW_ONLY",
    "USER_PASSWORD_AUTH",
];

/// OAuth scopes every pool knows without a resource server.
const STANDARD_SCOPES: &[&str] = &[
    "phone",
    "email",
    "openid",
    "profile",
    "aws.cognito.signin.user.admin",
];

fn client_not_found(client_id: &str) -> ApiError {
    ApiError::resource_not_found(format!("User pool client {client_id} does not exist."))
}

/// Finds a client by id alone: `(pool id, client document)`, or ResourceNotFoundException
/// "User pool client <id> does not exist.". The document includes `ClientSecret` when the
/// client has one.
pub async fn load_client(ctx: &Ctx, client_id: &str) -> ApiResult<(String, UserPoolClientType)> {
    ctx.store
        .get_client(client_id)
        .await?
        .ok_or_else(|| client_not_found(client_id))
}

/// A client that must belong to `pool_id` (admin actions name both).
pub async fn load_pool_client(
    ctx: &Ctx,
    pool_id: &str,
    client_id: &str,
) -> ApiResult<UserPoolClientType> {
    match ctx
        .store
        .get_client::<UserPoolClientType>(client_id)
        .await?
    {
        Some((pool, client)) if pool == pool_id => Ok(client),
        _ => Err(client_not_found(client_id)),
    }
}

/// The auth flows a client allows, with the documented default when it names none.
pub fn explicit_auth_flows(client: &UserPoolClientType) -> Vec<String> {
    match &client.explicit_auth_flows {
        Some(flows) => flows.clone(),
        None => DEFAULT_EXPLICIT_AUTH_FLOWS
            .iter()
            .map(|s| s.to_string())
            .collect(),
    }
}

/// Copies the settings members of a Create/Update request into a client document: the member
/// names are the same, so everything the API accepts is kept as given.
fn settings_from<T: Serialize>(input: &T) -> ApiResult<UserPoolClientType> {
    let mut value = serde_json::to_value(input).map_err(ApiError::internal)?;
    if let Some(obj) = value.as_object_mut() {
        // Not settings: the secret is handled apart and never taken from an update.
        obj.remove("ClientSecret");
        obj.remove("GenerateSecret");
        obj.remove("ClientId");
    }
    serde_json::from_value(value).map_err(ApiError::internal)
}

fn apply_defaults(c: &mut UserPoolClientType) {
    c.refresh_token_validity
        .get_or_insert(DEFAULT_REFRESH_TOKEN_VALIDITY);
    c.token_validity_units.get_or_insert_with(Default::default);
    c.allowed_o_auth_flows_user_pool_client.get_or_insert(false);
    c.enable_token_revocation.get_or_insert(true);
    c.enable_propagate_additional_user_context_data
        .get_or_insert(false);
    c.auth_session_validity
        .get_or_insert(DEFAULT_AUTH_SESSION_VALIDITY);
    c.prevent_user_existence_errors
        .get_or_insert_with(|| "LEGACY".into());
}

fn client_scopes(c: &UserPoolClientType) -> &[String] {
    c.allowed_o_auth_scopes.as_deref().unwrap_or_default()
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::invalid_parameter(message)
}

fn oauth_invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorKind::InvalidOAuthFlowException, message)
}

/// The checks Cognito makes on a client's settings beyond the model's constraints.
fn validate_settings(
    pool: &UserPoolType,
    c: &UserPoolClientType,
    has_secret: bool,
    verb: &str,
) -> ApiResult<()> {
    // Token validity, in the units given (defaults: hours for access/ID, days for refresh).
    let units = c.token_validity_units.clone().unwrap_or_default();
    let in_range = |value: Option<i32>, unit: Option<&str>, default_unit, min, max| match value {
        None => true,
        Some(v) => {
            let secs = v as i64 * unit_secs(unit, default_unit);
            (min..=max).contains(&secs)
        }
    };
    let access_ok = in_range(
        c.access_token_validity,
        units.access_token.as_deref(),
        3600,
        300,
        86400,
    );
    let id_ok = in_range(
        c.id_token_validity,
        units.id_token.as_deref(),
        3600,
        300,
        86400,
    );
    let refresh_ok = in_range(
        c.refresh_token_validity,
        units.refresh_token.as_deref(),
        86400,
        3600,
        3650 * 86400,
    );
    if !(access_ok && id_ok && refresh_ok) {
        return Err(invalid("Invalid range for token validity."));
    }

    if let Some(flows) = &c.explicit_auth_flows {
        let legacy = flows
            .iter()
            .any(|f| LEGACY_AUTH_FLOWS.contains(&f.as_str()));
        let modern = flows.iter().any(|f| f.starts_with("ALLOW_"));
        if legacy && modern {
            return Err(invalid(
                "ExplicitAuthFlows can not have both legacy and new values (prefixed with ALLOW_).",
            ));
        }
    }

    // Read and write attributes must name attributes of the pool's schema.
    let known = |name: &str| {
        pool.schema_attributes
            .iter()
            .flatten()
            .any(|a| a.name.as_deref() == Some(name))
    };
    if let Some(attrs) = &c.read_attributes
        && attrs.iter().any(|a| !known(a))
    {
        return Err(invalid(format!(
            "Invalid read attributes specified while {verb} a client"
        )));
    }
    if let Some(attrs) = &c.write_attributes
        && attrs.iter().any(|a| !known(a) || a == "sub")
    {
        return Err(invalid(format!(
            "Invalid write attributes specified while {verb} a client"
        )));
    }

    // OAuth.
    let flows = c.allowed_o_auth_flows.clone().unwrap_or_default();
    let scopes = c.allowed_o_auth_scopes.clone().unwrap_or_default();
    let callbacks = c.callback_ur_ls.clone().unwrap_or_default();
    let oauth_client = c.allowed_o_auth_flows_user_pool_client == Some(true);
    if !oauth_client && (!flows.is_empty() || !scopes.is_empty()) {
        return Err(invalid(
            "AllowedOAuthFlowsUserPoolClient must be true when AllowedOAuthFlows or AllowedOAuthScopes are set.",
        ));
    }
    if oauth_client {
        if flows.is_empty() || scopes.is_empty() {
            return Err(oauth_invalid(
                "AllowedOAuthFlows and AllowedOAuthScopes are required if user pool client is allowed to use OAuth flows.",
            ));
        }
        let has = |f: &str| flows.iter().any(|x| x == f);
        let browser_flow = has("code") || has("implicit");
        if has("client_credentials") {
            if browser_flow {
                return Err(oauth_invalid(
                    "client_credentials flow can not be selected along with code flow or implicit flow.",
                ));
            }
            if !has_secret {
                return Err(oauth_invalid(
                    "client_credentials flow can not be selected if client does not have a client secret.",
                ));
            }
            if scopes.iter().any(|s| s == "openid") {
                return Err(oauth_invalid(
                    "openid is not supported with client_credentials flow",
                ));
            }
        }
        if browser_flow && callbacks.is_empty() {
            return Err(oauth_invalid(
                "CallbackUrls can not be empty when code flow or implicit flow is selected",
            ));
        }
        for s in &scopes {
            if !s.contains('/') && !STANDARD_SCOPES.contains(&s.as_str()) {
                return Err(ApiError::new(
                    ErrorKind::ScopeDoesNotExistException,
                    format!("Invalid scope requested: {s}"),
                ));
            }
        }
    }
    if let Some(uri) = &c.default_redirect_uri
        && !callbacks.iter().any(|u| u == uri)
    {
        return Err(invalid(
            "DefaultRedirectURI must be one of the CallbackURLs.",
        ));
    }
    Ok(())
}

pub async fn create_user_pool_client(
    ctx: Ctx,
    input: CreateUserPoolClientRequest,
) -> ApiResult<CreateUserPoolClientResponse> {
    let client = create_client_with_id(&ctx, input, &ids::client_id()).await?;
    Ok(CreateUserPoolClientResponse {
        user_pool_client: Some(client),
    })
}

/// CreateUserPoolClient with the client id chosen by the caller (the seed file fixes ids).
pub async fn create_client_with_id(
    ctx: &Ctx,
    input: CreateUserPoolClientRequest,
    client_id: &str,
) -> ApiResult<UserPoolClientType> {
    let pool = load_pool(ctx, &input.user_pool_id).await?;
    let secret = match (input.generate_secret, &input.client_secret) {
        (Some(false), Some(_)) => {
            return Err(invalid(
                "ClientSecret can only be given when GenerateSecret is true.",
            ));
        }
        (_, Some(given)) => Some(given.clone()),
        (Some(true), None) => Some(ids::client_secret()),
        _ => None,
    };
    let mut client = settings_from(&input)?;
    apply_defaults(&mut client);
    validate_settings(&pool, &client, secret.is_some(), "creating")?;
    check_client_scopes(ctx, &input.user_pool_id, client_scopes(&client)).await?;
    let now = ctx.clock.now_epoch();
    client.user_pool_id = Some(input.user_pool_id.clone());
    client.client_id = Some(client_id.to_string());
    client.client_secret = secret;
    client.creation_date = Some(now);
    client.last_modified_date = Some(now);
    ctx.store
        .insert_client(
            &input.user_pool_id,
            client_id,
            &input.client_name,
            now,
            &client,
        )
        .await?;
    Ok(client)
}

pub async fn describe_user_pool_client(
    ctx: Ctx,
    input: DescribeUserPoolClientRequest,
) -> ApiResult<DescribeUserPoolClientResponse> {
    let client = load_pool_client(&ctx, &input.user_pool_id, &input.client_id).await?;
    Ok(DescribeUserPoolClientResponse {
        user_pool_client: Some(client),
    })
}

pub async fn list_user_pool_clients(
    ctx: Ctx,
    input: ListUserPoolClientsRequest,
) -> ApiResult<ListUserPoolClientsResponse> {
    load_pool(&ctx, &input.user_pool_id).await?;
    let limit = input.max_results.unwrap_or(60).clamp(1, 60) as u32;
    let mut clients: Vec<UserPoolClientType> = ctx
        .store
        .list_clients(&input.user_pool_id, input.next_token.as_deref(), limit + 1)
        .await?;
    let next_token = if clients.len() > limit as usize {
        clients.truncate(limit as usize);
        clients.last().and_then(|c| c.client_id.clone())
    } else {
        None
    };
    Ok(ListUserPoolClientsResponse {
        user_pool_clients: Some(
            clients
                .into_iter()
                .map(|c| UserPoolClientDescription {
                    client_id: c.client_id,
                    user_pool_id: c.user_pool_id,
                    client_name: c.client_name,
                })
                .collect(),
        ),
        next_token,
    })
}

pub async fn update_user_pool_client(
    ctx: Ctx,
    input: UpdateUserPoolClientRequest,
) -> ApiResult<UpdateUserPoolClientResponse> {
    let pool = load_pool(&ctx, &input.user_pool_id).await?;
    let old = load_pool_client(&ctx, &input.user_pool_id, &input.client_id).await?;
    let mut client = settings_from(&input)?;
    apply_defaults(&mut client);
    validate_settings(&pool, &client, old.client_secret.is_some(), "updating")?;
    check_client_scopes(&ctx, &input.user_pool_id, client_scopes(&client)).await?;
    // Identity, secret and creation time are not settings; a name left out is kept.
    client.user_pool_id = old.user_pool_id;
    client.client_id = old.client_id;
    client.client_secret = old.client_secret;
    client.creation_date = old.creation_date;
    client.client_type = old.client_type;
    if client.client_name.is_none() {
        client.client_name = old.client_name;
    }
    client.last_modified_date = Some(ctx.clock.now_epoch());
    let name = client.client_name.clone().unwrap_or_default();
    if !ctx
        .store
        .update_client(&input.client_id, &name, &client)
        .await?
    {
        return Err(client_not_found(&input.client_id));
    }
    Ok(UpdateUserPoolClientResponse {
        user_pool_client: Some(client),
    })
}

pub async fn delete_user_pool_client(
    ctx: Ctx,
    input: DeleteUserPoolClientRequest,
) -> ApiResult<serde_json::Value> {
    load_pool(&ctx, &input.user_pool_id).await?;
    if !ctx
        .store
        .delete_client(&input.user_pool_id, &input.client_id)
        .await?
    {
        return Err(client_not_found(&input.client_id));
    }
    Ok(serde_json::json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::idp::user_pools::create_user_pool;
    use crate::tokens::validity::{TokenValidity, token_validity};

    use crate::testkit::ctx;

    async fn pool(ctx: &Ctx) -> String {
        let out = create_user_pool(
            ctx.clone(),
            CreateUserPoolRequest {
                pool_name: "p".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        out.user_pool.unwrap().id.unwrap()
    }

    fn req(pool_id: &str) -> CreateUserPoolClientRequest {
        CreateUserPoolClientRequest {
            user_pool_id: pool_id.into(),
            client_name: "app".into(),
            ..Default::default()
        }
    }

    async fn create(ctx: &Ctx, r: CreateUserPoolClientRequest) -> ApiResult<UserPoolClientType> {
        create_user_pool_client(ctx.clone(), r)
            .await
            .map(|o| o.user_pool_client.unwrap())
    }

    fn kind(r: ApiResult<UserPoolClientType>) -> &'static str {
        r.unwrap_err().kind.name()
    }

    #[tokio::test]
    async fn defaults_of_a_new_client() {
        let ctx = ctx().await;
        let pool_id = pool(&ctx).await;
        let c = create(&ctx, req(&pool_id)).await.unwrap();
        let id = c.client_id.clone().unwrap();
        assert_eq!(id.len(), 26);
        assert!(
            id.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        );
        assert_eq!(c.user_pool_id.as_deref(), Some(pool_id.as_str()));
        assert_eq!(c.client_secret, None);
        assert_eq!(c.refresh_token_validity, Some(30));
        assert_eq!(c.access_token_validity, None);
        assert_eq!(c.token_validity_units, Some(Default::default()));
        assert_eq!(c.auth_session_validity, Some(3));
        assert_eq!(c.enable_token_revocation, Some(true));
        assert_eq!(c.allowed_o_auth_flows_user_pool_client, Some(false));
        assert_eq!(c.prevent_user_existence_errors.as_deref(), Some("LEGACY"));
        assert_eq!(c.explicit_auth_flows, None);
        assert_eq!(
            explicit_auth_flows(&c),
            vec![
                "ALLOW_REFRESH_TOKEN_AUTH",
                "ALLOW_USER_SRP_AUTH",
                "ALLOW_CUSTOM_AUTH"
            ]
        );
        assert_eq!(
            token_validity(&c),
            TokenValidity {
                access_secs: 3600,
                id_secs: 3600,
                refresh_secs: 30 * 86400
            }
        );
        // The wire form: no null members.
        let json = serde_json::to_value(&c).unwrap();
        assert!(json.as_object().unwrap().values().all(|v| !v.is_null()));
        assert_eq!(json["TokenValidityUnits"], serde_json::json!({}));
    }

    #[tokio::test]
    async fn secret_clients_and_load_client() {
        let ctx = ctx().await;
        let pool_id = pool(&ctx).await;
        let c = create(
            &ctx,
            CreateUserPoolClientRequest {
                generate_secret: Some(true),
                ..req(&pool_id)
            },
        )
        .await
        .unwrap();
        let id = c.client_id.clone().unwrap();
        let secret = c.client_secret.clone().unwrap();
        assert!(secret.len() >= 50);
        let (p, loaded) = load_client(&ctx, &id).await.unwrap();
        assert_eq!(p, pool_id);
        assert_eq!(loaded.client_secret.as_deref(), Some(secret.as_str()));
        let described = describe_user_pool_client(
            ctx.clone(),
            DescribeUserPoolClientRequest {
                user_pool_id: pool_id.clone(),
                client_id: id.clone(),
            },
        )
        .await
        .unwrap();
        assert_eq!(described.user_pool_client, Some(c.clone()));
        // Listed without the secret.
        let listed = list_user_pool_clients(
            ctx.clone(),
            ListUserPoolClientsRequest {
                user_pool_id: pool_id.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let json = serde_json::to_string(&listed).unwrap();
        assert!(!json.contains("ClientSecret"));
        assert!(!json.contains(&secret));

        let err = load_client(&ctx, "nosuchclient").await.unwrap_err();
        assert_eq!(err.kind.name(), "ResourceNotFoundException");
        assert_eq!(err.message, "User pool client nosuchclient does not exist.");
        // A client named under another pool does not exist there.
        let other = pool(&ctx).await;
        let err = describe_user_pool_client(
            ctx.clone(),
            DescribeUserPoolClientRequest {
                user_pool_id: other,
                client_id: id.clone(),
            },
        )
        .await
        .unwrap_err();
        assert_eq!(err.kind.name(), "ResourceNotFoundException");
        // A given secret is kept.
        let c = create(
            &ctx,
            CreateUserPoolClientRequest {
                generate_secret: Some(true),
                client_secret: Some("my-own-secret-value-which-is-long-enough".into()),
                ..req(&pool_id)
            },
        )
        .await
        .unwrap();
        assert_eq!(
            c.client_secret.as_deref(),
            Some("my-own-secret-value-which-is-long-enough")
        );
    }

    #[tokio::test]
    async fn unknown_pool() {
        let ctx = ctx().await;
        assert_eq!(
            kind(create(&ctx, req("us-east-1_nothere00")).await),
            "ResourceNotFoundException"
        );
    }

    #[tokio::test]
    async fn every_setting_round_trips() {
        let ctx = ctx().await;
        let pool_id = pool(&ctx).await;
        let r = CreateUserPoolClientRequest {
            generate_secret: Some(false),
            refresh_token_validity: Some(600),
            access_token_validity: Some(10),
            id_token_validity: Some(20),
            token_validity_units: Some(TokenValidityUnitsType {
                access_token: Some("minutes".into()),
                id_token: Some("minutes".into()),
                refresh_token: Some("minutes".into()),
            }),
            read_attributes: Some(vec!["email".into(), "custom:x".into()]),
            write_attributes: Some(vec!["email".into()]),
            explicit_auth_flows: Some(vec![
                "ALLOW_USER_PASSWORD_AUTH".into(),
                "ALLOW_REFRESH_TOKEN_AUTH".into(),
            ]),
            supported_identity_providers: Some(vec!["COGNITO".into()]),
            callback_ur_ls: Some(vec!["https://app.example/cb".into()]),
            logout_ur_ls: Some(vec!["https://app.example/out".into()]),
            default_redirect_uri: Some("https://app.example/cb".into()),
            allowed_o_auth_flows: Some(vec!["code".into()]),
            allowed_o_auth_scopes: Some(vec!["openid".into(), "email".into()]),
            allowed_o_auth_flows_user_pool_client: Some(true),
            analytics_configuration: Some(AnalyticsConfigurationType {
                application_id: Some("app".into()),
                ..Default::default()
            }),
            prevent_user_existence_errors: Some("ENABLED".into()),
            enable_token_revocation: Some(false),
            enable_propagate_additional_user_context_data: Some(true),
            auth_session_validity: Some(10),
            ..req(&pool_id)
        };
        // custom:x does not exist in the pool yet.
        assert_eq!(
            kind(create(&ctx, r.clone()).await),
            "InvalidParameterException"
        );
        crate::idp::custom_attributes::add_custom_attributes(
            ctx.clone(),
            AddCustomAttributesRequest {
                user_pool_id: pool_id.clone(),
                custom_attributes: vec![SchemaAttributeType {
                    name: Some("x".into()),
                    attribute_data_type: Some("String".into()),
                    ..Default::default()
                }],
            },
        )
        .await
        .unwrap();
        let c = create(&ctx, r.clone()).await.unwrap();
        let mut expected: UserPoolClientType =
            serde_json::from_value(serde_json::to_value(&r).unwrap()).unwrap();
        expected.user_pool_id = c.user_pool_id.clone();
        expected.client_id = c.client_id.clone();
        expected.creation_date = c.creation_date;
        expected.last_modified_date = c.last_modified_date;
        assert_eq!(c, expected);
        assert_eq!(
            token_validity(&c),
            TokenValidity {
                access_secs: 600,
                id_secs: 1200,
                refresh_secs: 36000
            }
        );
    }

    #[tokio::test]
    async fn update_replaces_settings() {
        let ctx = ctx().await;
        let pool_id = pool(&ctx).await;
        let c = create(
            &ctx,
            CreateUserPoolClientRequest {
                generate_secret: Some(true),
                access_token_validity: Some(2),
                explicit_auth_flows: Some(vec!["ALLOW_USER_PASSWORD_AUTH".into()]),
                ..req(&pool_id)
            },
        )
        .await
        .unwrap();
        let id = c.client_id.clone().unwrap();
        ctx.clock.advance(5);
        let updated = update_user_pool_client(
            ctx.clone(),
            UpdateUserPoolClientRequest {
                user_pool_id: pool_id.clone(),
                client_id: id.clone(),
                id_token_validity: Some(3),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
        // Left out: back to defaults. Kept: identity, name, secret, creation date.
        assert_eq!(updated.access_token_validity, None);
        assert_eq!(updated.explicit_auth_flows, None);
        assert_eq!(updated.id_token_validity, Some(3));
        assert_eq!(updated.client_name.as_deref(), Some("app"));
        assert_eq!(updated.client_secret, c.client_secret);
        assert_eq!(updated.creation_date, c.creation_date);
        assert!(updated.last_modified_date > c.last_modified_date);
        let (_, stored) = load_client(&ctx, &id).await.unwrap();
        assert_eq!(stored, updated);

        let err = update_user_pool_client(
            ctx.clone(),
            UpdateUserPoolClientRequest {
                user_pool_id: pool_id.clone(),
                client_id: "missing".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
        assert_eq!(err.kind.name(), "ResourceNotFoundException");
    }

    #[tokio::test]
    async fn list_paginates_and_delete_removes() {
        let ctx = ctx().await;
        let pool_id = pool(&ctx).await;
        let mut ids = Vec::new();
        for _ in 0..5 {
            ids.push(
                create(&ctx, req(&pool_id))
                    .await
                    .unwrap()
                    .client_id
                    .unwrap(),
            );
        }
        ids.sort();
        let mut seen = Vec::new();
        let mut token = None;
        loop {
            let page = list_user_pool_clients(
                ctx.clone(),
                ListUserPoolClientsRequest {
                    user_pool_id: pool_id.clone(),
                    max_results: Some(2),
                    next_token: token,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
            let items = page.user_pool_clients.unwrap();
            assert!(items.len() <= 2);
            seen.extend(items.into_iter().map(|c| c.client_id.unwrap()));
            token = page.next_token;
            if token.is_none() {
                break;
            }
        }
        assert_eq!(seen, ids);

        delete_user_pool_client(
            ctx.clone(),
            DeleteUserPoolClientRequest {
                user_pool_id: pool_id.clone(),
                client_id: ids[0].clone(),
            },
        )
        .await
        .unwrap();
        assert!(load_client(&ctx, &ids[0]).await.is_err());
        let again = delete_user_pool_client(
            ctx.clone(),
            DeleteUserPoolClientRequest {
                user_pool_id: pool_id.clone(),
                client_id: ids[0].clone(),
            },
        )
        .await
        .unwrap_err();
        assert_eq!(again.kind.name(), "ResourceNotFoundException");
    }

    #[tokio::test]
    async fn validation_errors() {
        let ctx = ctx().await;
        let p = pool(&ctx).await;
        let cases: Vec<(CreateUserPoolClientRequest, &str)> = vec![
            (
                CreateUserPoolClientRequest {
                    access_token_validity: Some(25),
                    ..req(&p)
                },
                "InvalidParameterException",
            ),
            (
                CreateUserPoolClientRequest {
                    access_token_validity: Some(4),
                    token_validity_units: Some(TokenValidityUnitsType {
                        access_token: Some("minutes".into()),
                        ..Default::default()
                    }),
                    ..req(&p)
                },
                "InvalidParameterException",
            ),
            (
                CreateUserPoolClientRequest {
                    refresh_token_validity: Some(3651),
                    ..req(&p)
                },
                "InvalidParameterException",
            ),
            (
                CreateUserPoolClientRequest {
                    refresh_token_validity: Some(59),
                    token_validity_units: Some(TokenValidityUnitsType {
                        refresh_token: Some("minutes".into()),
                        ..Default::default()
                    }),
                    ..req(&p)
                },
                "InvalidParameterException",
            ),
            (
                CreateUserPoolClientRequest {
                    explicit_auth_flows: Some(vec![
                        "USER_PASSWORD_AUTH".into(),
                        "ALLOW_USER_SRP_AUTH".into(),
                    ]),
                    ..req(&p)
                },
                "InvalidParameterException",
            ),
            (
                CreateUserPoolClientRequest {
                    allowed_o_auth_flows: Some(vec!["code".into()]),
                    allowed_o_auth_scopes: Some(vec!["openid".into()]),
                    callback_ur_ls: Some(vec!["https://a.example/cb".into()]),
                    ..req(&p)
                },
                "InvalidParameterException",
            ),
            (
                CreateUserPoolClientRequest {
                    allowed_o_auth_flows_user_pool_client: Some(true),
                    allowed_o_auth_flows: Some(vec!["code".into()]),
                    allowed_o_auth_scopes: Some(vec!["openid".into()]),
                    ..req(&p)
                },
                "InvalidOAuthFlowException",
            ),
            (
                CreateUserPoolClientRequest {
                    allowed_o_auth_flows_user_pool_client: Some(true),
                    allowed_o_auth_flows: Some(vec!["client_credentials".into()]),
                    allowed_o_auth_scopes: Some(vec!["api/read".into()]),
                    ..req(&p)
                },
                "InvalidOAuthFlowException",
            ),
            (
                CreateUserPoolClientRequest {
                    generate_secret: Some(true),
                    allowed_o_auth_flows_user_pool_client: Some(true),
                    allowed_o_auth_flows: Some(vec!["client_credentials".into(), "code".into()]),
                    allowed_o_auth_scopes: Some(vec!["api/read".into()]),
                    callback_ur_ls: Some(vec!["https://a.example/cb".into()]),
                    ..req(&p)
                },
                "InvalidOAuthFlowException",
            ),
            (
                CreateUserPoolClientRequest {
                    allowed_o_auth_flows_user_pool_client: Some(true),
                    allowed_o_auth_flows: Some(vec!["code".into()]),
                    allowed_o_auth_scopes: Some(vec!["nonsense".into()]),
                    callback_ur_ls: Some(vec!["https://a.example/cb".into()]),
                    ..req(&p)
                },
                "ScopeDoesNotExistException",
            ),
            (
                CreateUserPoolClientRequest {
                    callback_ur_ls: Some(vec!["https://a.example/cb".into()]),
                    default_redirect_uri: Some("https://b.example/cb".into()),
                    ..req(&p)
                },
                "InvalidParameterException",
            ),
            (
                CreateUserPoolClientRequest {
                    read_attributes: Some(vec!["custom:nope".into()]),
                    ..req(&p)
                },
                "InvalidParameterException",
            ),
        ];
        for (i, (r, expected)) in cases.into_iter().enumerate() {
            assert_eq!(kind(create(&ctx, r).await), expected, "case {i}");
        }
        // The edges of the ranges are accepted.
        for r in [
            CreateUserPoolClientRequest {
                access_token_validity: Some(24),
                id_token_validity: Some(1),
                refresh_token_validity: Some(3650),
                ..req(&p)
            },
            CreateUserPoolClientRequest {
                access_token_validity: Some(300),
                refresh_token_validity: Some(60),
                token_validity_units: Some(TokenValidityUnitsType {
                    access_token: Some("seconds".into()),
                    id_token: None,
                    refresh_token: Some("minutes".into()),
                }),
                ..req(&p)
            },
        ] {
            create(&ctx, r).await.unwrap();
        }
    }
}
