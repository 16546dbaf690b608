package io.shoal.agent.exec;

import io.shoal.api.Node;
import io.shoal.api.Platform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** This host as every executor describes it to the managers: platform, CPUs, memory, engine. */
public final class NodeFacts {
    private NodeFacts() {}

    /** {@code plugins}: the network plugins the node's tasks can use (none: left out, as Docker's engine does). */
    public static Node.Description describe(String hostname, String engineVersion, Map<String, String> engineLabels,
                                            List<Node.PluginDescription> plugins) {
        return new Node.Description(
                hostname,
                new Platform(dockerArchitecture(System.getProperty("os.arch")), "linux"),
                new Node.Resources(Runtime.getRuntime().availableProcessors() * 1_000_000_000L, memTotalBytes()),
                new Node.Engine(engineVersion, engineLabels, plugins.isEmpty() ? null : plugins),
                null);
    }

    /** Docker reports `uname -m`; the JVM says amd64 where the kernel says x86_64. */
    static String dockerArchitecture(String javaArch) {
        return switch (javaArch) {
            case "amd64" -> "x86_64";
            case "arm64" -> "aarch64";
            default -> javaArch;
        };
    }

    private static long memTotalBytes() {
        try (var lines = Files.lines(Path.of("/proc/meminfo"))) {
            return lines.filter(l -> l.startsWith("MemTotal:"))
                    .map(l -> Long.parseLong(l.replaceAll("\\D", "")) * 1024)
                    .findFirst().orElse(0L);
        } catch (IOException e) {
            return 0;
        }
    }
}
