package io.shoal.agent.exec.oci;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A container's cgroup directories, whatever the layout (v1 hierarchies, cgroup2, or the hybrid of
 * both this kind of machine has): one per cgroup mount, at the mount point plus the runtime's absolute
 * {@code cgroupsPath}.
 */
final class Cgroups {
    private Cgroups() {}

    /** The mount points of every cgroup and cgroup2 file system this process sees. */
    static List<Path> mountPoints() {
        List<Path> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                int dash = line.indexOf(" - ");
                if (dash < 0) continue;
                String fsType = line.substring(dash + 3).split(" ")[0];
                if (fsType.equals("cgroup") || fsType.equals("cgroup2")) out.add(Path.of(line.split(" ")[4]));
            }
        } catch (IOException e) {
            // no /proc: no cgroups to find
        }
        return out;
    }

    /**
     * Makes a hybrid layout (cgroup v1 hierarchies beside a cgroup2 mount, as here) one crun
     * accepts: crun refuses it while any controller is enabled on the cgroup2 side ("cgroups in
     * hybrid mode not supported, drop all controllers from cgroupv2"), and here hugetlb is, mounted
     * nowhere else. Each such controller gets its v1 hierarchy under {@code /sys/fs/cgroup}, which
     * takes it off cgroup2, as systemd's hybrid setup does for the others. Returns null when the
     * layout is fine (or was made so), else why it could not be.
     */
    static String detachControllersFromUnified() {
        Path unified = null;
        boolean v1 = false;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                int dash = line.indexOf(" - ");
                if (dash < 0) continue;
                String fsType = line.substring(dash + 3).split(" ")[0];
                if (fsType.equals("cgroup2")) unified = Path.of(line.split(" ")[4]);
                if (fsType.equals("cgroup")) v1 = true;
            }
            if (unified == null || !v1) return null; // pure v1 or pure v2: crun takes either
            String controllers = Files.readString(unified.resolve("cgroup.controllers")).strip();
            if (controllers.isEmpty()) return null;
            Path base = unified.getParent();
            for (String c : controllers.split("\\s+")) {
                Path target = Files.createDirectories(base.resolve(c));
                if (!Mounts.isMountPoint(target)) Mounts.cgroupV1(c, target);
            }
            String left = Files.readString(unified.resolve("cgroup.controllers")).strip();
            return left.isEmpty() ? null : "controllers still on cgroup2: " + left;
        } catch (IOException e) {
            return "mounting the cgroup2 controllers (" + (unified == null ? "" : unified) + ") as v1 hierarchies: " + e.getMessage();
        }
    }

    /** The existing directories of {@code cgroupsPath} (e.g. {@code /shoal/<task id>}). */
    static List<Path> dirs(String cgroupsPath) {
        List<Path> out = new ArrayList<>();
        for (Path mp : mountPoints()) {
            Path d = mp.resolve(cgroupsPath.substring(1));
            if (Files.isDirectory(d)) out.add(d);
        }
        return out;
    }

    /** The directory holding {@code file} (e.g. "cpu.cfs_quota_us"), or null. */
    static Path find(String cgroupsPath, String file) {
        for (Path d : dirs(cgroupsPath)) if (Files.exists(d.resolve(file))) return d;
        return null;
    }

    /** Whether the kernel's OOM killer killed a process of this cgroup: v1 memory.oom_control or cgroup2 memory.events. */
    static boolean oomKilled(String cgroupsPath) {
        for (Path d : dirs(cgroupsPath)) {
            for (String f : List.of("memory.oom_control", "memory.events")) {
                try {
                    for (String line : Files.readAllLines(d.resolve(f))) {
                        String[] w = line.strip().split("\\s+");
                        if (w.length == 2 && w[0].equals("oom_kill") && Long.parseLong(w[1]) > 0) return true;
                    }
                } catch (IOException | NumberFormatException e) {
                    // not this hierarchy
                }
            }
        }
        return false;
    }

    /** Removes the (empty) cgroup directories the runtime left, children first; returns what could not be removed. */
    static List<Path> remove(String cgroupsPath) {
        List<Path> left = new ArrayList<>();
        for (Path d : dirs(cgroupsPath)) {
            try (var tree = Files.walk(d)) {
                // rmdir only: cgroup directories can't be emptied of their files, and removing one with processes fails (EBUSY).
                for (Path p : tree.filter(Files::isDirectory).sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                left.add(d);
            }
        }
        return left;
    }
}
