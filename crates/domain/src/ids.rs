//! Identifiers as types (issue 19, item 6): a holder's id, a renewal's, a certificate's, a
//! credential's. Each wraps the stored text, so two of them cannot be passed in each other's
//! place — `load(holder, renewal)` cannot be called as `load(renewal, holder)`.
//!
//! They are opaque: the application makes them (UUIDs), the store keeps them as text (with the
//! `sqlx` feature, which only the store turns on, they are a text column's type), the web reads
//! them from paths. Serialised as the bare string.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "sqlx", derive(sqlx::Type), sqlx(transparent))]
        pub struct $name(String);

        impl $name {
            pub fn new(id: impl Into<String>) -> $name {
                $name(id.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        /// Read from a stored row (`#[sqlx(try_from = "String")]`) or a parsed path.
        impl From<String> for $name {
            fn from(id: String) -> $name {
                $name(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> $name {
                $name(id.to_owned())
            }
        }

        impl From<&$name> for $name {
            fn from(id: &$name) -> $name {
                id.clone()
            }
        }

        impl PartialEq<&$name> for $name {
            fn eq(&self, other: &&$name) -> bool {
                self == *other
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

id_type!(
    /// A holder (titolare): the row behind a login.
    HolderId
);
id_type!(
    /// A renewal request, from "Rinnova" to activation or its ending.
    RenewalId
);
id_type!(
    /// A certificate the CA issued (the row, not the X.509 serial).
    CertificateId
);
id_type!(
    /// A remote-signature key in the CA's key store.
    CredentialId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_serialise_as_the_bare_string() {
        let id = RenewalId::new("r-1");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"r-1\"");
        let back: RenewalId = serde_json::from_str("\"r-1\"").unwrap();
        assert_eq!(back, id);
        assert_eq!(id.to_string(), "r-1");
        assert_eq!(format!("{id:?}"), "RenewalId(\"r-1\")");
    }

    #[test]
    fn an_id_compares_with_its_text() {
        let h = HolderId::from("h-1");
        assert!(h == "h-1");
        assert_eq!(h.as_str(), "h-1");
    }
}
