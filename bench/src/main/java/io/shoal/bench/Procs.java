package io.shoal.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/** What {@code /proc} says about processes: memory, threads, CPU time and the process tree below a pid. */
final class Procs {
    private Procs() {}

    /** A process as one scan of /proc saw it. */
    record Proc(long pid, long ppid, String comm, long rssKib, long pssKib) {}

    /** VmRSS of a process in KiB, or 0 when it is gone (or a zombie, which has none). */
    static long rssKib(long pid) {
        return field(pid, "status", "VmRSS:").orElse(0);
    }

    /**
     * Proportional set size in KiB (from smaps_rollup): shared pages such as sh's and libc's text
     * split between the processes mapping them, so summing it over many processes does not count
     * them many times, as summing RSS does. 0 when the process is gone.
     */
    static long pssKib(long pid) {
        return field(pid, "smaps_rollup", "Pss:").orElse(0);
    }

    /** How many threads a process has, or -1 when it is gone. */
    static int threads(long pid) {
        return (int) field(pid, "status", "Threads:").orElse(-1);
    }

    /** The number on the line of /proc/PID/{@code file} that starts with {@code key} (a unit "kB" dropped), if the process is there. */
    private static OptionalLong field(long pid, String file, String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), file))) {
                if (line.startsWith(key)) return OptionalLong.of(Long.parseLong(line.substring(key.length()).replace("kB", "").trim()));
            }
        } catch (IOException | RuntimeException e) {
            // gone between listing and reading
        }
        return OptionalLong.empty();
    }

    /** User plus system CPU time a process has used so far, in milliseconds (0 when it is gone). */
    static long cpuMillis(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields 14 and 15 of stat (utime, stime), in clock ticks of 1/100 s on Linux
            return (Long.parseLong(rest[11]) + Long.parseLong(rest[12])) * 10;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /**
     * {@link #cpuMillis} plus what its children that it has waited for used ({@code cutime},
     * {@code cstime}): a daemon's own work and the processes it ran ({@code ip}, {@code runc}).
     */
    static long cpuMillisWithChildren(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(rest[11]) + Long.parseLong(rest[12]) + Long.parseLong(rest[13]) + Long.parseLong(rest[14])) * 10;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** Every process on the host, read from /proc/PID/stat (no RSS: that costs a second read each). */
    static Map<Long, Proc> scan() {
        Map<Long, Proc> all = new HashMap<>();
        try (var dirs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().chars().allMatch(Character::isDigit))) {
            for (Path d : dirs) {
                try {
                    String stat = Files.readString(d.resolve("stat"));
                    // pid (comm) state ppid ...: comm may hold spaces and parentheses, so cut at the last ')'.
                    int open = stat.indexOf('(');
                    int close = stat.lastIndexOf(')');
                    String[] rest = stat.substring(close + 2).split(" ");
                    long pid = Long.parseLong(d.getFileName().toString());
                    all.put(pid, new Proc(pid, Long.parseLong(rest[1]), stat.substring(open + 1, close), 0, 0));
                } catch (IOException | RuntimeException e) {
                    // gone between listing and reading
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return all;
    }

    /** The processes below {@code root} (not root itself), parents before their children. */
    static List<Proc> descendants(long root) {
        Map<Long, Proc> all = scan();
        Map<Long, List<Proc>> children = new HashMap<>();
        for (Proc p : all.values()) children.computeIfAbsent(p.ppid(), k -> new ArrayList<>()).add(p);
        List<Proc> out = new ArrayList<>();
        ArrayDeque<Long> todo = new ArrayDeque<>(List.of(root));
        while (!todo.isEmpty()) {
            for (Proc c : children.getOrDefault(todo.poll(), List.of())) {
                out.add(c);
                todo.add(c.pid());
            }
        }
        return out;
    }

    /** The same processes with their resident and proportional sets read. */
    static List<Proc> withMemory(List<Proc> procs) {
        List<Proc> out = new ArrayList<>(procs.size());
        for (Proc p : procs) out.add(new Proc(p.pid(), p.ppid(), p.comm(), rssKib(p.pid()), pssKib(p.pid())));
        return out;
    }

    /** SIGKILLs the processes below {@code root}, children first so none is orphaned out of sight. */
    static int killDescendants(long root) {
        List<Proc> procs = descendants(root);
        for (Proc p : procs.reversed()) ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroyForcibly);
        return procs.size();
    }
}
