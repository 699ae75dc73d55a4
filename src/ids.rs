//! Identifiers in the formats Cognito uses (clients check some of them, e.g. aws-jwt-verify
//! checks the pool id).

use rand::Rng;
use rand::distr::Alphanumeric;

const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

fn pick(alphabet: &[u8], n: usize) -> String {
    let mut rng = rand::rng();
    (0..n)
        .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
        .collect()
}

/// `<region>_<9 alphanumerics>`, e.g. `us-east-1_AbCdEf123`.
pub fn user_pool_id(region: &str) -> String {
    let suffix: String = rand::rng()
        .sample_iter(&Alphanumeric)
        .take(9)
        .map(char::from)
        .collect();
    format!("{region}_{suffix}")
}

/// 26 lowercase alphanumerics.
pub fn client_id() -> String {
    pick(LOWER_ALNUM, 26)
}

/// 51 lowercase alphanumerics, like Cognito's generated client secrets.
pub fn client_secret() -> String {
    pick(LOWER_ALNUM, 51)
}

/// A random UUID (user `sub`, token `jti`, event ids).
pub fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// `<region>:<uuid>`, identity ids and identity pool ids.
pub fn regional_uuid(region: &str) -> String {
    format!("{region}:{}", uuid::Uuid::new_v4())
}

/// Whether `region` has the shape of an AWS region name (`us-east-1`, `us-gov-west-1`,
/// `eu-isoe-west-1`): two letters, one or two lowercase words, a number. Regions end up in
/// pool and identity IDs, so anything else is refused before it can make an ID that the
/// ID patterns of the API would then reject.
pub fn is_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    region.len() <= 25
        && (3..=4).contains(&parts.len())
        && parts[0].len() == 2
        && parts[0].bytes().all(|b| b.is_ascii_lowercase())
        && parts[1..parts.len() - 1]
            .iter()
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|n| (1..=2).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The account id in ARNs the emulator makes up.
pub const ACCOUNT_ID: &str = "000000000000";

#[cfg(test)]
mod tests {
    #[test]
    fn region_names_have_aws_shape() {
        for ok in [
            "us-east-1",
            "eu-north-1",
            "us-gov-west-1",
            "eu-isoe-west-1",
            "ap-southeast-4",
        ] {
            assert!(super::is_region(ok), "{ok}");
        }
        let long = "a".repeat(300);
        for bad in [
            "",
            "local",
            "us-east",
            "US-EAST-1",
            "us-east-123",
            "..\\x\"<",
            "us_east_1",
            &long,
        ] {
            assert!(!super::is_region(bad), "{bad}");
        }
    }

    use super::*;

    #[test]
    fn formats() {
        let id = user_pool_id("eu-west-1");
        let (region, rest) = id.split_once('_').unwrap_or_default();
        assert_eq!(region, "eu-west-1");
        assert_eq!(rest.len(), 9);
        assert!(rest.chars().all(|c| c.is_ascii_alphanumeric()));
        let c = client_id();
        assert_eq!(c.len(), 26);
        assert!(
            c.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        );
    }
}
