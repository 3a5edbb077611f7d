//! `GET /v2/<name>/tags/list`: the reply's tags, and the next page from its `Link` header
//! (distribution-spec's pagination), which the marker scan follows to the end.

/// The tags of a tags/list reply (`"tags": null` is none).
pub fn parse_tag_list(body: &[u8]) -> Result<Vec<String>, String> {
    #[derive(serde::Deserialize)]
    struct List {
        #[serde(default)]
        tags: Option<Vec<String>>,
    }
    serde_json::from_slice::<List>(body)
        .map(|l| l.tags.unwrap_or_default())
        .map_err(|e| format!("the tag list is not JSON of the distribution spec: {e}"))
}

/// The path and query of the next page from a `Link: </v2/x/tags/list?n=..&last=..>; rel="next"`
/// header, when there is one.
pub fn next_tags_page(link: Option<&str>) -> Option<String> {
    let link = link?;
    link.split(',').find_map(|part| {
        let part = part.trim();
        if !part.contains("rel=\"next\"") && !part.contains("rel=next") {
            return None;
        }
        let start = part.find('<')? + 1;
        let end = part[start..].find('>')? + start;
        Some(part[start..end].to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_lists_and_their_pages() {
        assert_eq!(
            parse_tag_list(br#"{"name":"a","tags":["v1","v2"]}"#).unwrap(),
            vec!["v1", "v2"]
        );
        assert!(parse_tag_list(br#"{"name":"a","tags":null}"#)
            .unwrap()
            .is_empty());
        assert!(parse_tag_list(b"<html>").is_err());
        assert_eq!(
            next_tags_page(Some("</v2/a/tags/list?last=v2&n=2>; rel=\"next\"")).as_deref(),
            Some("/v2/a/tags/list?last=v2&n=2")
        );
        assert_eq!(next_tags_page(None), None);
        assert_eq!(next_tags_page(Some("<x>; rel=\"prev\"")), None);
    }
}
