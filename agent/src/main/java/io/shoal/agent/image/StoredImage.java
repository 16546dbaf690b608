package io.shoal.agent.image;

import java.util.List;

/**
 * An image as the store records it, in {@code images/HEX.json}.
 *
 * @param id the digest of its config
 * @param diffIds its layers, lowest first
 * @param manifestMediaType the type of the manifest (or manifest list) {@code GET /distribution} answers with
 * @param manifestDigest that manifest's digest
 * @param manifestSize that manifest's length
 * @param manifestDigests every manifest known to lead to this image (a list's and its entry's), all kept as blobs
 * @param size the size of its layers' files
 * @param lastTagTime when it was last loaded, pulled or tagged (epoch milliseconds)
 */
record StoredImage(String id, List<String> diffIds, String manifestMediaType, String manifestDigest, long manifestSize,
                   List<String> manifestDigests, long size, long lastTagTime) {

    StoredImage taggedAt(long time) {
        return new StoredImage(id, diffIds, manifestMediaType, manifestDigest, manifestSize, manifestDigests, size, time);
    }
}
