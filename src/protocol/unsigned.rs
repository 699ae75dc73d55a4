//! The operations AWS serves without a SigV4 signature (`"authtype": "none"` in the service
//! models): what a browser app calls with only a client id or a user's token. Every other
//! operation needs AWS credentials on AWS. The emulator checks no signature, so it refuses
//! those from web pages on origins outside the Host allow-list instead (see
//! `exposure.rs`): a page on another site cannot create users or read pools through the
//! developer's browser.

pub const IDP: &[&str] = &[
    "AssociateSoftwareToken",
    "ChangePassword",
    "CompleteWebAuthnRegistration",
    "ConfirmDevice",
    "ConfirmForgotPassword",
    "ConfirmSignUp",
    "DeleteUser",
    "DeleteUserAttributes",
    "DeleteWebAuthnCredential",
    "ForgetDevice",
    "ForgotPassword",
    "GetDevice",
    "GetTokensFromRefreshToken",
    "GetUser",
    "GetUserAttributeVerificationCode",
    "GetUserAuthFactors",
    "GlobalSignOut",
    "InitiateAuth",
    "ListDevices",
    "ListUserSessions",
    "ListWebAuthnCredentials",
    "ResendConfirmationCode",
    "RespondToAuthChallenge",
    "RevokeToken",
    "RevokeUserSession",
    "SetUserMFAPreference",
    "SetUserSettings",
    "SignUp",
    "StartWebAuthnRegistration",
    "UpdateAuthEventFeedback",
    "UpdateDeviceStatus",
    "UpdateUserAttributes",
    "VerifySoftwareToken",
    "VerifyUserAttribute",
];

pub const IDENTITY: &[&str] = &[
    "GetCredentialsForIdentity",
    "GetId",
    "GetOpenIdToken",
    "UnlinkIdentity",
];

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// The lists above are the models' `authtype: none` operations, no more, no less.
    #[test]
    fn lists_match_the_service_models() {
        for (file, list) in [
            ("models/cognito-idp.json", super::IDP),
            ("models/cognito-identity.json", super::IDENTITY),
        ] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
            let text = std::fs::read_to_string(path).unwrap();
            let model: serde_json::Value = serde_json::from_str(&text).unwrap();
            let modelled: BTreeSet<&str> = model["operations"]
                .as_object()
                .unwrap()
                .iter()
                .filter(|(_, op)| op["authtype"] == "none")
                .map(|(name, _)| name.as_str())
                .collect();
            assert_eq!(modelled, list.iter().copied().collect(), "{file}");
        }
    }
}
