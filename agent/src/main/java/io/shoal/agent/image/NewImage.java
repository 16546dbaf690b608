package io.shoal.agent.image;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * An image whose layers are in place, as an importer or the puller hands it to the store to record.
 *
 * @param config its config, whose digest is its id
 * @param diffIds its layers, lowest first
 * @param manifestType the type of {@code manifest}
 * @param manifest the manifest (or manifest list) {@code GET /distribution} answers with
 * @param manifests every manifest that leads to the image, by digest, {@code manifest} first
 * @param names the tags it comes with
 * @param repoDigests the digest keys it comes with ({@code docker.io/library/busybox@sha256:...})
 * @param synthesized whether {@code manifest} was written for an archive that had none ({@code
 *     docker save}): a real one recorded before stays the one {@code /distribution} answers with
 */
record NewImage(byte[] config, List<String> diffIds, String manifestType, byte[] manifest, Map<String, byte[]> manifests,
                List<Reference> names, List<String> repoDigests, boolean synthesized) {

    String id() {
        return Digests.of(config);
    }

    /** Records new images: the store, for its importers and its puller. */
    @FunctionalInterface
    interface Recorder {
        void record(NewImage image) throws IOException;
    }
}
