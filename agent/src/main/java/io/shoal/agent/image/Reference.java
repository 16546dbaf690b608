package io.shoal.agent.image;

import java.util.regex.Pattern;

/**
 * An image reference normalised as Docker does: {@code busybox} is
 * {@code docker.io/library/busybox:latest}, {@code localhost:5000/x} is {@code localhost:5000/x:latest},
 * {@code app@sha256:...} carries a digest (and then no default tag).
 *
 * @param domain the registry host (and port), {@code docker.io} by default
 * @param path the repository inside the registry, {@code library/busybox}
 * @param tag the tag, or null when only a digest was given
 * @param digest {@code sha256:<hex>}, or null
 */
public record Reference(String domain, String path, String tag, String digest) {
    public static final String DOCKER_HUB = "docker.io";
    private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
    private static final Pattern DOMAIN = Pattern.compile("(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?");

    /** Parses {@code name[:tag][@digest]}; a name without tag or digest gets {@code latest}. */
    public static Reference parse(String text) {
        Reference r = parseLoose(text);
        return r.tag == null && r.digest == null ? r.withTag("latest") : r;
    }

    /** Parses without adding {@code latest}: {@code docker tag SRC busybox} is another matter than a missing tag. */
    public static Reference parseLoose(String text) {
        if (text == null || text.isEmpty()) throw new IllegalArgumentException("invalid reference format: empty name");
        String rest = text;
        String digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = rest.substring(at + 1);
            rest = rest.substring(0, at);
            if (!Digests.isValid(digest)) throw new IllegalArgumentException("invalid reference format: bad digest in " + text);
        }
        String tag = null;
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches()) throw new IllegalArgumentException("invalid reference format: bad tag in " + text);
        }
        String domain = DOCKER_HUB;
        String path = rest;
        int slash = rest.indexOf('/');
        if (slash > 0) {
            String first = rest.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost") || !first.equals(first.toLowerCase())) {
                if (!DOMAIN.matcher(first).matches()) throw new IllegalArgumentException("invalid reference format: bad registry in " + text);
                domain = first;
                path = rest.substring(slash + 1);
            }
        }
        if (domain.equals("index.docker.io")) domain = DOCKER_HUB;
        for (String c : path.split("/", -1)) {
            if (!COMPONENT.matcher(c).matches()) {
                throw new IllegalArgumentException(!c.equals(c.toLowerCase())
                        ? "invalid reference format: repository name (" + path + ") must be lowercase"
                        : "invalid reference format: " + text);
            }
        }
        if (domain.equals(DOCKER_HUB) && !path.contains("/")) path = "library/" + path;
        return new Reference(domain, path, tag, digest);
    }

    /** The normalised repository, {@code docker.io/library/busybox}. */
    public String repository() {
        return domain + "/" + path;
    }

    /** The repository as {@code docker images} shows it: {@code busybox}, {@code user/app}, {@code localhost:5000/x}. */
    public String familiarRepository() {
        if (!domain.equals(DOCKER_HUB)) return repository();
        return path.startsWith("library/") && path.indexOf('/', 8) < 0 ? path.substring(8) : path;
    }

    public Reference withTag(String t) {
        return new Reference(domain, path, t, digest);
    }

    public Reference withoutDigest() {
        return new Reference(domain, path, tag, null);
    }

    /** {@code docker.io/library/busybox:latest}: the key of a tag in the store's index; null without a tag. */
    public String tagKey() {
        return tag == null ? null : repository() + ":" + tag;
    }

    /** {@code docker.io/library/busybox@sha256:...}; null without a digest. */
    public String digestKey() {
        return digest == null ? null : repository() + "@" + digest;
    }

    /** As Docker prints it: {@code busybox:latest}, {@code busybox@sha256:...}, {@code x:1@sha256:...}. */
    public String familiar() {
        return familiarRepository() + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }

    @Override
    public String toString() {
        return repository() + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }
}
