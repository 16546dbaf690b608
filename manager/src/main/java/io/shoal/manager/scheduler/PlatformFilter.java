package io.shoal.manager.scheduler;

import io.shoal.api.Platform;
import io.shoal.api.TaskSpec;
import java.util.List;
import java.util.Optional;

/** The node's OS and architecture are among the platforms the image supports. */
record PlatformFilter(List<Platform> platforms) implements Filter {

    static Optional<Filter> forTask(TaskSpec spec) {
        if (spec == null || spec.placement() == null || spec.placement().platforms() == null
                || spec.placement().platforms().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new PlatformFilter(spec.placement().platforms()));
    }

    @Override
    public boolean check(NodeInfo node) {
        var d = node.node().description();
        if (d == null || d.platform() == null) return false;
        for (Platform p : platforms) {
            if (accepts(goArch(p.architecture()), goArch(d.platform().architecture()))
                    && accepts(p.os(), d.platform().os())) {
                return true;
            }
        }
        return false;
    }

    /** An empty wanted value accepts anything. */
    private static boolean accepts(String wanted, String actual) {
        return wanted == null || wanted.isEmpty() || wanted.equals(actual);
    }

    /** Architectures under their Go names, as images and swarmkit spell them. */
    private static String goArch(String arch) {
        if (arch == null) return null;
        return switch (arch) {
            case "x86_64" -> "amd64";
            case "aarch64" -> "arm64";
            default -> arch;
        };
    }

    @Override
    public String explain(int nodes) {
        return "unsupported platform on " + Filter.nodes(nodes);
    }
}
