//! Pure cryptographic helpers: no I/O; randomness and time come in as arguments or from
//! the caller.

pub mod c14n;
pub mod certificate;
pub mod hex;
pub mod jwk;
pub mod keys;
pub mod montgomery;
pub mod password;
pub mod secret_hash;
pub mod srp;
pub mod sts;
pub mod totp;
pub mod xmldsig;
