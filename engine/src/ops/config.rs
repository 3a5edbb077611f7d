//! The platform an image config declares, read the way Go's `encoding/json` reads it.
//!
//! Adding an image to a list and inspecting a remote image both need the config's platform, and
//! docker, podman and buildx all read it into `ocispec.Platform` with Go's case-insensitive,
//! last-key-wins rules; the Go-compatible tree in [`crate::json::tree`] lets the engine do the
//! same.

use super::OpsError;
use crate::json::tree;
use crate::model::Platform;

/// The platform an image config declares, read as Go's `json.Unmarshal` into `ocispec.Platform`
/// reads it (what docker, podman and buildx do): the top-level keys `architecture`, `os`,
/// `os.version`, `os.features` and `variant`, matched case-insensitively, the last one winning.
pub fn platform_from_config(config: &[u8]) -> Result<Platform, OpsError> {
    let node = tree::parse(config).map_err(|e| OpsError::BadConfig(e.to_string()))?;
    let members = node.members().ok_or_else(|| {
        OpsError::BadConfig(format!("the config is {}, not an object", node.type_name()))
    })?;
    let mut p = Platform::default();
    for m in members {
        let key = m.key.to_ascii_lowercase();
        match key.as_str() {
            "architecture" => p.architecture = string_of(&m.value, "architecture")?,
            "os" => p.os = string_of(&m.value, "os")?,
            "os.version" => {
                p.os_version = Some(string_of(&m.value, "os.version")?).filter(|s| !s.is_empty())
            }
            "variant" => {
                p.variant = Some(string_of(&m.value, "variant")?).filter(|s| !s.is_empty())
            }
            "os.features" => {
                p.os_features = match &m.value.value {
                    tree::Value::Null => None,
                    tree::Value::Array(items) => {
                        let v = items
                            .iter()
                            .map(|n| string_of(n, "os.features[]"))
                            .collect::<Result<Vec<_>, _>>()?;
                        Some(v).filter(|v| !v.is_empty())
                    }
                    _ => {
                        return Err(OpsError::BadConfig(
                            "os.features is not an array of strings".into(),
                        ))
                    }
                }
            }
            _ => {}
        }
    }
    Ok(p)
}

fn string_of(n: &tree::Node, what: &str) -> Result<String, OpsError> {
    match &n.value {
        tree::Value::String(s) => Ok(s.to_string()),
        tree::Value::Null => Ok(String::new()),
        _ => Err(OpsError::BadConfig(format!(
            "{what} is {}, expected a string",
            n.type_name()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_platform_reads_like_go() {
        let cfg = br#"{"Architecture":"amd64","os":"windows","os.version":"10.0.17763.1","os.features":["win32k"],"rootfs":{}}"#;
        let p = platform_from_config(cfg).unwrap();
        assert_eq!(p.architecture, "amd64");
        assert_eq!(p.os, "windows");
        assert_eq!(p.os_version.as_deref(), Some("10.0.17763.1"));
        assert_eq!(p.os_features, Some(vec!["win32k".to_string()]));
        assert!(platform_from_config(b"[]").is_err());
        assert_eq!(platform_from_config(b"{}").unwrap(), Platform::default());
    }
}
