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
    /// Print the result as JSON (schema: README, "JSON output")
    #[arg(long)]
    pub json: bool,
    /// Registry for pack's create (accepted for compatibility; the list name says where it goes)
    #[arg(short = 'r', long, hide = true)]
    pub registry: Option<String>,
    /// Copy images from other registries without asking
    #[arg(short, long)]
    pub yes: bool,
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
    /// Print the result as JSON (schema: README, "JSON output")
    #[arg(long)]
    pub json: bool,
    /// Copy images from other registries without asking
    #[arg(short, long)]
    pub yes: bool,
    #[command(flatten)]
    pub registry_args: RegistryArgs,
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
    /// Print no progress (podman; manifold's push prints none)
    #[arg(short, long)]
    pub quiet: bool,
    /// Push the member images too (podman; manifold always makes sure they are there)
    #[arg(long, hide = true, num_args = 0..=1, default_missing_value = "true")]
    pub all: Option<bool>,
    /// Copy images from other registries without asking
    #[arg(short, long)]
    pub yes: bool,
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
    /// Concurrent requests (default 8, or MANIFOLD_JOBS)
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
