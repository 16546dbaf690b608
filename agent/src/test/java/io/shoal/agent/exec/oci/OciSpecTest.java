package io.shoal.agent.exec.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.shoal.agent.image.ImageConfig;
import io.shoal.api.Ids;
import io.shoal.api.ContainerSpec;
import io.shoal.api.Json;
import io.shoal.api.Task;
import io.shoal.api.TaskSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config.json as Docker would make it; no root needed. */
class OciSpecTest {
    /** Docker's default hostname: the first 12 digits of the container id. */
    private static final String CONTAINER_HOSTNAME = Ids.containerIdOf("abcdefghijklmnopqrstuvwxy").substring(0, 12);
    private static final ImageConfig IMAGE = new ImageConfig(List.of("/entry"), List.of("default-cmd"),
            List.of("PATH=/img/bin", "A=image", "B=image"), "/work", "app", "SIGQUIT",
            new ImageConfig.Healthcheck(List.of("CMD-SHELL", "check"), 5_000_000_000L, 0, 0, 0));

    @TempDir Path rootfs;

    private static ContainerSpec spec(Map<String, Object> fields) {
        var f = new HashMap<String, Object>(fields);
        f.put("Image", "img");
        f.put("TTY", false);
        f.put("OpenStdin", false);
        f.putIfAbsent("ReadOnly", false);
        return Json.MAPPER.convertValue(f, ContainerSpec.class);
    }

    private OciSpec.Plan plan(Map<String, Object> fields, TaskSpec.Resources res, List<TaskSpec.NetworkAttachmentConfig> nets) throws IOException {
        Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n");
        Files.writeString(rootfs.resolve("etc/group"), "root:x:0:\napp:x:1000:\nextra:x:2000:app\n");
        var t = new Task("abcdefghijklmnopqrstuvwxy", null, null, null, "s.1", null,
                new TaskSpec(null, spec(fields), null, res, null, null, 0, null, nets, null), "s", 1, "n", null, null, null, null);
        var host = new OciSpec.Host(rootfs, Path.of("/b/hosts"), Path.of("/b/hostname"), null, n -> Path.of("/v", n), null, null);
        return OciSpec.plan(t, IMAGE, host);
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void mergesCommandAndArgsAsDockerDoes() {
        assertEquals(List.of("/entry", "default-cmd"), OciSpec.args(spec(Map.of()), IMAGE));
        assertEquals(List.of("/entry", "x"), OciSpec.args(spec(Map.of("Args", List.of("x"))), IMAGE));
        assertEquals(List.of("sh", "-c", "y"), OciSpec.args(spec(Map.of("Command", List.of("sh", "-c"), "Args", List.of("y"))), IMAGE));
        assertEquals(List.of("cmd"), OciSpec.args(spec(Map.of("Command", List.of("cmd"))), IMAGE), "no image Cmd after a Command");
        var empty = new ImageConfig(null, null, null, null, null, null, null);
        assertEquals("no command specified", assertThrows(IllegalArgumentException.class, () -> OciSpec.args(spec(Map.of()), empty)).getMessage());
    }

    @Test
    void imageDefaultsUnderTheSpec() throws IOException {
        var c = plan(Map.of("Env", List.of("B=spec", "C=spec", "A")), null, null);
        JsonNode p = c.config().path("process");
        assertEquals(List.of("PATH=/img/bin", "HOSTNAME=" + CONTAINER_HOSTNAME, "B=spec", "C=spec", "HOME=/home/app"), strings(p.path("env")));
        assertEquals("/work", p.path("cwd").asText());
        assertEquals(1000, p.path("user").path("uid").asInt());
        assertEquals(1000, p.path("user").path("gid").asInt());
        assertEquals(List.of("2000"), strings(p.path("user").path("additionalGids")));
        assertEquals(CONTAINER_HOSTNAME, c.config().path("hostname").asText());
        assertEquals(3, c.stopSignal());
        assertEquals(new OciSpec.HealthCheck(List.of("CMD-SHELL", "check"), 5_000_000_000L, 30_000_000_000L, 3, 0), c.healthCheck());
        assertEquals(List.of("/bin/sh", "-c", "check"), c.healthCheck().command());
        assertTrue(p.path("capabilities").path("effective").isEmpty(), "a non-root user has no effective capabilities");
    }

    @Test
    void specOverridesAndLimits() throws IOException {
        var c = plan(Map.ofEntries(Map.entry("User", "0:extra"), Map.entry("Dir", "/d"), Map.entry("Hostname", "web"),
                        Map.entry("StopSignal", "9"), Map.entry("ReadOnly", true),
                        Map.entry("CapabilityAdd", List.of("NET_ADMIN", "CAP_SYS_TIME")), Map.entry("CapabilityDrop", List.of("cap_chown", "MKNOD")),
                        Map.entry("Ulimits", List.of(Map.of("Name", "nofile", "Soft", 1024, "Hard", 2048))),
                        Map.entry("Sysctls", Map.of("net.ipv4.ip_forward", "1")), Map.entry("OomScoreAdj", 500),
                        Map.entry("Healthcheck", Map.of("Test", List.of("NONE")))),
                new TaskSpec.Resources(new TaskSpec.Limits(1_500_000_000L, 32L << 20, 50), null, null, null),
                List.of(new TaskSpec.NetworkAttachmentConfig("host", null, null)));
        JsonNode cfg = c.config();
        JsonNode p = cfg.path("process");
        assertEquals(0, p.path("user").path("uid").asInt());
        assertEquals(2000, p.path("user").path("gid").asInt());
        assertEquals("/d", p.path("cwd").asText());
        assertEquals("web", cfg.path("hostname").asText());
        assertEquals(9, c.stopSignal());
        assertNull(c.healthCheck());
        assertTrue(cfg.path("root").path("readonly").asBoolean());
        List<String> caps = strings(p.path("capabilities").path("bounding"));
        assertTrue(caps.containsAll(List.of("CAP_NET_ADMIN", "CAP_SYS_TIME", "CAP_KILL")));
        assertFalse(caps.contains("CAP_CHOWN") || caps.contains("CAP_MKNOD"));
        assertEquals(caps, strings(p.path("capabilities").path("effective")));
        assertEquals("RLIMIT_NOFILE", p.path("rlimits").get(0).path("type").asText());
        assertEquals(2048, p.path("rlimits").get(0).path("hard").asLong());
        assertEquals(500, p.path("oomScoreAdj").asInt());
        JsonNode linux = cfg.path("linux");
        assertEquals("/shoal/abcdefghijklmnopqrstuvwxy", linux.path("cgroupsPath").asText());
        assertEquals(32L << 20, linux.path("resources").path("memory").path("limit").asLong());
        assertEquals(32L << 20, linux.path("resources").path("memory").path("swap").asLong(), "no swap");
        assertEquals(150_000, linux.path("resources").path("cpu").path("quota").asLong());
        assertEquals(100_000, linux.path("resources").path("cpu").path("period").asLong());
        assertEquals(50, linux.path("resources").path("pids").path("limit").asLong());
        assertEquals("1", linux.path("sysctl").path("net.ipv4.ip_forward").asText());
        List<String> ns = new ArrayList<>();
        linux.path("namespaces").forEach(n -> ns.add(n.path("type").asText()));
        assertEquals(List.of("pid", "mount", "ipc", "uts"), ns, "host network: no network namespace");
        assertEquals(OciSpec.MASKED_PATHS, strings(linux.path("maskedPaths")));
    }

    @Test
    void allCapabilitiesAndErrors() throws IOException {
        var all = plan(Map.of("CapabilityAdd", List.of("ALL"), "CapabilityDrop", List.of("NET_RAW"), "User", "root"), null, null);
        List<String> caps = strings(all.config().path("process").path("capabilities").path("bounding"));
        assertEquals(OciSpec.ALL_CAPS.size() - 1, caps.size());
        var none = plan(Map.of("CapabilityDrop", List.of("ALL"), "CapabilityAdd", List.of("KILL"), "User", "0"), null, null);
        assertEquals(List.of("CAP_KILL"), strings(none.config().path("process").path("capabilities").path("bounding")));
        assertThrows(IllegalArgumentException.class, () -> plan(Map.of("CapabilityAdd", List.of("NOPE")), null, null));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> plan(Map.of("Init", true), null, null))
                .getMessage().startsWith("Init is not supported"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> plan(Map.of("Mounts", List.of(
                Map.of("Type", "bind", "Source", "/does/not/exist", "Target", "/x"))), null, null))
                .getMessage().contains("bind source path does not exist"));
    }

    @Test
    void resolvesUsersAsDockerDoes() throws IOException {
        plan(Map.of(), null, null); // writes the files
        assertEquals(new Users.ExecUser(0, 0, List.of(), "/root"), Users.resolve("", null, rootfs));
        assertEquals(new Users.ExecUser(4242, 0, List.of(), "/"), Users.resolve("4242", null, rootfs));
        assertEquals(new Users.ExecUser(1000, 7, List.of(1000L), "/home/app"), Users.resolve("app:7", List.of("app"), rootfs));
        assertThrows(IllegalArgumentException.class, () -> Users.resolve("1000:nogroup", null, rootfs));
        assertEquals(new Users.ExecUser(65534, 0, List.of(), "/"), Users.resolve("65534", null, null), "no passwd file");
    }
}
