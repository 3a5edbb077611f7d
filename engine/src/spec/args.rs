//! `push from-args`: a list spec from flags, as manifest-tool's `from-args` makes one.
//! `--platforms os/arch[/variant],...`, a `--template` whose first `ARCH`, then first `OS`,
//! then first `VARIANT` are replaced by each platform's values (in that order, as
//! manifest-tool replaces them; a platform without a variant replaces `VARIANT` by nothing),
//! `--target` where the list goes and `--tags` more tags.

use super::model::{parse_platform_value, EntrySpec, ListSpec, SpecError};
use crate::reference::{is_valid_tag, Reference};

/// The one list `from-args` publishes. Errors name the flag as their key (line 0: no file).
pub fn from_args(
    platforms: &[String],
    template: &str,
    target: &str,
    tags: &[String],
) -> Result<ListSpec, SpecError> {
    let flag = |key: &str, message: String| SpecError {
        line: 0,
        key: key.to_string(),
        message,
    };
    Reference::parse_normalized(target).map_err(|e| flag("--target", format!("{target}: {e}")))?;
    if !template.contains("OS") && !template.contains("ARCH") {
        return Err(flag(
            "--template",
            format!("{template} has neither OS nor ARCH; each platform needs its own image (e.g. repo:tag-OS-ARCHVARIANT)"),
        ));
    }
    for t in tags {
        if !is_valid_tag(t) {
            return Err(flag("--tags", format!("{t} is not a valid tag")));
        }
    }
    let mut manifests: Vec<EntrySpec> = Vec::new();
    for raw in platforms.iter().flat_map(|p| p.split(',')).map(str::trim) {
        let parts: Vec<&str> = raw.split('/').collect();
        if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.is_empty()) {
            return Err(flag(
                "--platforms",
                format!("{raw}: each platform is os/arch or os/arch/variant"),
            ));
        }
        let variant = parts.get(2).copied();
        let platform = parse_platform_value(parts[0], parts[1], variant)
            .map_err(|m| flag("--platforms", format!("{raw}: {m}")))?;
        let image = template
            .replacen("ARCH", parts[1], 1)
            .replacen("OS", parts[0], 1)
            .replacen("VARIANT", variant.unwrap_or(""), 1);
        Reference::parse_normalized(&image).map_err(|e| {
            flag(
                "--template",
                format!("{raw} gives {image}, not a reference: {e}"),
            )
        })?;
        if let Some(same) = manifests
            .iter()
            .find(|m| m.platform.as_ref() == Some(&platform))
        {
            return Err(flag(
                "--platforms",
                format!("{raw} is given twice ({})", same.image),
            ));
        }
        manifests.push(EntrySpec {
            image,
            line: 0,
            platform: Some(platform),
        });
    }
    if manifests.is_empty() {
        return Err(flag(
            "--platforms",
            "no platform given (e.g. linux/amd64,linux/arm64/v8)".into(),
        ));
    }
    Ok(ListSpec {
        image: target.to_string(),
        line: 0,
        tags: tags.to_vec(),
        annotations: Vec::new(),
        annotations_line: None,
        manifests,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_template_is_filled_in_manifest_tools_order() {
        let l = from_args(
            &s(&["linux/amd64,linux/arm64/v8", "linux/arm/v7"]),
            "reg:5000/app-OSARCHVARIANT:1.0",
            "reg:5000/app:1.0",
            &s(&["latest"]),
        )
        .unwrap();
        let images: Vec<_> = l.manifests.iter().map(|m| m.image.as_str()).collect();
        assert_eq!(
            images,
            [
                "reg:5000/app-linuxamd64:1.0",
                "reg:5000/app-linuxarm64v8:1.0",
                "reg:5000/app-linuxarmv7:1.0"
            ]
        );
        let p = l.manifests[1].platform.as_ref().unwrap();
        assert_eq!(
            (p.os.as_str(), p.architecture.as_str(), p.variant.as_deref()),
            ("linux", "arm64", Some("v8"))
        );
        assert_eq!(l.tags, ["latest"]);
        // ARCH is replaced first: an OS inside the architecture's value is left alone.
        let l = from_args(&s(&["linux/amd64"]), "r/x:ARCH-OS", "r/x:l", &[]).unwrap();
        assert_eq!(l.manifests[0].image, "r/x:amd64-linux");
    }

    #[test]
    fn bad_flags_name_the_flag() {
        let e =
            |p: &[&str], t: &str, target: &str| from_args(&s(p), t, target, &[]).unwrap_err().key;
        assert_eq!(e(&["linux"], "r/x:OS-ARCH", "r/x:l"), "--platforms");
        assert_eq!(
            e(&["linux/amd64/v9/x"], "r/x:OS-ARCH", "r/x:l"),
            "--platforms"
        );
        assert_eq!(e(&["plan10/amd64"], "r/x:OS-ARCH", "r/x:l"), "--platforms");
        assert_eq!(
            e(&["linux/amd64,linux/amd64"], "r/x:OS-ARCH", "r/x:l"),
            "--platforms"
        );
        assert_eq!(e(&["linux/amd64"], "r/x:fixed", "r/x:l"), "--template");
        assert_eq!(e(&["linux/amd64"], "R/X:OS-ARCH", "r/x:l"), "--template");
        assert_eq!(e(&["linux/amd64"], "r/x:OS-ARCH", "Bad Target"), "--target");
    }
}
