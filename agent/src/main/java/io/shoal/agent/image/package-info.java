/**
 * The node's images.
 *
 * <p>{@link io.shoal.agent.image.ImageStore} keeps images content-addressed under one state
 * directory (its class comment has the layout) and composes the parts that each own one piece of
 * it: {@code BlobStore} (configs and manifests by digest), {@code LayerStore} (unpacked layers and
 * the lock that keeps deletion apart from loads and pulls), {@code ImageRecords} (an image's
 * record by id) and {@code ReferenceIndex} (names to ids, and what a name a user gives resolves
 * to). An image's id is the digest of its config; its layers are unpacked once each, keyed by diff
 * id, and shared read-only as overlayfs lower dirs by every image and container that has them.
 * Names are normalised as Docker does ({@link io.shoal.agent.image.Reference}) and shown in
 * Docker's short form.
 *
 * <p>Layer unpacking ({@code LayerUnpacker}) writes what overlayfs expects of a lower dir:
 * a whiteout {@code .wh.NAME} becomes the character device 0/0 {@code NAME}, an opaque marker
 * {@code .wh..wh..opq} becomes {@code trusted.overlay.opaque=y} on its directory. Those, ownership,
 * setuid bits and file capabilities need root; the few libc calls ({@code mknod}, {@code lchown},
 * {@code chmod}, {@code lsetxattr}) go through FFM ({@code Posix}), so run the JVM with
 * {@code --enable-native-access=ALL-UNNAMED} to silence its warning. A layer is unpacked into
 * {@code tmp/} and moved into place only after the digest of the blob and of the uncompressed tar
 * (the diff id) checked out, so a corrupt download leaves nothing behind.
 *
 * <p>Sources of images: {@code docker save} tarballs and OCI image layouts
 * ({@link io.shoal.agent.image.ImageStore#load}, {@code ImageImporter}; the archive is unpacked by
 * {@code ImageArchive}, which refuses entries and links that would lead out of its work
 * directory), and OCI distribution registries ({@code RegistryPuller} over {@code RegistryClient}:
 * manifests, manifest lists/indexes resolved to linux/amd64, blobs, bearer tokens; plain HTTP for
 * loopback registries). A {@code docker save} image gets a Docker schema 2 manifest written for
 * it, so {@code GET /distribution} has a digest to give the CLI and the pinned {@code name@digest}
 * resolves locally. The store's files (blobs, image records, {@code repositories.json}) are
 * replaced atomically and flushed to disk ({@code FileTrees.writeAtomically}).
 */
package io.shoal.agent.image;
