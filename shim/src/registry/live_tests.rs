//! The push side of the client (HEAD, mount, upload, copy, manifest PUT) against real
//! registries started by the test harness. The commands are tested end to end in `tests/tests`
//! (`registry.rs` for inspect, `push.rs` for push); these tests pin down the client's own calls:
//! a 202 mount continuing in its session, chunking, token caching.

use manifold_engine::Digest;
use manifold_tests::seed::{sha256, Format};
use manifold_tests::{Auth, Registry, Seeder, PASSWORD, USER};

use super::creds::CredentialConfig;
use super::{Client, Mount, Options, RegistryError, Repo};

fn client(creds: bool, chunk: usize) -> Client {
    Client::new(Options {
        credentials: CredentialConfig {
            creds_flag: creds.then(|| format!("{USER}:{PASSWORD}")),
            ..Default::default()
        },
        chunk_size: chunk,
        ..Options::default()
    })
}

fn blobs_of(manifest: &[u8]) -> Vec<(Digest, u64)> {
    let v: serde_json::Value = serde_json::from_slice(manifest).unwrap();
    let mut out = vec![];
    for d in std::iter::once(&v["config"]).chain(v["layers"].as_array().unwrap()) {
        out.push((
            Digest::parse(d["digest"].as_str().unwrap()).unwrap(),
            d["size"].as_u64().unwrap(),
        ));
    }
    out
}

#[test]
fn mount_upload_copy_and_put_against_distribution() {
    let Some(reg) = Registry::start(Auth::None) else {
        return;
    };
    let img = Seeder::new(&reg).image("src/a", Some("v1"), "linux/amd64", Format::Docker, 3);
    let c = client(false, 64 * 1024);
    let src = Repo::new(&reg.host(), "src/a");
    let dst = Repo::new(&reg.host(), "dst/b");
    let blobs = blobs_of(&img.bytes);
    let (config, layer) = (&blobs[0], &blobs[1]);

    assert_eq!(c.head_blob(&src, &layer.0).unwrap(), Some(layer.1));
    assert_eq!(c.head_blob(&dst, &layer.0).unwrap(), None);
    // mount: 201
    assert_eq!(
        c.mount_blob(&dst, &layer.0, "src/a").unwrap(),
        Mount::Mounted
    );
    assert_eq!(c.head_blob(&dst, &layer.0).unwrap(), Some(layer.1));
    // mount from a repository without the blob: 202, then upload into that session
    let uploads = "/v2/dst/b/blobs/uploads/";
    let (posts, puts) = (reg.count("POST", uploads), reg.count("PUT", uploads));
    match c.mount_blob(&dst, &config.0, "nowhere/x").unwrap() {
        Mount::NotMounted { location } => {
            let bytes = c.get_blob_bytes(&src, &config.0, 1 << 20).unwrap();
            c.upload_blob(
                &dst,
                &config.0,
                config.1,
                &mut bytes.as_slice(),
                Some(location),
            )
            .unwrap();
        }
        Mount::Mounted => panic!("mounted from a repository that lacks the blob"),
    }
    // one POST (the mount's): the upload went on in the session the mount opened
    assert_eq!(
        reg.count("POST", uploads) - posts,
        1,
        "{:?}",
        reg.requests()
    );
    assert_eq!(reg.count("PUT", uploads) - puts, 1);
    assert_eq!(c.head_blob(&dst, &config.0).unwrap(), Some(config.1));
    // the same for a streamed copy into the session a 202 mount opened
    let dst_c = Repo::new(&reg.host(), "dst/c");
    let uploads_c = "/v2/dst/c/blobs/uploads/";
    let posts = reg.count("POST", uploads_c);
    match c.mount_blob(&dst_c, &layer.0, "nowhere/x").unwrap() {
        Mount::NotMounted { location } => c
            .copy_blob(&src, &dst_c, &layer.0, layer.1, Some(location))
            .unwrap(),
        Mount::Mounted => panic!("mounted from a repository that lacks the blob"),
    }
    assert_eq!(
        reg.count("POST", uploads_c) - posts,
        1,
        "{:?}",
        reg.requests()
    );
    assert_eq!(c.head_blob(&dst_c, &layer.0).unwrap(), Some(layer.1));
    // child by digest, then the same by tag; HEAD and GET agree
    let d = c
        .put_manifest(&dst, img.digest.as_str(), &img.bytes, &img.media_type)
        .unwrap();
    assert_eq!(d.as_str(), img.digest);
    c.put_manifest(&dst, "copied", &img.bytes, &img.media_type)
        .unwrap();
    let head = c.head_manifest(&dst, "copied").unwrap().unwrap();
    assert_eq!(
        (head.digest.as_str(), head.size),
        (img.digest.as_str(), img.size)
    );
    assert_eq!(c.get_manifest(&dst, "copied").unwrap().bytes, img.bytes);
    assert!(c.head_manifest(&dst, "absent").unwrap().is_none());

    // a chunked upload (300 KB in 64 KB PATCHes), streamed back and verified
    let big: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let big_d = Digest::parse(&sha256(&big)).unwrap();
    let patches = reg.count("PATCH", "/v2/dst/b/blobs/uploads/");
    c.upload_blob(&dst, &big_d, big.len() as u64, &mut big.as_slice(), None)
        .unwrap();
    assert_eq!(reg.count("PATCH", "/v2/dst/b/blobs/uploads/") - patches, 5);
    let mut back = Vec::new();
    assert_eq!(c.get_blob(&dst, &big_d, &mut back).unwrap(), 300_000);
    assert_eq!(back, big);

    // content that does not match its digest is refused before the closing PUT
    let wrong = Digest::parse(&sha256(b"something else")).unwrap();
    let e = c
        .upload_blob(&dst, &wrong, 3, &mut &b"abc"[..], None)
        .unwrap_err();
    assert!(matches!(e, RegistryError::DigestMismatch { .. }), "{e}");

    // a manifest whose blobs are missing: the registry's own words come through
    let orphan = br#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":3,"digest":"sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},"layers":[]}"#;
    let e = c
        .put_manifest(
            &dst,
            "orphan",
            orphan,
            "application/vnd.docker.distribution.manifest.v2+json",
        )
        .unwrap_err();
    assert!(e.to_string().contains("manifest blob unknown"), "{e}");
}

#[test]
fn copy_between_registries_with_token_auth_and_cached_tokens() {
    let Some(a) = Registry::start(Auth::None) else {
        return;
    };
    let Some(b) = Registry::start(Auth::Token) else {
        return;
    };
    let img = Seeder::new(&a).image("from/x", Some("v1"), "linux/arm64/v8", Format::Oci, 9);
    let c = client(true, 1 << 20);
    let from = Repo::new(&a.host(), "from/x");
    let to = Repo::new(&b.host(), "to/y");
    for (d, size) in blobs_of(&img.bytes) {
        c.copy_blob(&from, &to, &d, size, None).unwrap();
    }
    c.put_manifest(&to, "v1", &img.bytes, &img.media_type)
        .unwrap();
    assert_eq!(c.get_manifest(&to, "v1").unwrap().bytes, img.bytes);
    // one token for push on to/y, one for pull on to/y (the GET): cached across the blobs
    let t = b.token.as_ref().unwrap();
    assert!(t.requests() <= 2, "{:?}", t.log());
    // a cross-repository mount asks for push on the target and pull on the source
    let to2 = Repo::new(&b.host(), "to/z");
    let (layer, _) = blobs_of(&img.bytes)[1].clone();
    assert_eq!(c.mount_blob(&to2, &layer, "to/y").unwrap(), Mount::Mounted);
    let last = t.log().pop().unwrap();
    assert!(
        last.contains("scope=repository%3Ato%2Fz%3Apull%2Cpush&scope=repository%3Ato%2Fy%3Apull"),
        "{last}"
    );
    // anonymous: the push is refused with the sources tried
    let anon = client(false, 1 << 20);
    let e = anon
        .put_manifest(&to, "v2", &img.bytes, &img.media_type)
        .unwrap_err();
    assert!(matches!(e, RegistryError::Unauthorized { .. }), "{e}");
}
