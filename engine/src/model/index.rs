use serde::{Deserialize, Serialize};

use super::{Annotations, Descriptor, Extra};
use crate::media_type;

/// An OCI image index or a Docker manifest list; `media_type` says which.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageIndex {
    pub schema_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    #[serde(default)]
    pub manifests: Vec<Descriptor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Annotations>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl ImageIndex {
    /// An empty index of the given media type (OCI index or Docker list).
    pub fn new(media_type: &str) -> ImageIndex {
        ImageIndex {
            schema_version: 2,
            media_type: Some(media_type.to_string()),
            artifact_type: None,
            manifests: Vec::new(),
            subject: None,
            annotations: None,
            extra: Extra::new(),
        }
    }

    /// True when this is a Docker manifest list rather than an OCI index.
    pub fn is_docker(&self) -> bool {
        self.media_type.as_deref() == Some(media_type::DOCKER_LIST)
    }

    /// The media type to send as Content-Type: the declared one, or OCI's when absent.
    pub fn effective_media_type(&self) -> &str {
        self.media_type.as_deref().unwrap_or(media_type::OCI_INDEX)
    }
}
