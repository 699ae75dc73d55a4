//! Passkey sign-in on the hosted login, as the managed login offers it when the pool's sign-in
//! policy allows WEB_AUTHN and the client allows USER_AUTH: "Sign in with passkey" on /login
//! starts USER_AUTH with PREFERRED_CHALLENGE=WEB_AUTHN through the API's own code; this page
//! hands the challenge's CREDENTIAL_REQUEST_OPTIONS to the browser's WebAuthn API and posts the
//! assertion (AuthenticationResponseJSON) to /passkey, answered by the API's
//! RespondToAuthChallenge. The relying party is the pool's (`localhost` for pages opened on
//! `http://localhost:<port>`), so the browser only offers passkeys made for it.

use super::html::{alert, hidden, internal};
use super::pages::{
    PageQuery, call_for, continue_sign_in, hash_for, login_page, open, page, page_url,
};
use super::params::Checked;
use super::site::Site;
use crate::protocol::ErrorKind;
use crate::state::AppState;
use axum::Form;
use axum::extract::{OriginalUri, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use maud::{PreEscaped, html};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Decodes the options' base64url members for `navigator.credentials.get`, and encodes the
/// assertion back as AuthenticationResponseJSON into the form's `credential` field. Constant
/// text: the options reach it through an escaped `data-` attribute, never through the script.
const SCRIPT: &str = r#"(function () {
  var form = document.getElementById("passkey-form");
  var status = document.getElementById("passkey-status");
  function buf(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    return Uint8Array.from(atob(s), function (c) { return c.charCodeAt(0); }).buffer;
  }
  function b64(b) {
    var s = "", bytes = new Uint8Array(b);
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  form.addEventListener("submit", function (event) {
    if (form.elements.credential.value) return;
    event.preventDefault();
    if (!window.PublicKeyCredential) {
      status.textContent = "This browser does not support passkeys.";
      return;
    }
    var o = JSON.parse(form.getAttribute("data-options"));
    var publicKey = {
      challenge: buf(o.challenge),
      timeout: o.timeout,
      rpId: o.rpId,
      userVerification: o.userVerification,
      allowCredentials: (o.allowCredentials || []).map(function (c) {
        return { type: c.type, id: buf(c.id), transports: c.transports };
      })
    };
    status.textContent = "Waiting for your passkey...";
    navigator.credentials.get({ publicKey: publicKey }).then(function (cred) {
      var r = cred.response;
      form.elements.credential.value = JSON.stringify({
        id: cred.id,
        rawId: b64(cred.rawId),
        type: cred.type,
        authenticatorAttachment: cred.authenticatorAttachment || undefined,
        response: {
          clientDataJSON: b64(r.clientDataJSON),
          authenticatorData: b64(r.authenticatorData),
          signature: b64(r.signature),
          userHandle: r.userHandle ? b64(r.userHandle) : undefined
        },
        clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {}
      });
      form.submit();
    }).catch(function (e) {
      status.textContent = "The passkey was not used (" + e.name + "). Try again, or go back and sign in another way.";
    });
  });
})();"#;

/// A WEB_AUTHN challenge waiting for the browser's assertion.
pub(super) struct PasskeyPending<'a> {
    pub(super) session: &'a str,
    pub(super) username: &'a str,
    /// CREDENTIAL_REQUEST_OPTIONS as the challenge gave them (JSON).
    pub(super) options: &'a str,
}

pub(super) fn passkey_page(
    site: &Site,
    c: &Checked,
    p: &PasskeyPending,
    error: Option<&str>,
) -> Response {
    let body = html! {
        h1 { "Sign in with passkey" }
        p.sub.textDescription-customizable { "Use the passkey you saved for " (p.username) "." }
        (alert(error))
        form #passkey-form method="post" action=(page_url(site, c, "/passkey"))
            data-options=(p.options) {
            (hidden("session", p.session))
            (hidden("username", p.username))
            (hidden("options", p.options))
            input type="hidden" name="credential" value="";
            button.submitButton-customizable #passkey-button type="submit" { "Use passkey" }
        }
        p #passkey-status role="status" {}
        noscript { p { "Passkeys need JavaScript turned on in this browser." } }
        div class="links" {
            a href=(page_url(site, c, "/login")) { "Sign in another way" }
        }
        script { (PreEscaped(SCRIPT)) }
    };
    page(c, "Sign in with passkey", body)
}

#[derive(Debug, Default, Deserialize)]
pub struct PasskeyForm {
    #[serde(default)]
    pub session: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub options: String,
    #[serde(default)]
    pub credential: String,
}

pub async fn passkey_post(
    State(app): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
    Form(form): Form<PasskeyForm>,
) -> Response {
    let (site, c) = match open(app, &headers, &uri, &q.params).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let pending = PasskeyPending {
        session: &form.session,
        username: &form.username,
        options: &form.options,
    };
    if form.credential.trim().is_empty() {
        return passkey_page(&site, &c, &pending, Some("Use your passkey to sign in."));
    }
    let call = match call_for(&site, &c).await {
        Ok(call) => call,
        Err(r) => return r,
    };
    let mut responses = BTreeMap::from([
        ("USERNAME".to_string(), form.username.clone()),
        ("CREDENTIAL".to_string(), form.credential.clone()),
    ]);
    if let Some(h) = hash_for(&c, &form.username) {
        responses.insert("SECRET_HASH".into(), h);
    }
    let answered = crate::idp::auth::respond_step(
        &site.ctx,
        &call,
        crate::idp::user_auth::WEB_AUTHN,
        &responses,
        Some(&form.session),
    )
    .await;
    match answered {
        Ok(step) => continue_sign_in(&site, &c, step, &form.username).await,
        Err(e) if e.kind == ErrorKind::InternalErrorException => internal(e.message),
        // A refused assertion spends the challenge (as the API's does): back to the login page.
        Err(e) => login_page(&site, &c, &form.username, Some(&e.message), None),
    }
}
