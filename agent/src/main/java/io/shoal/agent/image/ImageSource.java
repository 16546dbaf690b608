package io.shoal.agent.image;

/** Where an executor gets a task's image: from this node's store, pulling it when it is missing. */
@FunctionalInterface
public interface ImageSource {
    /**
     * @param reference as the service names it, e.g. {@code busybox}, {@code localhost:5000/app:2}, {@code app@sha256:...}
     * @param registryAuth the base64url JSON X-Registry-Auth the user gave, or null
     * @throws ImageUnavailableException with Docker's wording ("No such image: NAME") or the registry's error
     */
    Image get(String reference, String registryAuth) throws ImageUnavailableException;

    final class ImageUnavailableException extends Exception {
        public ImageUnavailableException(String message) {
            super(message);
        }

        public ImageUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
