//! The harness's `CodeSource` end to end: a code Cognito "sends" on SignUp is read from the
//! emulator's dev mailbox and confirms the user.

use conformance::idp::types::{AttributeType, VerifiedAttributeType};
use conformance::{Harness, unique_name};

#[tokio::test]
async fn a_sign_up_code_from_the_code_source_confirms_the_user() {
    let Some(h) = Harness::emulator_only("codes are read from the dev mailbox") else {
        return;
    };
    let pool_id = h
        .idp
        .create_user_pool()
        .pool_name(unique_name("codes"))
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .send()
        .await
        .expect("CreateUserPool")
        .user_pool
        .and_then(|p| p.id)
        .expect("Id");
    h.track_user_pool(&pool_id);
    let client_id = h
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("app")
        .send()
        .await
        .expect("CreateUserPoolClient")
        .user_pool_client
        .and_then(|c| c.client_id)
        .expect("ClientId");

    let username = unique_name("user");
    let signed_up = h
        .idp
        .sign_up()
        .client_id(&client_id)
        .username(&username)
        .password("Correct-Horse-9")
        .user_attributes(
            AttributeType::builder()
                .name("email")
                .value("someone@example.com")
                .build()
                .expect("attribute"),
        )
        .send()
        .await
        .expect("SignUp");
    assert!(!signed_up.user_confirmed);

    let code = h
        .codes()
        .latest(&pool_id, &username, "sign_up")
        .await
        .expect("the emulator has a code source");
    assert_eq!(code.len(), 6, "{code}");
    h.idp
        .confirm_sign_up()
        .client_id(&client_id)
        .username(&username)
        .confirmation_code(code)
        .send()
        .await
        .expect("ConfirmSignUp with the mailbox's code");
}
