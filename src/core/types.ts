/** The vocabulary: descriptors, manifests, indexes, image configs, platforms (OCI JSON field names), references, blob info, image records and images. */

/** A platform as an index entry or an image config names it. */
export interface Platform {
  /** Operating system, e.g. `linux`. */
  readonly os: string;
  /** CPU architecture, e.g. `amd64`. */
  readonly architecture: string;
  /** CPU variant, e.g. `v8` for arm64. */
  readonly variant?: string;
  /** Operating system version, e.g. `10.0.20348.1` on Windows. */
  readonly "os.version"?: string;
  /** Required operating system features, e.g. `win32k`. */
  readonly "os.features"?: readonly string[];
}

/** A content descriptor: what a blob is, how big, and which digest names it. */
export interface Descriptor {
  /** Media type of the referenced content. */
  readonly mediaType: string;
  /** Digest of the referenced content, `<algorithm>:<encoded>`. */
  readonly digest: string;
  /** Size of the referenced content in bytes. */
  readonly size: number;
  /** Other places the content may be fetched from. */
  readonly urls?: readonly string[];
  /** Arbitrary metadata. */
  readonly annotations?: Readonly<Record<string, string>>;
  /** Base64 of the content itself, embedded. */
  readonly data?: string;
  /** The platform of the referenced manifest, in an index. */
  readonly platform?: Platform;
  /** The artifact type of the referenced manifest. */
  readonly artifactType?: string;
}

/** An image manifest (OCI, or Docker schema 2). */
export interface Manifest {
  /** Always 2. */
  readonly schemaVersion: number;
  /** The manifest's own media type, when written. */
  readonly mediaType?: string;
  /** The artifact type, for artifacts. */
  readonly artifactType?: string;
  /** The image config. */
  readonly config: Descriptor;
  /** The layers, base first. */
  readonly layers: readonly Descriptor[];
  /** The manifest this one refers to. */
  readonly subject?: Descriptor;
  /** Arbitrary metadata. */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** An image index (OCI, or a Docker manifest list). */
export interface Index {
  /** Always 2. */
  readonly schemaVersion: number;
  /** The index's own media type, when written. */
  readonly mediaType?: string;
  /** The artifact type, for artifacts. */
  readonly artifactType?: string;
  /** The manifests (or nested indexes) of the index. */
  readonly manifests: readonly Descriptor[];
  /** The manifest this one refers to. */
  readonly subject?: Descriptor;
  /** Arbitrary metadata. */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** The execution parameters of an image config. */
export interface ImageExecutionConfig {
  /** The user (and group) the process runs as. */
  readonly User?: string;
  /** Ports to expose, as `port/protocol` keys. */
  readonly ExposedPorts?: Readonly<Record<string, unknown>>;
  /** Environment variables, `NAME=value`. */
  readonly Env?: readonly string[];
  /** The command run when the container starts. */
  readonly Entrypoint?: readonly string[];
  /** Default arguments of the entrypoint. */
  readonly Cmd?: readonly string[];
  /** Directories that hold volumes, as keys. */
  readonly Volumes?: Readonly<Record<string, unknown>>;
  /** The working directory of the process. */
  readonly WorkingDir?: string;
  /** Arbitrary metadata of the image. */
  readonly Labels?: Readonly<Record<string, string>>;
  /** The signal that stops the container. */
  readonly StopSignal?: string;
  /** Windows-only: whether the command line is already escaped. */
  readonly ArgsEscaped?: boolean;
}

/** One entry of an image's history. */
export interface HistoryEntry {
  /** When it was created (RFC 3339). */
  readonly created?: string;
  /** The command that created the layer. */
  readonly created_by?: string;
  /** Who created it. */
  readonly author?: string;
  /** A free-form comment. */
  readonly comment?: string;
  /** Whether the step produced no layer. */
  readonly empty_layer?: boolean;
}

/** The root filesystem of an image config: its layers' uncompressed digests. */
export interface RootFs {
  /** Always `layers`. */
  readonly type: string;
  /** Digests of the uncompressed layers, base first. */
  readonly diff_ids: readonly string[];
}

/** An OCI image config, as containerd's CRI keeps it (`imagespec.Image`). */
export interface ImageConfig {
  /** When it was created (RFC 3339). */
  readonly created?: string;
  /** Who created it. */
  readonly author?: string;
  /** CPU architecture of the binaries. */
  readonly architecture: string;
  /** Operating system the image runs on. */
  readonly os: string;
  /** Operating system version. */
  readonly "os.version"?: string;
  /** Required operating system features. */
  readonly "os.features"?: readonly string[];
  /** CPU variant. */
  readonly variant?: string;
  /** Execution parameters for a container started from the image. */
  readonly config?: ImageExecutionConfig;
  /** The layers' uncompressed digests. */
  readonly rootfs: RootFs;
  /** How each layer was made, oldest first. */
  readonly history?: readonly HistoryEntry[];
}

/**
 * A parsed image reference, as distribution/reference models it.
 *
 * A named reference has a non-empty `path` (`library/nginx`) and, when the text named one, a
 * `domain` (`docker.io`, `localhost:5000`, `[::1]:5000`); otherwise `domain` is `""`. A
 * digest-only reference (what {@linkcode parseAnyReference} returns for `sha256:…` or a bare
 * 64-hex identifier) has `domain` and `path` both `""` and only a `digest`.
 */
export interface Reference {
  /** Registry host with optional port, or `""` when the reference names none. */
  readonly domain: string;
  /** Repository path below the domain, or `""` for a digest-only reference. */
  readonly path: string;
  /** The tag, when present. */
  readonly tag?: string;
  /** The digest (`algorithm:hex`), when present. */
  readonly digest?: string;
}

/** What a content store knows of a blob without reading it. */
export interface BlobInfo {
  /** The digest naming the blob. */
  readonly digest: string;
  /** The stored size in bytes. */
  readonly size: number;
  /** Labels the store keeps for the blob (containerd's content labels). */
  readonly labels?: Readonly<Record<string, string>>;
}

/** An image record, as containerd's metadata store keeps it (`images.Image`). */
export interface ImageRecord {
  /** The image name, usually a full reference (`docker.io/library/nginx:1.27`). */
  readonly name: string;
  /** The root descriptor: a manifest or an index. */
  readonly target: Descriptor;
  /** Labels, e.g. `io.cri-containerd.pinned=pinned`. */
  readonly labels: Readonly<Record<string, string>>;
  /** When the record was created (RFC 3339), when known. */
  readonly createdAt?: string;
  /** When the record was last updated (RFC 3339), when known. */
  readonly updatedAt?: string;
}

/** An image as containerd's CRI keeps it. Treat it as immutable. */
export interface Image {
  /** The image ID: the digest of its config. */
  readonly id: string;
  /** Every reference (image name) that points at it. */
  readonly references: readonly string[];
  /** The chain ID of its layers (`""` without layers). */
  readonly chainId: string;
  /** The compressed size for the store's platform, from descriptor sizes. */
  readonly size: number;
  /** The parsed image config. */
  readonly imageSpec: ImageConfig;
  /** Whether a reference marked it pinned (kept from garbage collection). */
  readonly pinned: boolean;
}
