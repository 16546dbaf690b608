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
 * asked to leave their swarm: containers keep running (they are meant to survive the daemon), with
 * their reaper, overlay mounts, cgroups and the executor's tmpfs under /run/shoal (its bundles and
 * the runtimes' roots; its {@code data-dir} file names the state dir it belongs to). {@link #sweep}
 * removes all of it for the daemons whose dirs lie under a directory, then the directory itself.
 */
public final class OciResidue {
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);
    private static final Path RUN_BASE = Path.of("/run/shoal");
    private static final List<String> RUNTIMES = List.of("crun", "runc");

    private OciResidue() {}

    /** The container ids the runtimes know for a daemon's data dir (any status). */
    public static Set<String> containers(Path dataDir) throws IOException {
        Set<String> out = new TreeSet<>();
        for (Path run : runDirs(dataDir.resolve("oci"))) {
            for (String runtime : RUNTIMES) out.addAll(containersOf(runtime, run.resolve(runtime)));
        }
        return out;
    }

    /** The oci executors' tmpfs dirs whose state dir is {@code stateDir} or lies under it. */
    private static List<Path> runDirs(Path stateDir) throws IOException {
        String prefix = stateDir.toAbsolutePath().normalize().toString();
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(RUN_BASE)) return out;
        try (Stream<Path> s = Files.list(RUN_BASE)) {
            for (Path d : s.filter(p -> p.getFileName().toString().startsWith("oci-")).toList()) {
                try {
                    String owner = Files.readString(d.resolve("data-dir")).strip();
                    if (owner.equals(prefix) || owner.startsWith(prefix + "/")) out.add(d);
                } catch (IOException e) {
                    // not an executor's, or being made
                }
            }
        }
        return out;
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
     * every container of their executors' tmpfs dirs force-deleted and the tmpfs unmounted, mounts undone, the
     * containers' cgroups removed, then the dir. Best effort: it reports what it could not remove on
     * stderr and goes on.
     */
    public static void sweep(Path dir) {
        try {
            if (!Files.isDirectory(dir)) return;
            for (long pid : processesMentioning(dir)) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            Set<String> ids = new TreeSet<>();
            for (Path runDir : runDirs(dir)) {
                Path bundles = runDir.resolve("containers");
                Set<String> here = new TreeSet<>();
                if (Files.isDirectory(bundles)) {
                    try (Stream<Path> s = Files.list(bundles)) {
                        s.forEach(b -> here.add(b.getFileName().toString()));
                    }
                }
                for (String runtime : RUNTIMES) {
                    Path root = runDir.resolve(runtime);
                    Set<String> known = containersOf(runtime, root);
                    known.addAll(here);
                    if (Files.isDirectory(root)) for (String id : known) run(runtime, "--root", root.toString(), "delete", "--force", id);
                    ids.addAll(known);
                }
                if (run("umount", runDir.toString()).exit() != 0) run("umount", "-l", runDir.toString());
                Files.deleteIfExists(runDir);
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

    private static Set<String> containersOf(String runtime, Path root) throws IOException {
        Set<String> out = new TreeSet<>();
        if (!Files.isDirectory(root)) return out;
        DaemonProcess.Result r = run(runtime, "--root", root.toString(), "list", "-q");
        if (r.exit() == 0) out.addAll(r.out().lines().map(String::strip).filter(s -> !s.isEmpty()).toList());
        return out;
    }

    private static DaemonProcess.Result run(String... argv) throws IOException {
        return Exec.run(List.of(argv), null, COMMAND_TIMEOUT);
    }
}
