//! Tests of the store as a whole: saving, loading and removing lists, the shared pool and the
//! lock files, and the report of a damaged list. In one file, not beside each function, because
//! most go through several of `save`, `load`, `lock` and `remove` and all share `temp_store`.

use super::*;
use manifold_engine::model::Platform;

fn temp_store() -> (Store, PathBuf) {
    let root = std::env::temp_dir().join(format!("manifold-store-test-{}", unique()));
    (Store::at(&root), root)
}

#[test]
fn save_load_round_trip_and_remove() {
    let (store, root) = temp_store();
    let name = "docker.io/library/foo:latest";
    assert!(store.load(name).unwrap().is_none());
    let child = br#"{"schemaVersion":2}"#.to_vec();
    let mut d = Descriptor::of(media_type::DOCKER_MANIFEST, &child);
    d.platform = Some(Platform::new("linux", "amd64"));
    let mut list = LocalList::new(name, ImageIndex::new(media_type::OCI_INDEX));
    list.index.media_type = None;
    list.push_entry(d.clone(), Some("docker.io/library/foo:amd64".into()));
    {
        let lock = store.lock(name).unwrap();
        store
            .save(&lock, &list, &[(d.digest.clone(), child.clone())])
            .unwrap();
    }
    let back = store.load(name).unwrap().unwrap();
    assert_eq!(back, list);
    assert_eq!(store.read_blob(name, &d.digest).unwrap(), child);
    assert_eq!(store.names().unwrap(), vec![name.to_string()]);
    let lock = store.lock(name).unwrap();
    assert!(store.remove(&lock, name).unwrap());
    assert!(store.load(name).unwrap().is_none());
    let _ = fs::remove_dir_all(root);
}

#[test]
fn member_blobs_are_shared_through_the_pool_and_lock_files_go_at_release() {
    use std::os::unix::fs::MetadataExt;
    let (store, root) = temp_store();
    let child = br#"{"schemaVersion":2,"shared":true}"#.to_vec();
    let d = Descriptor::of(media_type::OCI_MANIFEST, &child);
    let names = ["docker.io/library/a:latest", "docker.io/library/b:latest"];
    for name in names {
        let mut list = LocalList::new(name, ImageIndex::new(media_type::OCI_INDEX));
        list.push_entry(d.clone(), None);
        let lock = store.lock(name).unwrap();
        store
            .save(&lock, &list, &[(d.digest.clone(), child.clone())])
            .unwrap();
        drop(lock);
        assert!(!root.join("locks").join(names::encode(name)).exists());
    }
    let pooled = Pool::new(&root).path(&d.digest);
    let links = || fs::metadata(&pooled).map(|m| m.nlink()).ok();
    assert_eq!(links(), Some(3), "one inode: the pool and both lists");
    for (i, name) in names.iter().enumerate() {
        let lock = store.lock(name).unwrap();
        store.remove(&lock, name).unwrap();
        assert_eq!(links(), [Some(2), None][i]);
    }
    let _ = fs::remove_dir_all(root);
}

#[test]
fn damaged_index_is_reported_with_the_way_out() {
    let (store, root) = temp_store();
    let name = "docker.io/library/bar:latest";
    fs::create_dir_all(store.dir(name)).unwrap();
    fs::write(store.dir(name).join("index.json"), b"{garbage").unwrap();
    let err = store.load(name).unwrap_err().0;
    assert!(
        err.contains("damaged") && err.contains("manifold rm"),
        "{err}"
    );
    let _ = fs::remove_dir_all(root);
}
