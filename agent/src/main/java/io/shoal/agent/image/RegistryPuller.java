package io.shoal.agent.image;

import com.fasterxml.jackson.databind.JsonNode;
import io.shoal.agent.image.ImageSource.ImageUnavailableException;
import io.shoal.agent.image.RegistryClient.RegistryException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code docker pull} of one image: its manifest by tag or digest (a manifest list's linux/amd64
 * entry), its config, and the layers this node lacks, downloaded and unpacked in parallel;
 * then the image is recorded under the name it was pulled by.
 */
final class RegistryPuller {
    private static final int MAX_CONFIG = 8 << 20;

    private final RegistryClient registry;
    private final LayerStore layers;
    private final NewImage.Recorder recorder;

    RegistryPuller(RegistryClient registry, LayerStore layers, NewImage.Recorder recorder) {
        this.registry = registry;
        this.layers = layers;
        this.recorder = recorder;
    }

    /**
     * Pulls and records the image; the caller holds the layers' {@link LayerStore#adding()} lock.
     *
     * @return the image's id
     */
    String pull(Reference ref, String registryAuth) throws ImageUnavailableException {
        try {
            RegistryClient.Session s = registry.session(ref, registryAuth);
            RegistryClient.Manifest top;
            try {
                top = s.manifest(ref.digest() != null ? ref.digest() : ref.tag());
            } catch (RegistryException e) {
                if (e.kind == RegistryException.Kind.NOT_FOUND
                        || e.kind == RegistryException.Kind.UNREACHABLE && ref.domain().equals(Reference.DOCKER_HUB)) {
                    throw new ImageUnavailableException("No such image: " + ref.familiar(), e);
                }
                throw new ImageUnavailableException(e.getMessage(), e);
            }
            Map<String, byte[]> manifests = new LinkedHashMap<>();
            manifests.put(top.digest(), top.body());
            RegistryClient.Manifest m = top;
            if (ImageJson.isIndex(top.mediaType())) {
                m = s.manifest(ImageJson.linuxAmd64(ImageJson.MAPPER.readTree(top.body()), ref.familiar()));
                manifests.put(m.digest(), m.body());
            }
            if (!m.mediaType().equals(RegistryClient.DOCKER_MANIFEST) && !m.mediaType().equals(RegistryClient.OCI_MANIFEST)) {
                throw new ImageUnavailableException("unsupported manifest media type " + m.mediaType() + " for " + ref.familiar());
            }
            JsonNode manifest = ImageJson.MAPPER.readTree(m.body());
            String configDigest = manifest.path("config").path("digest").asText();
            if (!Digests.isValid(configDigest)) throw new ImageUnavailableException("invalid config digest " + configDigest + " in the manifest of " + ref.familiar());
            byte[] config;
            try (InputStream in = s.blob(configDigest)) {
                config = in.readNBytes(MAX_CONFIG);
            }
            if (!Digests.of(config).equals(configDigest)) {
                throw new ImageUnavailableException("image config verification failed for digest " + configDigest);
            }
            List<String> diffIds = ImageJson.diffIds(config);
            JsonNode layerDescs = manifest.path("layers");
            if (layerDescs.size() != diffIds.size()) {
                throw new ImageUnavailableException("invalid image " + ref.familiar() + ": " + layerDescs.size()
                        + " layers in its manifest, " + diffIds.size() + " in its config");
            }
            pullLayers(s, diffIds, layerDescs);
            List<Reference> names = ref.tag() != null ? List.of(ref.withoutDigest()) : List.of();
            recorder.record(new NewImage(config, diffIds, top.mediaType(), top.body(), manifests, names,
                    List.of(ref.repository() + "@" + top.digest()), false));
            return configDigest;
        } catch (ImageUnavailableException e) {
            throw e;
        } catch (RegistryException e) {
            throw new ImageUnavailableException(e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            throw new ImageUnavailableException("pulling " + ref.familiar() + ": " + e.getMessage(), e);
        }
    }

    /** Downloads and unpacks the missing layers, each on a virtual thread of its own. */
    private void pullLayers(RegistryClient.Session s, List<String> diffIds, JsonNode layerDescs) throws IOException {
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> work = new ArrayList<>();
            for (int i = 0; i < diffIds.size(); i++) {
                String diffId = diffIds.get(i);
                String blobDigest = layerDescs.get(i).path("digest").asText();
                if (!Digests.isValid(blobDigest)) throw new IOException("invalid layer digest " + blobDigest);
                work.add(pool.submit(() -> {
                    layers.ensure(diffId, () -> s.blob(blobDigest), blobDigest);
                    return null;
                }));
            }
            for (Future<?> f : work) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof IOException io) throw io;
                    throw new IOException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while pulling layers");
                }
            }
        }
    }
}
