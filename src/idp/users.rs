//! What every user action shares, one module per concern: finding a user by the names
//! sign-in accepts ([`lookup`]), the client of a public call and its SECRET_HASH
//! ([`public_call`]), the password policy ([`password_policy`]), where codes go
//! ([`destinations`]) and the codes themselves ([`codes`]), attribute writes
//! ([`attribute_writes`]), and the user on the wire ([`wire`]).
//!
//! Everything is re-exported here: about 130 call sites across idp/, oauth/ and seed.rs name
//! these as `users::...`, and that path still says what they are about. New code may import
//! from the submodules.

pub mod attribute_writes;
pub mod codes;
pub mod destinations;
pub mod lookup;
pub mod password_policy;
pub mod public_call;
pub mod wire;

pub use attribute_writes::*;
pub use codes::*;
pub use destinations::*;
pub use lookup::*;
pub use password_policy::*;
pub use public_call::*;
pub use wire::*;
