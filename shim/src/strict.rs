//! Strict personalities: a flag spelled the way only another tool spells it is an unknown flag,
//! reported in this personality's words with its exit code, before clap parses anything.
//!
//! The long names are manifold's vocabulary, shared by every personality (`--publish`,
//! `--annotation`, `--platform`, ...): they are manifold's features and README documents them.
//! What belongs to one tool is its spelling: the one-letter forms (docker's `create -a`,
//! `inspect -v`, `push -p`; pack's `-f`) and the hidden aliases manifold accepts only to stand
//! in for a tool (pack's `create -r/--registry` and `annotate --annotations`, podman's
//! `push --all`). [`OWNED`] lists them; a personality that is not listed there does not know
//! the spelling, as the tool it stands in for does not: `manifold create --insecure -rf IMG`
//! with the docker personality fails as `docker manifest create` does
//! (`unknown shorthand flag: 'r' in -rf`, exit 125) instead of taking pack's `-r`.
//!
//! The scan walks the arguments the way cobra/pflag do (flags anywhere, shorthand clusters,
//! `--name=value`, `--` ends the flags) and asks clap's own definitions which flags exist and
//! which take a value, so it cannot drift from the parser. A flag no definition has at all is
//! reported here too, so every unknown flag of a list command reads as the tool's.

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::CliError;
use crate::personality::Personality;

use Personality::{Docker, Pack, Podman};

/// Spellings that stand in for one tool's flag, per list command: only the personalities named
/// accept them. A spelling not listed is manifold's and accepted by every personality.
pub const OWNED: &[(&str, &str, &[Personality])] = &[
    ("create", "-a", &[Docker, Podman]),
    ("create", "-f", &[Pack]),
    ("create", "-r", &[Pack]),
    ("create", "--registry", &[Pack]),
    ("annotate", "--annotations", &[Pack]),
    ("inspect", "-v", &[Docker, Podman]),
    ("push", "-p", &[Docker, Podman]),
    ("push", "-f", &[Pack, Podman]),
    ("push", "--all", &[Podman]),
];

/// The list commands, the ones a personality stands in for.
pub const LIST_COMMANDS: &[&str] = &[
    "create", "add", "annotate", "inspect", "push", "rm", "remove", "exists", "ls",
];

/// True when `personality` knows `spelling` (`-r`, `--registry`) on `command`.
pub fn knows(personality: Personality, command: &str, spelling: &str) -> bool {
    let mut owners = OWNED
        .iter()
        .filter(|(c, s, _)| *c == command && *s == spelling)
        .peekable();
    owners.peek().is_none() || owners.any(|(_, _, ps)| ps.contains(&personality))
}

/// What is wrong with the flags of a list command in `args` (the whole command line, program
/// name first), as the personality's error; `None` when nothing is, or when the line is not a
/// list command (clap then reports whatever else is wrong).
pub fn check(personality: Personality, args: &[String]) -> Option<CliError> {
    let mut root = Cli::command();
    root.build();
    let mut cmd = &root;
    let mut i = 1;
    let name = loop {
        let a = args.get(i)?;
        i += 1;
        if a == "--compat" {
            i += 1;
        } else if a.starts_with("--compat=") {
        } else if a.starts_with('-') {
            return None;
        } else if a == "manifest" && cmd.get_name() == root.get_name() {
            cmd = cmd.find_subcommand("manifest")?;
        } else if LIST_COMMANDS.contains(&a.as_str()) {
            break a.as_str();
        } else {
            return None;
        }
    };
    let sub = cmd.find_subcommand(name)?;
    let unknown = |problem: String| Some(personality.words().unknown_flag(name, &problem));
    while let Some(a) = args.get(i) {
        i += 1;
        if a == "--" {
            return None;
        }
        if let Some(long) = a.strip_prefix("--") {
            let (flag, inline) = match long.split_once('=') {
                Some((f, _)) => (f, true),
                None => (long, false),
            };
            let arg = sub.get_arguments().find(|x| {
                x.get_long() == Some(flag)
                    || x.get_all_aliases().is_some_and(|al| al.contains(&flag))
            });
            match arg {
                Some(arg) if knows(personality, name, &format!("--{flag}")) => {
                    if !inline && needs_value(arg) {
                        i += 1;
                    }
                }
                _ => return unknown(format!("unknown flag: --{flag}")),
            }
        } else if let Some(cluster) = a.strip_prefix('-').filter(|c| !c.is_empty()) {
            for (at, c) in cluster.char_indices() {
                let arg = sub.get_arguments().find(|x| {
                    x.get_short() == Some(c)
                        || x.get_all_short_aliases().is_some_and(|al| al.contains(&c))
                });
                match arg {
                    Some(arg) if knows(personality, name, &format!("-{c}")) => {
                        if needs_value(arg) {
                            if at + c.len_utf8() == cluster.len() {
                                i += 1;
                            }
                            break;
                        }
                    }
                    _ => {
                        return unknown(format!(
                            "unknown shorthand flag: '{c}' in -{}",
                            &cluster[at..]
                        ))
                    }
                }
            }
        }
    }
    None
}

/// True when the flag must have a value (the next argument, unless given inline).
fn needs_value(arg: &clap::Arg) -> bool {
    arg.get_action().takes_values() && arg.get_num_args().is_some_and(|n| n.min_values() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_line(p: Personality, line: &str) -> Option<(String, i32)> {
        let args: Vec<String> = std::iter::once("manifold")
            .chain(line.split_whitespace())
            .map(String::from)
            .collect();
        check(p, &args).map(|e| (e.message, e.code))
    }

    #[test]
    fn pack_spellings_are_unknown_to_docker() {
        let (msg, code) = check_line(Docker, "create --insecure -rf IMG").unwrap();
        assert_eq!(code, 125);
        assert!(
            msg.starts_with("unknown shorthand flag: 'r' in -rf\n\nUsage:  docker manifest create MANIFEST_LIST MANIFEST [MANIFEST...]\n"),
            "{msg}"
        );
        assert!(check_line(Pack, "create --insecure -rf IMG").is_none());
        assert_eq!(
            check_line(Docker, "manifest annotate L I --annotations k=v")
                .unwrap()
                .0
                .lines()
                .next(),
            Some("unknown flag: --annotations")
        );
    }

    #[test]
    fn values_and_clusters_are_walked_as_pflag_does() {
        // -a is docker's; the unknown letter is reported with the rest of its cluster.
        assert_eq!(
            check_line(Docker, "create -ar L I")
                .unwrap()
                .0
                .lines()
                .next(),
            Some("unknown shorthand flag: 'r' in -r")
        );
        // A flag's value is not a flag, inline or next.
        assert!(check_line(Docker, "create --format -rf L I").is_none());
        assert!(check_line(Docker, "create --format=oci L I").is_none());
        assert!(check_line(Pack, "create -foci L I").is_none());
        // After --, nothing is a flag; manifold's own long names are every personality's.
        assert!(check_line(Docker, "create L -- -rf").is_none());
        assert!(check_line(Podman, "create --publish --jobs 2 L I").is_none());
        // Not a list command: clap's business.
        assert!(check_line(Docker, "validate --bogus f").is_none());
    }

    #[test]
    fn each_personality_words_an_unknown_flag() {
        let (msg, code) = check_line(Podman, "push -v L").unwrap();
        assert_eq!(
            (msg.as_str(), code),
            (
                "Error: unknown shorthand flag: 'v' in -v\nSee 'podman manifest push --help'",
                125
            )
        );
        let (msg, code) = check_line(Pack, "inspect -v L").unwrap();
        assert_eq!(
            (msg.as_str(), code),
            ("ERROR: unknown shorthand flag: 'v' in -v", 1)
        );
    }
}
