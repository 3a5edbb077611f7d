//! The command line: manifold's own commands and the `manifest` group that stands in for
//! `docker manifest`, `podman manifest` and `pack manifest`.
//!
//! The doc comments of arguments here are their `--help` text, written for a terminal, not for
//! rustdoc: `oci:PATH[:TAG]` is a spelling users type, not a link.
#![allow(rustdoc::broken_intra_doc_links)]

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "manifold",
    version,
    about = "Build, check, digest and publish multi-platform images"
)]
pub struct Cli {
    /// Behave as docker (default), podman or pack where the tools differ (also MANIFOLD_COMPAT, or the program name)
    #[arg(long, global = true, value_name = "docker|podman|pack")]
    pub compat: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check an index, manifest, manifest list or descriptor against the OCI and Docker specs
    Validate {
        /// What the document is: auto, index, manifest, descriptor, manifest-list, docker-manifest
        #[arg(long, default_value = "auto")]
        kind: String,
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
        /// The document's path, or - for standard input
        file: String,
    },
    /// Print the digest of a file's exact bytes
    Digest {
        /// sha256, sha512 or blake3
        #[arg(long, default_value = "sha256")]
        algorithm: String,
        /// The file's path, or - for standard input
        file: String,
    },
    /// Print a shell completion script: source it, or install it where the shell looks
    Completion {
        /// bash, zsh, fish, powershell or elvish
        shell: clap_complete::Shell,
    },
    /// Print manifold's man page, or write every page (one per command) into DIR
    Man {
        /// Folder for manifold.1 and one page per command, e.g. ~/.local/share/man/man1
        dir: Option<std::path::PathBuf>,
    },
    /// Manage manifest lists and image indexes (docker manifest, podman manifest, pack manifest)
    #[command(subcommand)]
    Manifest(ManifestCommand),
    #[command(flatten)]
    Direct(ManifestCommand),
}

/// The list commands, reachable as `manifold manifest <cmd>` and as `manifold <cmd>`.
// One command is parsed per run; boxing AddArgs (the largest, with its artifact flags) would
// change every match on the commands for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
pub enum ManifestCommand {
    /// Create a local manifest list (or publish it at once with --publish)
    Create(CreateArgs),
    /// Add images to a local manifest list
    Add(AddArgs),
    /// Set platform fields and annotations of an entry, or of the list itself with --index
    Annotate(AnnotateArgs),
    /// Display an image manifest or manifest list, local first, then the registry
    Inspect(InspectArgs),
    /// Push a manifest list to a registry or an OCI layout
    Push(PushArgs),
    /// docker/podman: delete local lists; pack: drop entries from a list (rm LIST DIGEST...)
    Rm(RmArgs),
    /// podman: drop an entry (remove LIST DIGEST); pack: delete local lists
    Remove(RmArgs),
    /// Exit 0 when the local list exists, 1 when it does not
    Exists {
        /// The list's name
        #[arg(value_name = "MANIFEST_LIST")]
        list: String,
        /// Print {"name", "exists"} as JSON (the exit code still says it)
        #[arg(long)]
        json: bool,
    },
    /// List the local manifest lists with their entry counts
    Ls {
        /// Print the lists as a JSON array (schema: README, "JSON output")
        #[arg(long)]
        json: bool,
    },
    /// Check a list (or image) with everything under it: platforms against configs, members, layers, attestations (exit 0 clean, 1 problems, 2 could not check)
    Check(CheckArgs),
    /// Compare the images of a list side by side, one column per platform
    Compare(CompareArgs),
    /// Append images to the index at a registry tag, safely when many writers append at once (no local list)
    Append(AppendArgs),
    /// Edit the index at a registry tag in place: remove or annotate entries (no local list)
    #[command(subcommand)]
    Index(IndexCommand),
}

/// How a registry-first edit runs its rounds (append, index remove, index annotate).
#[derive(clap::Args, Debug, Clone)]
pub struct RoundArgs {
    /// Give up after N rounds of read, merge, put and verify when other writers keep replacing the index
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub rounds: u32,
    /// Wait this long after a put before reading the tag back (longer than any writer's read-to-put)
    #[arg(long, value_name = "DURATION", default_value = "1500ms")]
    pub settle: String,
    /// Print the requests that would write and the resulting index; write nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(clap::Args, Debug)]
pub struct AppendArgs {
    /// The index to append to: REGISTRY/REPO:TAG (absent: a new index is made)
    #[arg(value_name = "TARGET")]
    pub target: String,
    /// Images to append: registry references or oci:PATH[:TAG]
    #[arg(required = true, value_name = "IMAGE")]
    pub images: Vec<String>,
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub platform_args: PlatformArgs,
    /// Annotation of the new entries, KEY=VALUE (repeatable)
    #[arg(long = "annotation", value_name = "KEY=VALUE")]
    pub annotations: Vec<String>,
    /// Format of a new index: oci or docker (default: the first image's)
    #[arg(short, long, value_name = "oci|docker")]
    pub format: Option<String>,
    #[command(flatten)]
    pub rounds: RoundArgs,
    /// Print the outcome as JSON: digest, rounds, puts, entries
    #[arg(long)]
    pub json: bool,
    /// Copy images from other registries without asking
    #[arg(short, long)]
    pub yes: bool,
    #[command(flatten)]
    pub registry_args: RegistryArgs,
}

/// `index remove` and `index annotate`: edits of the index at a registry tag.
#[derive(Subcommand, Debug)]
pub enum IndexCommand {
    /// Remove entries (by digest, or every entry of a platform) from the index at a registry tag
    Remove(IndexRemoveArgs),
    /// Set platform fields and annotations of an entry (or of the index with --index) at a registry tag
    Annotate(IndexAnnotateArgs),
}

#[derive(clap::Args, Debug)]
pub struct IndexRemoveArgs {
    /// The index to edit: REGISTRY/REPO:TAG
    #[arg(value_name = "TARGET")]
    pub target: String,
    /// Digests of the entries to remove (a unique prefix of 7 or more hex digits will do)
    #[arg(value_name = "DIGEST")]
    pub digests: Vec<String>,
    /// Remove every entry of this platform, and the attestations describing it (repeatable)
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Vec<String>,
    #[command(flatten)]
    pub rounds: RoundArgs,
    /// Print the outcome as JSON: digest, rounds, puts, entries
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub registry_args: RegistryArgs,
}

#[derive(clap::Args, Debug)]
pub struct IndexAnnotateArgs {
    /// The index to edit: REGISTRY/REPO:TAG
    #[arg(value_name = "TARGET")]
    pub target: String,
    /// The entry's digest (a unique prefix will do); not needed with --platform or --index
    #[arg(value_name = "DIGEST")]
    pub digest: Option<String>,
    /// The entry of this platform
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,
    #[command(flatten)]
    pub platform_args: PlatformArgs,
    /// Annotation KEY=VALUE (repeatable)
    #[arg(long = "annotation", value_name = "KEY=VALUE")]
    pub annotations: Vec<String>,
    /// Annotate the index itself rather than an entry
    #[arg(long)]
    pub index: bool,
    /// Clear a field: os, arch, variant, os-version, os-features, features, annotations, or annotation:KEY (repeatable)
    #[arg(long, value_name = "FIELD")]
    pub clear: Vec<String>,
    #[command(flatten)]
    pub rounds: RoundArgs,
    /// Print the outcome as JSON: digest, rounds, puts, entries
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub registry_args: RegistryArgs,
}

#[derive(clap::Args, Debug)]
pub struct CreateArgs {
    /// The new list's name (where it is pushed unless push says otherwise)
    #[arg(value_name = "MANIFEST_LIST")]
    pub list: String,
    /// Images to put in it: registry references or oci:PATH[:TAG]
    #[arg(value_name = "MANIFEST")]
    pub images: Vec<String>,
    /// Amend an existing manifest list
    #[arg(short, long)]
    pub amend: bool,
    #[command(flatten)]
    pub select: SelectArgs,
    /// List format: oci or docker (v2s2)
    #[arg(short, long, value_name = "oci|docker")]
    pub format: Option<String>,
    /// Annotation of the index, KEY=VALUE (repeatable)
    #[arg(long = "annotation", value_name = "KEY=VALUE")]
    pub annotations: Vec<String>,
    /// Push the list straight to the registry, keeping nothing locally
    #[arg(long)]
    pub publish: bool,
    /// With --publish: also copy the signatures, SBOMs and other referrers of every member
    #[arg(long, requires = "publish")]
    pub referrers: bool,
    /// Print the result as JSON (schema: README, "JSON output")
    #[arg(long)]
    pub json: bool,
    /// Registry for pack's create (accepted for compatibility; the list name says where it goes)
    #[arg(short = 'r', long, hide = true)]
    pub registry: Option<String>,
    /// Copy images from other registries without asking
    #[arg(short, long)]
    pub yes: bool,
    /// Print every write the command would make, in order, and the resulting list; write nothing
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub registry_args: RegistryArgs,
}

/// What to take from a source that is an index (create and add).
#[derive(clap::Args, Debug)]
pub struct SelectArgs {
    /// Add every child of a source that is itself an index
    #[arg(long)]
    pub all: bool,
    /// Take this platform's child from a source that is an index
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,
    /// Add a source index itself as a nested entry
    #[arg(long)]
    pub nested: bool,
    /// Whether the attestations of the images taken from a source index come along (keep) or
    /// not (drop)
    #[arg(long, value_name = "keep|drop", value_parser = ["keep", "drop"])]
    pub attestations: Option<String>,
    /// Poll a source that is not there yet (404) with backoff for up to DURATION (30s, 2m, 500ms)
    #[arg(long, value_name = "DURATION")]
    pub wait_for_sources: Option<String>,
    /// Leave out a source that is not there (after --wait-for-sources, if given), naming it on stderr
    #[arg(long)]
    pub ignore_missing: bool,
}

/// Platform fields an entry can be given (docker's and podman's annotate flags).
#[derive(clap::Args, Debug, Default, Clone)]
pub struct PlatformArgs {
    /// Set operating system
    #[arg(long)]
    pub os: Option<String>,
    /// Set architecture
    #[arg(long)]
    pub arch: Option<String>,
    /// Set architecture variant
    #[arg(long)]
    pub variant: Option<String>,
    /// Set operating system version
    #[arg(long = "os-version")]
    pub os_version: Option<String>,
    /// Set operating system feature (comma-separated, repeatable)
    #[arg(long = "os-features", value_delimiter = ',')]
    pub os_features: Vec<String>,
    /// Set CPU feature (comma-separated, repeatable)
    #[arg(long, value_delimiter = ',')]
    pub features: Vec<String>,
}

#[derive(clap::Args, Debug)]
pub struct AddArgs {
    /// The local list to add to
    #[arg(value_name = "MANIFEST_LIST")]
    pub list: String,
    /// Images to add: registry references or oci:PATH[:TAG]
    #[arg(required = true, value_name = "MANIFEST")]
    pub images: Vec<String>,
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub platform_args: PlatformArgs,
    /// Annotation of the new entries, KEY=VALUE (repeatable)
    #[arg(long = "annotation", value_name = "KEY=VALUE")]
    pub annotations: Vec<String>,
    /// Append to the list in the registry (fetch, add, push) instead of a local list
    #[arg(long)]
    pub publish: bool,
    /// With --publish: also copy the signatures, SBOMs and other referrers of every member
    #[arg(long, requires = "publish")]
    pub referrers: bool,
    /// Print the result as JSON (schema: README, "JSON output")
    #[arg(long)]
    pub json: bool,
    /// Copy images from other registries without asking
    #[arg(short, long)]
    pub yes: bool,
    /// Print every write the command would make, in order, and the resulting list; write nothing
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub registry_args: RegistryArgs,
    /// Replace the entry of the same platform (os, arch, variant, os.version, compression);
    /// podman and pack always do
    #[arg(long)]
    pub replace: bool,
    #[command(flatten)]
    pub artifact: ArtifactArgs,
}

/// `add --artifact`: the arguments after the list are files made into one OCI artifact
/// manifest (podman 5's flags).
#[derive(clap::Args, Debug, Default, Clone)]
pub struct ArtifactArgs {
    /// Make the files given instead of images into an artifact manifest and add it
    #[arg(long)]
    pub artifact: bool,
    /// The artifact's artifactType (default application/vnd.unknown.artifact.v1)
    #[arg(long = "artifact-type", value_name = "TYPE")]
    pub artifact_type: Option<String>,
    /// A file whose contents are the artifact's config (default: the empty descriptor)
    #[arg(long = "artifact-config", value_name = "FILE")]
    pub artifact_config: Option<std::path::PathBuf>,
    /// The config's media type
    #[arg(long = "artifact-config-type", value_name = "TYPE")]
    pub artifact_config_type: Option<String>,
    /// The files' media type (default: guessed from each file's name or contents)
    #[arg(long = "artifact-layer-type", value_name = "TYPE")]
    pub artifact_layer_type: Option<String>,
    /// The image the artifact is about (its manifest's subject)
    #[arg(long = "artifact-subject", value_name = "IMAGE")]
    pub artifact_subject: Option<String>,
    /// Annotation of the artifact manifest, KEY=VALUE (repeatable)
    #[arg(long = "artifact-annotation", value_name = "K=V")]
    pub artifact_annotations: Vec<String>,
    /// Leave out the org.opencontainers.image.title annotation of each file
    #[arg(long = "artifact-exclude-titles")]
    pub artifact_exclude_titles: bool,
}

#[derive(clap::Args, Debug)]
pub struct AnnotateArgs {
    /// The local list holding the entry
    #[arg(value_name = "MANIFEST_LIST")]
    pub list: String,
    /// The entry: the image reference it was added as, or its digest (not needed with --index)
    #[arg(value_name = "MANIFEST")]
    pub image: Option<String>,
    #[command(flatten)]
    pub platform_args: PlatformArgs,
    /// Annotation KEY=VALUE (repeatable; pack's --annotations takes KEY=VALUE,KEY=VALUE)
    #[arg(long = "annotation", alias = "annotations", value_name = "KEY=VALUE")]
    pub annotations: Vec<String>,
    /// Annotate the index itself rather than an entry
    #[arg(long)]
    pub index: bool,
    /// Set the subject of the index to this image
    #[arg(long, value_name = "REF")]
    pub subject: Option<String>,
    /// Clear a field: os, arch, variant, os-version, os-features, features, annotations, or annotation:KEY (repeatable)
    #[arg(long, value_name = "FIELD")]
    pub clear: Vec<String>,
    /// Print the result as JSON (schema: README, "JSON output")
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct InspectArgs {
    /// MANIFEST_LIST MANIFEST: that entry of a local list; MANIFEST alone: a local list, else the registry's manifest
    #[arg(required = true, num_args = 1..=2, value_names = ["MANIFEST_LIST", "MANIFEST"])]
    pub refs: Vec<String>,
    /// Output additional info including layers and platform
    #[arg(short, long)]
    pub verbose: bool,
    /// Show the image manifest and config summary of this platform's entry
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,
    /// Print the exact bytes
    #[arg(long)]
    pub raw: bool,
    #[command(flatten)]
    pub registry_args: RegistryArgs,
}

#[derive(clap::Args, Debug)]
pub struct PushArgs {
    /// The local list to push
    #[arg(value_name = "MANIFEST_LIST")]
    pub list: String,
    /// Where to push: a registry reference or oci:PATH[:TAG] (default: the list's own name)
    #[arg(value_name = "DESTINATION")]
    pub destination: Option<String>,
    /// Remove the local manifest list after push
    #[arg(short, long)]
    pub purge: bool,
    /// Remove the local manifest list after push (podman)
    #[arg(long)]
    pub rm: bool,
    /// Convert the list: oci or v2s2 (docker)
    #[arg(short, long, value_name = "oci|v2s2")]
    pub format: Option<String>,
    /// Write the pushed digest to this file
    #[arg(long, value_name = "FILE")]
    pub digestfile: Option<std::path::PathBuf>,
    /// Also tag the pushed list with this tag (repeatable)
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Draw no progress line on the terminal
    #[arg(short, long)]
    pub quiet: bool,
    /// Push the member images too (podman; manifold always makes sure they are there)
    #[arg(long, hide = true, num_args = 0..=1, default_missing_value = "true")]
    pub all: Option<bool>,
    /// Copy images from other registries without asking
    #[arg(short, long)]
    pub yes: bool,
    /// Print what was pushed (digest, tags, blobs and manifests mounted, copied or skipped) as JSON; with --dry-run, the plan
    #[arg(long)]
    pub json: bool,
    /// Print every write the command would make, in order, and the resulting list; write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// push from-args: the platforms, os/arch[/variant] (comma-separated, repeatable)
    #[arg(long, value_delimiter = ',', value_name = "PLATFORMS")]
    pub platforms: Vec<String>,
    /// push from-args: the images, e.g. REPO:TAG-OS-ARCHVARIANT (OS, ARCH, VARIANT replaced)
    #[arg(long, value_name = "PATTERN")]
    pub template: Option<String>,
    /// push from-args: where the list goes
    #[arg(long, value_name = "REF")]
    pub target: Option<String>,
    /// push from-args: more tags for the list (comma-separated, repeatable)
    #[arg(long = "tags", value_delimiter = ',', value_name = "TAGS")]
    pub spec_tags: Vec<String>,
    /// Also copy the signatures, SBOMs and other referrers of every member (OCI 1.1 referrers
    /// API or sha256-HEX tags), and warn about signatures the pushed list is not covered by
    #[arg(long)]
    pub referrers: bool,
    #[command(flatten)]
    pub registry_args: RegistryArgs,
}

#[derive(clap::Args, Debug)]
pub struct RmArgs {
    /// The lists to delete, or a list and the entries (digests or references) to drop from it
    #[arg(required = true, value_name = "MANIFEST_LIST|DIGEST")]
    pub args: Vec<String>,
}

/// Flags of every command that talks to a registry (docker's, podman's and manifold's spellings).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct RegistryArgs {
    /// Allow plain HTTP and skip TLS verification for this command's registries
    #[arg(long)]
    pub insecure: bool,
    /// Require HTTPS and verify certificates (podman); --tls-verify=false equals --insecure
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub tls_verify: Option<bool>,
    /// Credentials USER:PASSWORD for the registry
    #[arg(long, value_name = "USER:PASSWORD")]
    pub creds: Option<String>,
    /// Path of a containers-auth.json / docker config.json file (default: REGISTRY_AUTH_FILE, then the usual places)
    #[arg(long, value_name = "FILE")]
    pub authfile: Option<std::path::PathBuf>,
    /// Directory of *.crt CA certificates to trust for the registry
    #[arg(long, value_name = "DIR")]
    pub cert_dir: Option<std::path::PathBuf>,
    /// Concurrent requests and uploads (default 32 requests, 8 uploads; or MANIFOLD_JOBS)
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Log every request and response line to stderr, secrets redacted
    #[arg(long)]
    pub debug: bool,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// A registry list or image, a local list, or oci:PATH[:TAG]
    #[arg(value_name = "REF")]
    pub reference: String,
    /// Fetch every layer and verify its digest and size (default: ask the registry whether it has it)
    #[arg(long)]
    pub pull_layers: bool,
    /// Read each layer's ELF and PE executables and compare their machine type with the image's architecture
    #[arg(long)]
    pub check_binaries: bool,
    /// Print the report as JSON
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub registry_args: RegistryArgs,
}

#[derive(clap::Args, Debug)]
pub struct CompareArgs {
    /// A registry list, a local list, or oci:PATH[:TAG]
    #[arg(value_name = "REF")]
    pub reference: String,
    /// Show only the rows that differ between platforms
    #[arg(long)]
    pub diff: bool,
    /// Keep attestation manifests as columns
    #[arg(long)]
    pub attestations: bool,
    /// Exit 1 when a row differs: of these fields (--fail-on-diff=entrypoint,env,buildpacks), or of any field that does not differ by nature
    #[arg(long, value_name = "FIELD,...", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    pub fail_on_diff: Option<String>,
    /// Table width in characters (default: COLUMNS, else 80)
    #[arg(long, value_name = "N")]
    pub width: Option<usize>,
    /// Print the comparison as JSON
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub registry_args: RegistryArgs,
}
