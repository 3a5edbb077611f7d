use serde::{Deserialize, Serialize};

use super::{Annotations, Descriptor, Extra};
use crate::media_type;

/// An OCI image manifest or a Docker v2 schema 2 manifest; `media_type` says which.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageManifest {
    pub schema_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    pub config: Descriptor,
    #[serde(default)]
    pub layers: Vec<Descriptor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Annotations>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl ImageManifest {
    /// The media type a descriptor of this manifest carries: docker keeps the body's
    /// `mediaType`; an OCI manifest is always the OCI type, declared or not.
    pub fn effective_media_type(&self) -> &str {
        match self.media_type.as_deref() {
            Some(media_type::DOCKER_MANIFEST) => media_type::DOCKER_MANIFEST,
            _ => media_type::OCI_MANIFEST,
        }
    }

    /// Every blob the manifest references: the config first, then the layers, as docker mounts them.
    pub fn blobs(&self) -> impl Iterator<Item = &Descriptor> {
        std::iter::once(&self.config).chain(self.layers.iter())
    }

    /// True for an artifact or attestation rather than a runnable image: buildx marks
    /// attestation manifests with `vnd.docker.reference.type`, and artifacts declare a type.
    pub fn is_artifact(&self) -> bool {
        self.artifact_type.is_some() || !crate::media_type::is_config(&self.config.media_type)
    }
}
