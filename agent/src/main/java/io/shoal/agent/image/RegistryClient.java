package io.shoal.agent.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The client side of the OCI distribution API v2, as much as a pull needs: manifests by tag or
 * digest, blobs, and the bearer-token dance (a 401 with {@code WWW-Authenticate: Bearer
 * realm=...,service=...,scope=...} sends us to the realm for a token, with the user's credentials
 * when given). Registries on {@code localhost}/loopback are spoken to over plain HTTP, as Docker
 * does with insecure registries; all others over HTTPS. Docker Hub is {@code registry-1.docker.io}.
 */
final class RegistryClient {
    static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    private static final String ACCEPT = String.join(", ", DOCKER_MANIFEST, DOCKER_LIST, OCI_MANIFEST, OCI_INDEX);
    private static final Pattern CHALLENGE_PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_MANIFEST = 4 << 20;

    /** Why a registry call failed; {@link Kind} tells a missing image from an unreachable registry. */
    static final class RegistryException extends IOException {
        enum Kind { NOT_FOUND, UNREACHABLE, UNAUTHORIZED, OTHER }

        final Kind kind;

        RegistryException(Kind kind, String message, Throwable cause) {
            super(message, cause);
            this.kind = kind;
        }
    }

    /** A manifest as the registry sent it. */
    record Manifest(byte[] body, String mediaType, String digest) {}

    /** Registry credentials from X-Registry-Auth. */
    record Credentials(String username, String password, String registryToken) {
        /** Decodes Docker's base64url JSON; null, empty or undecodable gives null (anonymous pull). */
        static Credentials decode(String registryAuth) {
            if (registryAuth == null || registryAuth.isBlank()) return null;
            String s = registryAuth.trim();
            byte[] json;
            try {
                json = Base64.getUrlDecoder().decode(s);
            } catch (IllegalArgumentException e) {
                try {
                    json = Base64.getDecoder().decode(s);
                } catch (IllegalArgumentException e2) {
                    return null;
                }
            }
            try {
                JsonNode n = JSON.readTree(json);
                String user = text(n, "username");
                String pass = text(n, "password");
                String token = text(n, "registrytoken");
                if (user == null && pass == null && token == null) return null;
                return new Credentials(user, pass, token);
            } catch (IOException e) {
                return null;
            }
        }

        private static String text(JsonNode n, String field) {
            JsonNode v = n.get(field);
            return v == null || v.isNull() || v.asText().isEmpty() ? null : v.asText();
        }
    }

    private final HttpClient http;

    RegistryClient(HttpClient http) {
        this.http = http;
    }

    static HttpClient defaultHttpClient() {
        return HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    /** A conversation with one repository of one registry; it keeps the token it was given. */
    Session session(Reference ref, String registryAuth) {
        return new Session(ref, Credentials.decode(registryAuth));
    }

    static boolean isLoopback(String domain) {
        String host = domain.startsWith("[") ? domain.substring(0, domain.indexOf(']') + 1)
                : domain.contains(":") ? domain.substring(0, domain.lastIndexOf(':')) : domain;
        return host.equals("localhost") || host.endsWith(".localhost") || host.startsWith("127.") || host.equals("[::1]");
    }

    static String baseUrl(String domain) {
        if (domain.equals(Reference.DOCKER_HUB)) return "https://registry-1.docker.io";
        return (isLoopback(domain) ? "http://" : "https://") + domain;
    }

    final class Session {
        private final Reference ref;
        private final Credentials credentials;
        private final String base;
        private final Map<String, String> tokens = new ConcurrentHashMap<>();
        private volatile String authorization;

        Session(Reference ref, Credentials credentials) {
            this.ref = ref;
            this.credentials = credentials;
            this.base = baseUrl(ref.domain());
            if (credentials != null && credentials.registryToken() != null) {
                authorization = "Bearer " + credentials.registryToken();
            }
        }

        /** The manifest named by a tag or digest; a digest is verified against the body. */
        Manifest manifest(String tagOrDigest) throws IOException {
            URI uri = URI.create(base + "/v2/" + ref.path() + "/manifests/" + tagOrDigest);
            HttpResponse<InputStream> r = send(HttpRequest.newBuilder(uri).header("Accept", ACCEPT).GET());
            byte[] body;
            try (InputStream in = r.body()) {
                if (r.statusCode() != 200) throw failure(r.statusCode(), in, "manifest for " + display(tagOrDigest));
                body = in.readNBytes(MAX_MANIFEST + 1);
            }
            if (body.length > MAX_MANIFEST) throw new RegistryException(RegistryException.Kind.OTHER, "manifest too large", null);
            String digest = Digests.of(body);
            if (tagOrDigest.startsWith("sha256:") && !digest.equals(tagOrDigest)) {
                throw new RegistryException(RegistryException.Kind.OTHER,
                        "manifest verification failed for digest " + tagOrDigest, null);
            }
            String mediaType = r.headers().firstValue("Content-Type").map(t -> t.split(";")[0].trim()).orElse("");
            JsonNode n = JSON.readTree(body);
            if (n.hasNonNull("mediaType")) mediaType = n.get("mediaType").asText();
            else if (!List.of(DOCKER_MANIFEST, DOCKER_LIST, OCI_MANIFEST, OCI_INDEX).contains(mediaType)) {
                mediaType = n.has("manifests") ? OCI_INDEX : OCI_MANIFEST;
            }
            return new Manifest(body, mediaType, digest);
        }

        /** The blob's content as a stream; the caller verifies the digest as it reads. */
        InputStream blob(String digest) throws IOException {
            URI uri = URI.create(base + "/v2/" + ref.path() + "/blobs/" + digest);
            HttpResponse<InputStream> r = send(HttpRequest.newBuilder(uri).GET());
            if (r.statusCode() != 200) {
                try (InputStream in = r.body()) {
                    throw failure(r.statusCode(), in, "blob " + digest + " of " + ref.familiarRepository());
                }
            }
            return r.body();
        }

        private String display(String tagOrDigest) {
            return ref.familiarRepository() + (tagOrDigest.startsWith("sha256:") ? "@" : ":") + tagOrDigest;
        }

        private HttpResponse<InputStream> send(HttpRequest.Builder request) throws IOException {
            HttpResponse<InputStream> r = exchange(request, authorization);
            if (r.statusCode() != 401) return r;
            String challenge = r.headers().firstValue("WWW-Authenticate").orElse("");
            r.body().close();
            String auth = authorize(challenge);
            if (auth == null) return exchange(request, authorization); // nothing better to offer: let it fail again
            authorization = auth;
            return exchange(request, auth);
        }

        private HttpResponse<InputStream> exchange(HttpRequest.Builder request, String auth) throws IOException {
            HttpRequest.Builder b = request.copy().timeout(Duration.ofMinutes(10));
            if (auth != null) b.setHeader("Authorization", auth);
            HttpRequest req = b.build();
            try {
                return http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            } catch (ConnectException | HttpTimeoutException | java.nio.channels.UnresolvedAddressException e) {
                throw unreachable(req.uri(), e);
            } catch (IOException e) {
                if (e.getCause() instanceof java.nio.channels.UnresolvedAddressException
                        || e.getCause() instanceof ConnectException) {
                    throw unreachable(req.uri(), e);
                }
                throw new RegistryException(RegistryException.Kind.UNREACHABLE,
                        "Get \"" + req.uri() + "\": " + describe(e), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while talking to " + req.uri());
            }
        }

        /** The Authorization header a challenge asks for, or null when we have nothing to answer with. */
        private String authorize(String challenge) throws IOException {
            String lower = challenge.toLowerCase();
            if (lower.startsWith("basic")) {
                return credentials == null || credentials.username() == null ? null : basic();
            }
            if (!lower.startsWith("bearer")) return null;
            Map<String, String> params = new LinkedHashMap<>();
            Matcher m = CHALLENGE_PARAM.matcher(challenge);
            while (m.find()) params.put(m.group(1).toLowerCase(), m.group(2));
            String realm = params.get("realm");
            if (realm == null) return null;
            String scope = params.getOrDefault("scope", "repository:" + ref.path() + ":pull");
            String cached = tokens.get(scope);
            if (cached != null && !("Bearer " + cached).equals(authorization)) return "Bearer " + cached;
            StringBuilder url = new StringBuilder(realm).append(realm.contains("?") ? "&" : "?");
            if (params.containsKey("service")) url.append("service=").append(enc(params.get("service"))).append('&');
            url.append("scope=").append(enc(scope));
            HttpRequest.Builder tokenRequest = HttpRequest.newBuilder(URI.create(url.toString())).GET();
            HttpResponse<InputStream> r = exchange(tokenRequest,
                    credentials != null && credentials.username() != null ? basic() : null);
            try (InputStream in = r.body()) {
                if (r.statusCode() != 200) {
                    throw new RegistryException(RegistryException.Kind.UNAUTHORIZED, "Head \"" + base + "/v2/" + ref.path()
                            + "\": unauthorized: " + new String(in.readNBytes(4096), StandardCharsets.UTF_8).trim(), null);
                }
                JsonNode n = JSON.readTree(in);
                String token = n.hasNonNull("token") ? n.get("token").asText()
                        : n.hasNonNull("access_token") ? n.get("access_token").asText() : null;
                if (token == null) throw new RegistryException(RegistryException.Kind.OTHER, "token server " + realm + " sent no token", null);
                tokens.put(scope, token);
                return "Bearer " + token;
            }
        }

        private String basic() {
            String pair = credentials.username() + ":" + (credentials.password() == null ? "" : credentials.password());
            return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
        }

        private RegistryException unreachable(URI uri, Exception e) {
            return new RegistryException(RegistryException.Kind.UNREACHABLE, "Get \"" + uri + "\": " + describe(e), e);
        }

        /** A registry error as Docker words it: "manifest for x:1 not found: manifest unknown: manifest unknown". */
        private RegistryException failure(int status, InputStream body, String what) throws IOException {
            String text = new String(body.readNBytes(64 << 10), StandardCharsets.UTF_8);
            String code = null;
            String message = null;
            try {
                JsonNode errors = JSON.readTree(text).path("errors");
                if (errors.isArray() && !errors.isEmpty()) {
                    code = errors.get(0).path("code").asText(null);
                    message = errors.get(0).path("message").asText(null);
                }
            } catch (IOException ignored) {
                // not JSON: the status says enough
            }
            String detail = message != null ? message.toLowerCase() + ": " + message : "status " + status;
            if (status == 404 || "MANIFEST_UNKNOWN".equals(code) || "NAME_UNKNOWN".equals(code) || "BLOB_UNKNOWN".equals(code)) {
                return new RegistryException(RegistryException.Kind.NOT_FOUND, what + " not found: " + detail, null);
            }
            if (status == 401 || status == 403) {
                return new RegistryException(RegistryException.Kind.UNAUTHORIZED, "pull access denied for "
                        + ref.familiarRepository() + ", repository does not exist or may require 'docker login': " + detail, null);
            }
            return new RegistryException(RegistryException.Kind.OTHER, "error from registry for " + what + ": " + detail, null);
        }
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        if (e instanceof ConnectException || e.getCause() instanceof ConnectException) return "connection refused";
        if (e instanceof HttpTimeoutException) return "timeout";
        return m != null ? m : e.getClass().getSimpleName();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
