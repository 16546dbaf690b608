package io.shoal.daemon.engineapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.shoal.agent.image.ImageStore;
import io.shoal.api.ApiException;
import io.shoal.api.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The image endpoints through the router, with the JSON the docker CLI reads. */
class ImageRoutesTest {
    @TempDir
    Path dir;
    Router router;
    String imageId;
    volatile String usedBy;

    @BeforeEach
    void setUp() throws Exception {
        router = new Router();
        new ImageRoutes(new ImageStore(dir.resolve("images")), id -> usedBy).register(router);
    }

    private Object call(String method, String path, Map<String, List<String>> query, byte[] body) throws Exception {
        boolean[] known = {false};
        Router.Match m = router.match(method, path, known);
        assertNotNull(m, method + " " + path + " is routed");
        return m.handler().handle(m.streamsBody()
                ? new ApiRequest(method, path, m.params(), query, Map.of(), new byte[0], new java.io.ByteArrayInputStream(body))
                : new ApiRequest(method, path, m.params(), query, Map.of(), body, java.io.InputStream.nullInputStream()));
    }

    private Object call(String method, String path) throws Exception {
        return call(method, path, Map.of(), new byte[0]);
    }

    private static JsonNode json(Object reply) throws IOException {
        Object body = reply instanceof Router.Reply r ? r.body() : reply;
        return Json.MAPPER.readTree(Json.MAPPER.writeValueAsBytes(body));
    }

    private void loadTestImage(String tag) throws Exception {
        byte[] layer = tar(Map.of("hello.txt", "hello".getBytes(StandardCharsets.UTF_8)));
        String diffId = sha256(layer);
        String config = """
                {"architecture":"amd64","os":"linux","created":"2024-05-01T12:00:00Z",
                 "config":{"Cmd":["sh"],"Env":["PATH=/bin"],"Labels":{"a":"b"}},
                 "rootfs":{"type":"layers","diff_ids":["%s"]}}""".formatted(diffId);
        imageId = sha256(config.getBytes(StandardCharsets.UTF_8));
        String manifest = "[{\"Config\":\"config.json\",\"RepoTags\":[\"" + tag + "\"],\"Layers\":[\"l/layer.tar\"]}]";
        byte[] archive = tar(Map.of("config.json", config.getBytes(StandardCharsets.UTF_8), "l/layer.tar", layer,
                "manifest.json", manifest.getBytes(StandardCharsets.UTF_8)));
        Object reply = call("POST", "/images/load", Map.of("quiet", List.of("1")), archive);
        Router.Reply r = (Router.Reply) reply;
        assertEquals(200, r.status());
        assertEquals("application/json", r.contentType());
        String stream = new String(Json.MAPPER.writeValueAsBytes(r.body()), StandardCharsets.UTF_8);
        assertEquals("{\"stream\":\"Loaded image: " + tag + "\\n\"}\n", stream);
        assertEquals("Loaded image: " + tag + "\n", new ObjectMapper().readTree(stream).get("stream").asText());
    }

    @Test
    void loadListInspectTagDistributionRemove() throws Exception {
        loadTestImage("localhost:5000/team/app:1");

        JsonNode list = json(call("GET", "/images/json"));
        assertEquals(1, list.size());
        JsonNode s = list.get(0);
        assertEquals(imageId, s.get("Id").asText());
        assertEquals("", s.get("ParentId").asText());
        assertEquals("[\"localhost:5000/team/app:1\"]", s.get("RepoTags").toString());
        assertEquals("[]", s.get("RepoDigests").toString());
        assertEquals(1714564800L, s.get("Created").asLong());
        assertEquals(5, s.get("Size").asLong());
        assertEquals(-1, s.get("SharedSize").asLong());
        assertEquals(-1, s.get("Containers").asLong());
        assertEquals("b", s.get("Labels").get("a").asText());

        JsonNode i = json(call("GET", "/images/localhost:5000/team/app:1/json"));
        assertEquals(imageId, i.get("Id").asText());
        assertEquals("[\"sh\"]", i.get("Config").get("Cmd").toString());
        assertEquals("layers", i.get("RootFS").get("Type").asText());
        assertEquals(1, i.get("RootFS").get("Layers").size());
        assertEquals("amd64", i.get("Architecture").asText());
        assertEquals("linux", i.get("Os").asText());
        assertEquals(imageId, json(call("GET", "/images/" + imageId.substring(7, 19) + "/json")).get("Id").asText());

        ApiException missing = assertThrows(ApiException.class, () -> call("GET", "/images/nope/json"));
        assertEquals(404, missing.status());
        assertEquals("No such image: nope", missing.getMessage());
        assertEquals(501, assertThrows(ApiException.class, () -> call("GET", "/images/busybox/history")).status());

        Router.Reply tagged = (Router.Reply) call("POST", "/images/localhost:5000/team/app:1/tag",
                Map.of("repo", List.of("busybox"), "tag", List.of("2")), new byte[0]);
        assertEquals(201, tagged.status());
        assertEquals(imageId, json(call("GET", "/images/busybox:2/json")).get("Id").asText());

        JsonNode d = json(call("GET", "/distribution/busybox:2/json"));
        assertEquals("application/vnd.docker.distribution.manifest.v2+json", d.get("Descriptor").get("mediaType").asText());
        assertTrue(d.get("Descriptor").get("digest").asText().startsWith("sha256:"));
        assertTrue(d.get("Descriptor").get("size").asLong() > 0);
        assertEquals("[{\"architecture\":\"amd64\",\"os\":\"linux\"}]", d.get("Platforms").toString());
        assertEquals(404, assertThrows(ApiException.class, () -> call("GET", "/distribution/busybox:3/json")).status());

        // In use: the last name can't go without force.
        assertEquals("[{\"Untagged\":\"busybox:2\"}]", json(call("DELETE", "/images/busybox:2")).toString());
        usedBy = "abcdef0123456789";
        ApiException conflict = assertThrows(ApiException.class, () -> call("DELETE", "/images/localhost:5000/team/app:1"));
        assertEquals(409, conflict.status());
        assertTrue(conflict.getMessage().startsWith("conflict: unable to remove repository reference \"localhost:5000/team/app:1\" (must force)"),
                conflict.getMessage());
        usedBy = null;
        JsonNode deleted = json(call("DELETE", "/images/localhost:5000/team/app:1"));
        assertEquals("[{\"Untagged\":\"localhost:5000/team/app:1\"},{\"Deleted\":\"" + imageId + "\"}]", deleted.toString());
        assertEquals(0, json(call("GET", "/images/json")).size());
    }

    @Test
    void badArchivesAreTheClientsError() {
        ApiException empty = assertThrows(ApiException.class, () -> call("POST", "/images/load", Map.of(), new byte[0]));
        assertEquals(400, empty.status());
        ApiException junk = assertThrows(ApiException.class, () -> call("POST", "/images/load", Map.of(), "junk".getBytes()));
        assertEquals(400, junk.status());
    }

    @Test
    void pullOfAnImageThatIsHereIsUpToDate() throws Exception {
        loadTestImage("busybox:latest");
        Router.Reply r = (Router.Reply) call("POST", "/images/create", Map.of("fromImage", List.of("busybox"), "tag", List.of("latest")), new byte[0]);
        String stream = new String(Json.MAPPER.writeValueAsBytes(r.body()), StandardCharsets.UTF_8);
        assertEquals("{\"status\":\"Status: Image is up to date for busybox:latest\"}\n", stream);
        ApiException e = assertThrows(ApiException.class, () -> call("POST", "/images/create",
                Map.of("fromImage", List.of("127.0.0.1:1/nothing")), new byte[0]));
        assertEquals(404, e.status());
    }

    private static String sha256(byte[] b) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private static byte[] tar(Map<String, byte[]> files) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
            for (var f : new java.util.TreeMap<>(files).entrySet()) {
                TarArchiveEntry e = new TarArchiveEntry(f.getKey());
                e.setSize(f.getValue().length);
                e.setMode(0100644);
                t.putArchiveEntry(e);
                t.write(f.getValue());
                t.closeArchiveEntry();
            }
        }
        return out.toByteArray();
    }
}
