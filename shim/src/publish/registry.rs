//! A registry repository as a publishing [`Target`]: blobs asked about with HEAD, mounted
//! within the registry, uploaded or streamed from other registries; manifests and the list
//! PUT by digest and by tag, with the wording docker and the tests expect.

use manifold_engine::reference::Reference;
use manifold_engine::Digest;

use super::target::Target;
use crate::error::{CliError, CliResult};
use crate::source::{Content, Remote};

pub struct RegistryTarget<'a> {
    pub remote: &'a dyn Remote,
    /// The destination reference (its repository is where everything goes).
    pub to: Reference,
}

impl Target for RegistryTarget<'_> {
    fn has_blob(&self, digest: &Digest) -> CliResult<bool> {
        self.remote.has_blob(&self.to, digest)
    }

    fn mount_blob(
        &self,
        digest: &Digest,
        size: u64,
        from_repo: &str,
        from: &dyn Content,
    ) -> CliResult {
        match self.remote.mount_blob(&self.to, digest, from_repo)? {
            None => Ok(()),
            // The registry would not mount (202) but opened an upload: copy into that session,
            // rather than leave it open and start another.
            Some(session) => {
                from.upload_blob_to(self.remote, &self.to, digest, size, Some(session))
            }
        }
    }

    fn copy_blob(&self, digest: &Digest, size: u64, from: &dyn Content) -> CliResult {
        from.upload_blob_to(self.remote, &self.to, digest, size, None)
    }

    fn put_manifest(
        &self,
        digest: &Digest,
        media_type: &str,
        bytes: &[u8],
    ) -> CliResult<Option<String>> {
        let name = self.to.name();
        let pushed = self
            .remote
            .put_manifest(&self.to, digest.as_str(), bytes, media_type)
            .map_err(|e| {
                CliError::failed(format!(
                    "failed to put manifest {name}@{digest}: {}",
                    e.message
                ))
            })?;
        Ok(Some(format!(
            "Pushed ref {name}@{digest} with digest: {pushed}"
        )))
    }

    fn put_list(
        &self,
        bytes: &[u8],
        media_type: &str,
        reference: Option<&str>,
        tags: &[String],
    ) -> CliResult<Digest> {
        let r = &self.to;
        let mut digest = Digest::sha256(bytes);
        if let Some(at) = reference {
            digest = self
                .remote
                .put_manifest(r, at, bytes, media_type)
                .map_err(|e| {
                    CliError::failed(format!("failed to put manifest {r}: {}", e.message))
                })?;
        }
        for t in tags {
            self.remote
                .put_manifest(r, t, bytes, media_type)
                .map_err(|e| {
                    CliError::failed(format!(
                        "failed to put manifest {}: {}",
                        r.with_tag(t).map(|x| x.to_string()).unwrap_or_default(),
                        e.message
                    ))
                })?;
        }
        Ok(digest)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::source::RegistryContent;

    /// A registry that refuses mounts (202 with a session) and records what it is asked.
    #[derive(Default)]
    struct Refusing {
        calls: Mutex<Vec<String>>,
    }

    impl Refusing {
        fn log(&self, s: String) {
            self.calls.lock().unwrap().push(s);
        }
    }

    impl Remote for Refusing {
        fn get_manifest(&self, _: &Reference) -> CliResult<(Vec<u8>, Option<String>)> {
            unreachable!()
        }
        fn get_blob(&self, _: &Reference, _: &Digest) -> CliResult<Vec<u8>> {
            unreachable!()
        }
        fn has_blob(&self, _: &Reference, _: &Digest) -> CliResult<bool> {
            Ok(false)
        }
        fn mount_blob(&self, to: &Reference, _: &Digest, from: &str) -> CliResult<Option<String>> {
            self.log(format!("mount {} from {from}", to.path()));
            Ok(Some("http://r/upload/1".into()))
        }
        fn upload_blob(
            &self,
            _: &Reference,
            _: &Digest,
            _: u64,
            _: &mut dyn crate::registry::BlobSource,
            session: Option<String>,
        ) -> CliResult<()> {
            self.log(format!("upload {session:?}"));
            Ok(())
        }
        fn copy_blob(
            &self,
            from: &Reference,
            to: &Reference,
            _: &Digest,
            _: u64,
            session: Option<String>,
        ) -> CliResult<()> {
            self.log(format!("copy {} -> {} {session:?}", from.path(), to.path()));
            Ok(())
        }
        fn stream_blob(
            &self,
            _: &Reference,
            _: &Digest,
            _: &mut dyn std::io::Write,
        ) -> CliResult<u64> {
            unreachable!()
        }
        fn put_manifest(&self, _: &Reference, _: &str, bytes: &[u8], _: &str) -> CliResult<Digest> {
            Ok(Digest::sha256(bytes))
        }
    }

    #[test]
    fn a_refused_mount_continues_in_the_session_it_opened() {
        let remote = Refusing::default();
        let to = Reference::parse_docker("r.example/dst/app:v1").unwrap();
        let target = RegistryTarget {
            remote: &remote,
            to,
        };
        let from = RegistryContent {
            remote: &remote,
            reference: Reference::parse_docker("r.example/src/a:v1").unwrap(),
        };
        let d = Digest::sha256(b"blob");
        target.mount_blob(&d, 4, "src/a", &from).unwrap();
        assert_eq!(
            *remote.calls.lock().unwrap(),
            vec![
                "mount dst/app from src/a".to_string(),
                "copy src/a -> dst/app Some(\"http://r/upload/1\")".to_string(),
            ]
        );
        let line = target.put_manifest(&d, "x", b"m").unwrap().unwrap();
        assert_eq!(
            line,
            format!(
                "Pushed ref r.example/dst/app@{d} with digest: {}",
                Digest::sha256(b"m")
            )
        );
    }
}
