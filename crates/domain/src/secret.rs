//! Secret values — passwords, passphrases, API keys, tokens — in settings and in memory: kept
//! in a `secrecy::SecretString` (zeroed when dropped), never shown by `Debug`, written as
//! `"<set>"` when a configuration is printed, read from a plain string.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(SecretString::from(value.into()))
    }

    /// The value, for the one place that needs it (a key derivation, a header, a login).
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

/// An empty secret (a form field left blank).
impl Default for Secret {
    fn default() -> Secret {
        Secret::new(String::new())
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("<set>")
    }
}

impl<'de> Deserialize<'de> for Secret {
    /// A string, or digits that a configuration source read as a number (a token's PIN in an
    /// environment variable).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Secret;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Secret, E> {
                Ok(Secret::new(v))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Secret, E> {
                Ok(Secret::new(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Secret, E> {
                Ok(Secret::new(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Secret, E> {
                Ok(Secret::new(v.to_string()))
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Secret {
        Secret::new(s)
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Secret {
        Secret::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_never_shown() {
        #[derive(Debug, Serialize, Deserialize)]
        struct Settings {
            password: Secret,
        }
        let s: Settings = serde_json::from_str(r#"{"password": "hunter22"}"#).unwrap();
        assert_eq!(s.password.expose(), "hunter22");
        assert!(!format!("{s:?}").contains("hunter22"));
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"{"password":"<set>"}"#
        );
        // Digits a source read as a number are the secret still.
        let n: Settings = serde_json::from_str(r#"{"password": 11223344}"#).unwrap();
        assert_eq!(n.password.expose(), "11223344");
    }
}
