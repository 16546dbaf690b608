package io.shoal.agent.exec.oci;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The node facts describe() reports. The same two helpers are private in ProcessExecutor; making
 * them one shared class (e.g. {@code exec/NodeFacts}) is a change outside this package.
 */
final class NodeFacts {
    private NodeFacts() {}

    /** Docker reports `uname -m`; the JVM says amd64 where the kernel says x86_64. */
    static String dockerArchitecture(String javaArch) {
        return switch (javaArch) {
            case "amd64" -> "x86_64";
            case "arm64" -> "aarch64";
            default -> javaArch;
        };
    }

    static long memTotalBytes() {
        try (var lines = Files.lines(Path.of("/proc/meminfo"))) {
            return lines.filter(l -> l.startsWith("MemTotal:"))
                    .map(l -> Long.parseLong(l.replaceAll("\\D", "")) * 1024)
                    .findFirst().orElse(0L);
        } catch (IOException e) {
            return 0;
        }
    }
}
