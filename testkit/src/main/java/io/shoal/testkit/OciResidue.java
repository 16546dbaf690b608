package io.shoal.testkit;

import io.shoal.common.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * What daemons with the {@code oci} executor leave on the host when they are killed rather than
 * asked to leave their swarm: runc containers keep running (they are meant to survive the daemon),
 * with their monitors, overlay mounts and cgroups. {@link #sweep} removes all of it for the daemons
 * whose dirs lie under a directory, then the directory itself.
 */
public final class OciResidue {
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

    private OciResidue() {}

    /** The container ids runc knows under a daemon's data dir (any status). */
    public static Set<String> runcContainers(Path dataDir) throws IOException {
        return containersOf(dataDir.resolve("oci/runc"));
    }

    /** Mount points (from this process's mountinfo) that lie under the dir. */
    public static List<String> mountsUnder(Path dir) throws IOException {
        String prefix = dir.toAbsolutePath() + "/";
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .map(l -> l.split(" ")[4]).filter(m -> m.startsWith(prefix)).toList();
    }

    /** Processes other than this one whose command line mentions the dir (monitors, runc, daemons). */
    public static List<Long> processesMentioning(Path dir) {
        String needle = dir.toAbsolutePath().toString();
        return ProcessHandle.allProcesses()
                .filter(h -> h.pid() != ProcessHandle.current().pid())
                .filter(h -> h.info().commandLine().map(c -> c.contains(needle)).orElse(false))
                .map(ProcessHandle::pid).toList();
    }

    /** The cgroup directories the oci executor made for a container (task) id, in any hierarchy. */
    public static List<Path> cgroupDirs(String id) {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> roots = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path r : roots.toList()) {
                for (Path d : List.of(r.resolve("shoal").resolve(id), r.resolve(id))) if (Files.isDirectory(d)) out.add(d);
            }
        } catch (IOException e) {
            // no cgroups
        }
        return out;
    }

    /**
     * Removes everything the daemons under {@code dir} left: processes mentioning it killed by pid,
     * every runc container (any {@code oci/runc} root below it) force-deleted, mounts undone, the
     * containers' cgroups removed, then the dir. Best effort: it reports what it could not remove on
     * stderr and goes on.
     */
    public static void sweep(Path dir) {
        try {
            if (!Files.isDirectory(dir)) return;
            for (long pid : processesMentioning(dir)) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            Set<String> ids = new TreeSet<>();
            for (Path runcRoot : runcRoots(dir)) {
                Set<String> here = containersOf(runcRoot);
                Path bundles = runcRoot.resolveSibling("containers");
                if (Files.isDirectory(bundles)) {
                    try (Stream<Path> s = Files.list(bundles)) {
                        s.forEach(b -> here.add(b.getFileName().toString()));
                    }
                }
                for (String id : here) run("runc", "--root", runcRoot.toString(), "delete", "--force", id);
                ids.addAll(here);
            }
            List<String> mounts = new ArrayList<>(mountsUnder(dir));
            mounts.sort(Comparator.reverseOrder());
            for (String m : mounts) {
                if (run("umount", m).exit() != 0) run("umount", "-l", m);
            }
            for (String id : ids) {
                for (Path cg : cgroupDirs(id)) {
                    try (Stream<Path> t = Files.walk(cg)) {
                        for (Path p : t.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
                    } catch (IOException e) {
                        System.err.println("removing cgroup " + cg + ": " + e);
                    }
                }
            }
            if (mountsUnder(dir).isEmpty()) FileTrees.delete(dir);
            else System.err.println("left " + dir + ": still mounted " + mountsUnder(dir));
        } catch (IOException e) {
            System.err.println("sweeping " + dir + ": " + e);
        }
    }

    /**
     * Sweeps the dirs in {@code parent} whose names start with {@code prefix} and in which no daemon
     * runs any more: what runs killed before their clean-up left. Dirs of live runs are kept.
     */
    public static void sweepStale(Path parent, String prefix) throws IOException {
        try (Stream<Path> s = Files.list(parent)) {
            for (Path d : s.filter(p -> p.getFileName().toString().startsWith(prefix)).toList()) {
                boolean daemonAlive = processesMentioning(d).stream()
                        .anyMatch(pid -> ProcessHandle.of(pid).flatMap(h -> h.info().command()).map(c -> c.endsWith("/java")).orElse(false));
                if (!daemonAlive) sweep(d);
            }
        }
    }

    private static List<Path> runcRoots(Path dir) throws IOException {
        try (Stream<Path> found = Files.find(dir, 6, (p, a) -> a.isDirectory() && p.endsWith("oci/runc"))) {
            return found.toList();
        }
    }

    private static Set<String> containersOf(Path runcRoot) throws IOException {
        Set<String> out = new TreeSet<>();
        if (!Files.isDirectory(runcRoot)) return out;
        DaemonProcess.Result r = run("runc", "--root", runcRoot.toString(), "list", "-q");
        if (r.exit() == 0) out.addAll(r.out().lines().map(String::strip).filter(s -> !s.isEmpty()).toList());
        return out;
    }

    private static DaemonProcess.Result run(String... argv) throws IOException {
        return Exec.run(List.of(argv), null, COMMAND_TIMEOUT);
    }
}
