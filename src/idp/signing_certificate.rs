//! GetSigningCertificate: an X.509 certificate over the pool's ID-token signing key, as base64
//! DER without PEM header lines (the form SAML metadata's `X509Certificate` takes).

use super::shapes::*;
use super::user_pools::load_pool;
use crate::crypto::certificate::self_signed;
use crate::protocol::ctx::Ctx;
use crate::protocol::{ApiError, ApiResult};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

pub async fn get_signing_certificate(
    ctx: Ctx,
    input: GetSigningCertificateRequest,
) -> ApiResult<GetSigningCertificateResponse> {
    let pool = load_pool(&ctx, &input.user_pool_id).await?;
    let keys = ctx
        .store
        .pool_keys(&input.user_pool_id)
        .await?
        .ok_or_else(|| ApiError::internal("pool keys missing"))?;
    // Valid from the pool's creation: the same certificate on every call.
    let not_before = pool.creation_date.unwrap_or_default().max(0.0) as u64;
    let der = self_signed(&keys.id, &input.user_pool_id, not_before).map_err(ApiError::internal)?;
    Ok(GetSigningCertificateResponse {
        certificate: Some(B64.encode(der)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{ctx, kind, pool};
    use x509_cert::der::Decode;

    #[tokio::test]
    async fn a_stable_certificate_over_the_pool_key() {
        let ctx = ctx().await;
        let p = pool(&ctx, |_| {}).await;
        let pool_id = p.id.clone().unwrap();
        let get = || {
            get_signing_certificate(
                ctx.clone(),
                GetSigningCertificateRequest {
                    user_pool_id: pool_id.clone(),
                },
            )
        };
        let first = get().await.unwrap().certificate.unwrap();
        assert!(!first.contains("BEGIN"));
        assert_eq!(first, get().await.unwrap().certificate.unwrap());
        let cert = x509_cert::Certificate::from_der(&B64.decode(&first).unwrap()).unwrap();
        let keys = ctx.store.pool_keys(&pool_id).await.unwrap().unwrap();
        assert_eq!(
            cert.tbs_certificate
                .subject_public_key_info
                .subject_public_key
                .raw_bytes(),
            keys.id.public_pkcs1_der()
        );
        let missing = get_signing_certificate(
            ctx.clone(),
            GetSigningCertificateRequest {
                user_pool_id: "us-east-1_Missing00".into(),
            },
        )
        .await;
        assert_eq!(kind(missing), "ResourceNotFoundException");
    }
}
