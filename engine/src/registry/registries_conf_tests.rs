//! registries.conf: parsing, the longest-prefix rule, insecure/blocked/mirrors.

use super::*;

const CONF: &str = r#"
unqualified-search-registries = ["registry.fedoraproject.org", "docker.io"]

[[registry]]
location = "127.0.0.1:5000"
insecure = true

[[registry]]
prefix = "example.com/team"
location = "internal.example:5000/team-mirror"

[[registry]]
prefix = "example.com"
location = "example.com"
blocked = true

[[registry]]
location = "docker.io"
[[registry.mirror]]
location = "127.0.0.1:6000/hub"
insecure = true
[[registry.mirror]]
location = "mirror.example"

[[registry]]
prefix = "*.corp.example"
insecure = true
mirror-by-digest-only = true
[[registry.mirror]]
location = "cache.corp"
"#;

fn conf() -> RegistriesConf {
    parse(CONF).unwrap()
}

#[test]
fn parses_the_v2_keys() {
    let c = conf();
    assert_eq!(
        c.unqualified_search_registries,
        vec!["registry.fedoraproject.org", "docker.io"]
    );
    assert_eq!(c.registries.len(), 5);
    assert_eq!(c.registries[0].prefix, "127.0.0.1:5000");
    assert!(c.registries[0].insecure && !c.registries[0].blocked);
    assert_eq!(c.registries[3].mirrors.len(), 2);
    assert!(c.registries[3].mirrors[0].insecure);
    assert!(c.registries[4].mirror_by_digest_only);
    assert_eq!(parse("").unwrap(), RegistriesConf::default());
}

#[test]
fn bad_files_say_what_is_wrong() {
    assert!(parse("[[registry]]\nlocation = 5")
        .unwrap_err()
        .contains("location must be a string"));
    assert!(parse("[[registry]]\ninsecure = \"yes\"\nlocation=\"a\"")
        .unwrap_err()
        .contains("insecure must be true or false"));
    assert!(parse("[[registry]]\ninsecure = true")
        .unwrap_err()
        .contains("needs a location or a prefix"));
    assert!(parse("[registries.search]\nregistries = [\"a\"]")
        .unwrap_err()
        .contains("version 1"));
    assert!(parse("[[registry]\n")
        .unwrap_err()
        .starts_with("not valid TOML"));
}

#[test]
fn the_longest_matching_prefix_wins() {
    let c = conf();
    assert_eq!(
        c.entry("example.com/team/app").unwrap().prefix,
        "example.com/team"
    );
    assert_eq!(c.entry("example.com/other").unwrap().prefix, "example.com");
    assert_eq!(c.entry("example.com").unwrap().prefix, "example.com");
    // a prefix matches only up to /, : or @
    assert!(c.entry("example.community/app").is_none());
    assert_eq!(
        c.entry("example.com/teamx/app").unwrap().prefix,
        "example.com"
    );
    assert_eq!(
        c.entry("127.0.0.1:5000/a:v1").unwrap().prefix,
        "127.0.0.1:5000"
    );
    assert!(c.entry("127.0.0.1:50001/a").is_none());
    // wildcards match host names below the domain, not the domain itself
    assert_eq!(
        c.entry("a.corp.example/x").unwrap().prefix,
        "*.corp.example"
    );
    assert_eq!(
        c.entry("b.a.corp.example:5000/x").unwrap().prefix,
        "*.corp.example"
    );
    assert!(c.entry("corp.example/x").is_none());
    assert!(c.entry("xcorp.example/x").is_none());
}

#[test]
fn insecure_and_blocked() {
    let c = conf();
    assert!(c.insecure("127.0.0.1:5000"));
    assert!(!c.insecure("127.0.0.1:5001"));
    assert!(c.insecure("a.corp.example"));
    // a mirror marked insecure
    assert!(c.insecure("127.0.0.1:6000"));
    assert!(!c.insecure("mirror.example"));
    assert!(c.blocked("example.com/other/app"));
    assert!(!c.blocked("example.com/team/app"));
    assert!(!c.blocked("quay.io/a"));
}

#[test]
fn mirrors_first_then_the_registry_at_its_location() {
    let c = conf();
    let s = c.pull_sources("docker.io/library/alpine", false);
    let names: Vec<_> = s
        .iter()
        .map(|p| (p.name.as_str(), p.insecure, p.mirror))
        .collect();
    assert_eq!(
        names,
        vec![
            ("127.0.0.1:6000/hub/library/alpine", true, true),
            ("mirror.example/library/alpine", false, true),
            ("docker.io/library/alpine", false, false),
        ]
    );
    // a rewritten location
    let s = c.pull_sources("example.com/team/app", false);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].name, "internal.example:5000/team-mirror/app");
    // mirror-by-digest-only: a tag goes to the registry only
    assert_eq!(c.pull_sources("a.corp.example/x", false).len(), 1);
    let d = c.pull_sources("a.corp.example/x", true);
    assert_eq!(d[0].name, "cache.corp/x");
    assert_eq!(d[1].name, "a.corp.example/x");
    // no entry: the name itself
    assert_eq!(
        c.pull_sources("quay.io/a/b", false),
        vec![PullSource {
            name: "quay.io/a/b".into(),
            insecure: false,
            mirror: false
        }]
    );
}

#[test]
fn short_name_settings_and_drop_ins_merge_as_containers_image_does() {
    use crate::registry::shortnames::ShortNameMode;
    let mut c = parse(
        "unqualified-search-registries = [\"a.example\"]\nshort-name-mode = \"enforcing\"\n\
         [aliases]\n\"app\" = \"a.example/team/app\"\n\
         [[registry]]\nlocation = \"a.example\"\ninsecure = true\n",
    )
    .unwrap();
    assert!(c.sets_search_registries);
    assert_eq!(c.short_name_mode, Some(ShortNameMode::Enforcing));
    assert_eq!(c.aliases["app"], "a.example/team/app");
    // A drop-in with aliases only keeps the search list and the mode.
    c.merge(
        parse("[aliases]\n\"app\" = \"b.example/app\"\n\"tool\" = \"c.example/tool\"\n").unwrap(),
    );
    assert_eq!(c.unqualified_search_registries, vec!["a.example"]);
    assert_eq!(c.short_name_mode, Some(ShortNameMode::Enforcing));
    assert_eq!(c.aliases["app"], "b.example/app");
    assert_eq!(c.aliases.len(), 2);
    // One that sets them replaces them; a registry table of the same prefix replaces the old one.
    c.merge(
        parse(
            "unqualified-search-registries = []\nshort-name-mode = \"permissive\"\n\
             [[registry]]\nlocation = \"a.example\"\n",
        )
        .unwrap(),
    );
    assert!(c.unqualified_search_registries.is_empty());
    assert_eq!(c.short_name_mode, Some(ShortNameMode::Permissive));
    assert_eq!(c.registries.len(), 1);
    assert!(!c.insecure("a.example"));
    assert!(parse("short-name-mode = \"strict\"\n")
        .unwrap_err()
        .contains("enforcing"));
    assert!(parse("[aliases]\n\"x\" = 1\n").is_err());
}
