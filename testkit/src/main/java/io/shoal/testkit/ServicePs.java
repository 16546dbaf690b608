package io.shoal.testkit;

import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** A service's tasks as the docker CLI shows them: which run, and on which nodes. */
public final class ServicePs {
    private ServicePs() {}

    /**
     * The full ids of the service's tasks whose desired and observed states are both running (a
     * task removed between the listing and its inspection is not).
     */
    public static Set<String> runningTasks(DaemonProcess d, String service) {
        try {
            Set<String> out = new TreeSet<>();
            for (String id : d.dockerOk("service", "ps", "-q", "--no-trunc", "--filter", "desired-state=running", service).lines().toList()) {
                DaemonProcess.Result r = d.docker("inspect", "--type", "task", id, "--format", "{{.Status.State}}");
                if (r.exit() == 0 && r.out().trim().equals("running")) out.add(id);
            }
            return out;
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Node hostname to how many of the service's tasks run there, as {@code docker service ps}
     * shows them; empty when {@code d} refuses (not a manager, no leader).
     */
    public static Map<String, Long> runningPerNode(DaemonProcess d, String service) {
        try {
            DaemonProcess.Result r = d.docker("service", "ps", "--filter", "desired-state=running",
                    "--format", "{{.Node}} {{.CurrentState}}", service);
            if (r.exit() != 0) return Map.of();
            return r.out().lines().filter(l -> l.contains(" Running")).map(l -> l.split(" ")[0])
                    .collect(Collectors.groupingBy(n -> n, Collectors.counting()));
        } catch (IOException | InterruptedException e) {
            return Map.of();
        }
    }

    /** How many of the service's tasks run, on whichever nodes; 0 when {@code d} refuses. */
    public static long runningCount(DaemonProcess d, String service) {
        return runningPerNode(d, service).values().stream().mapToLong(Long::longValue).sum();
    }
}
