//! `push from-spec FILE` and `push from-args --platforms P,... --template T --target REF`:
//! lists published straight from a description, as manifest-tool publishes them, with nothing
//! kept locally. Every list of the file is read and checked by the engine
//! (`manifold_engine::spec`) before any request; a bad file is one line naming the file, the
//! line and the key, exit 2. The lists then run in parallel within `--jobs`, each all or
//! nothing (its sources are all fetched before its first write).
//!
//! `push from-spec X` means a spec only while no local list is called `from-spec`: a user's
//! list of that name keeps being pushed to X as before. `push from-args` is chosen by its own
//! flags (`--template`, `--platforms`, `--target`), which a plain push does not have.

use std::collections::HashMap;
use std::io::Read;

use manifold_engine::ops::{self, ListFormat, Selection};
use manifold_engine::spec::{self, ListSpec, SpecError};
use manifold_engine::Digest;

use super::context::Context;
use super::flags;
use super::publishing;
use crate::cli::PushArgs;
use crate::error::{CliError, CliResult};
use crate::output::Words;
use crate::personality::Personality;
use crate::pool::run_bounded;
use crate::source::{self, Location, Remote};
use crate::store::LocalList;

/// Whether this push is `push from-spec FILE` or `push from-args …` rather than the push of
/// a local list.
pub fn applies(ctx: &Context, args: &PushArgs) -> bool {
    if from_args_flags(args) {
        return true;
    }
    args.list == "from-spec"
        && args.destination.is_some()
        && !ctx
            .parse_list_name("from-spec")
            .is_ok_and(|name| ctx.store.exists(&name))
}

fn from_args_flags(args: &PushArgs) -> bool {
    args.template.is_some() || args.target.is_some() || !args.platforms.is_empty()
}

pub fn run(ctx: &Context, args: &PushArgs, remote: Option<&dyn Remote>) -> CliResult {
    let lists = if from_args_flags(args) {
        if args.list != "from-args" || args.destination.is_some() {
            return Err(CliError::usage(
                "--platforms, --template and --target belong to `push from-args` (push from-args --platforms linux/amd64,linux/arm64 --template REPO:TAG-OS-ARCH --target REPO:TAG)",
            ));
        }
        let (Some(template), Some(target)) = (&args.template, &args.target) else {
            return Err(CliError::usage(
                "push from-args needs --platforms, --template and --target",
            ));
        };
        vec![
            spec::from_args(&args.platforms, template, target, &args.spec_tags)
                .map_err(|e| bad("from-args", &e))?,
        ]
    } else {
        let file = args.destination.as_deref().unwrap_or_default();
        let bytes = read_spec(file)?;
        spec::parse_spec(&bytes).map_err(|e| bad(file, &e))?
    };
    let format = flags::list_format(args.format.as_deref())?.unwrap_or(ListFormat::Docker);
    for l in &lists {
        let shown = if l.line == 0 {
            "from-args"
        } else {
            args.destination.as_deref().unwrap_or_default()
        };
        spec::check_format(l, format == ListFormat::Oci).map_err(|e| bad(shown, &e))?;
    }
    let words = ctx.words;
    let dests = lists
        .iter()
        .map(|l| publishing::destination(words, &l.image))
        .collect::<CliResult<Vec<_>>>()?;
    let jobs = flags::jobs(args.registry_args.jobs);
    let outer = jobs.min(lists.len()).max(1);
    let job = Job {
        personality: ctx.personality,
        words,
        remote,
        format,
        yes: args.yes,
        jobs: (jobs / outer).max(1),
        dry_run: args.dry_run,
        json: args.json,
    };
    let work: Vec<(&ListSpec, &Location)> = lists.iter().zip(dests.iter()).collect();
    let results = run_bounded(outer, work, |(l, dest)| job.one(l, dest));
    let many = lists.len() > 1;
    let mut failed = Vec::new();
    for (l, r) in lists.iter().zip(results) {
        match r {
            Ok(None) => {}
            Ok(Some((digest, len))) if many => println!("Digest: {digest} {len} {}", l.image),
            Ok(Some((digest, len))) => println!("Digest: {digest} {len}"),
            Err(e) => failed.push(format!("{}: {}", l.image, e.message)),
        }
    }
    match failed.len() {
        0 => Ok(()),
        1 => Err(CliError::failed(failed.remove(0))),
        n => Err(CliError::failed(format!(
            "{n} of {} lists were not published:\n{}",
            lists.len(),
            failed.join("\n")
        ))),
    }
}

/// One line for a bad spec: `FILE:LINE: KEY: what is wrong` (exit 2).
fn bad(file: &str, e: &SpecError) -> CliError {
    if e.line == 0 {
        CliError::usage(format!("{file}: {}: {}", e.key, e.message))
    } else {
        CliError::usage(format!("{file}:{}: {}: {}", e.line, e.key, e.message))
    }
}

/// The spec's bytes, at most one byte past the engine's bound (the engine says what is too
/// big; a 10 MB file is not read whole).
fn read_spec(file: &str) -> CliResult<Vec<u8>> {
    let open = |e: std::io::Error| CliError::usage(format!("{file}: cannot read the spec: {e}"));
    let f = std::fs::File::open(file).map_err(open)?;
    if f.metadata().map_err(open)?.is_dir() {
        return Err(CliError::usage(format!(
            "{file}: is a directory; give the spec file's path"
        )));
    }
    let mut bytes = Vec::new();
    f.take(spec::MAX_SPEC_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(open)?;
    Ok(bytes)
}

/// What every list of the run shares.
struct Job<'a> {
    personality: Personality,
    words: &'a dyn Words,
    remote: Option<&'a dyn Remote>,
    format: ListFormat,
    yes: bool,
    jobs: usize,
    dry_run: bool,
    json: bool,
}

impl Job<'_> {
    /// Fetches every source of `l`, settles each entry's platform, then publishes the list at
    /// its image and tags. Returns the digest and size (none for a dry run, which prints).
    fn one(&self, l: &ListSpec, dest: &Location) -> CliResult<Option<(Digest, usize)>> {
        let locations = l
            .manifests
            .iter()
            .map(|m| {
                let image = self.words.image_argument(&m.image)?;
                Location::parse(image).map_err(|e| self.words.bad_image(&m.image, &e))
            })
            .collect::<CliResult<Vec<_>>>()?;
        let work: Vec<_> = l.manifests.iter().zip(locations.iter()).collect();
        let fetched = crate::pool::try_run_bounded(self.jobs, work, |(m, loc)| {
            // An index source gives the spec's platform when one is named, else every image.
            let selection = match &m.platform {
                Some(p) if !p.os.is_empty() => Selection::Platform(p.clone()),
                _ => Selection::All,
            };
            source::resolve(loc, self.remote, &selection)
        })?;
        let mut index = ops::create(self.format);
        index.media_type = Some(self.format.media_type().to_string());
        let mut list = LocalList::new(&dest.display(), index);
        let mut blobs: HashMap<Digest, Vec<u8>> = HashMap::new();
        let mut platforms = Vec::new();
        for (m, entries) in l.manifests.iter().zip(fetched) {
            let single = entries.len() == 1;
            for mut e in entries {
                if single {
                    e.descriptor.platform =
                        spec::resolve_platform(m.platform.as_ref(), e.descriptor.platform.as_ref());
                }
                platforms.push(e.descriptor.platform.clone());
                list.push_entry(e.descriptor, Some(e.source));
                blobs.extend(e.blobs);
            }
        }
        if let Some((a, b)) = spec::repeated_platform(&platforms) {
            return Err(CliError::failed(format!(
                "{} and {} are for the same platform; a list holds one image per platform",
                list.sources[a].as_deref().unwrap_or("?"),
                list.sources[b].as_deref().unwrap_or("?"),
            )));
        }
        if !l.annotations.is_empty() {
            ops::annotate_index(
                &mut list.index,
                &ops::IndexEdit {
                    annotations: l.annotations.clone(),
                    ..Default::default()
                },
            );
        }
        let local = |d: &Digest| blobs.get(d).cloned();
        let p = crate::publish::Publish {
            personality: self.personality,
            list: &list,
            local_blob: &local,
            remote: self.remote,
            format: None,
            tags: &l.tags,
            yes: self.yes,
            jobs: self.jobs,
            json: false,
            progress: &crate::progress::OFF,
        };
        if self.dry_run {
            publishing::print_dry_run(&crate::publish::dry_run(&p, dest)?, self.json)?;
            return Ok(None);
        }
        let digest = crate::publish::publish(&p, dest)?.digest;
        let len = crate::publish::list_bytes(&p)?.len();
        Ok(Some((digest, len)))
    }
}
