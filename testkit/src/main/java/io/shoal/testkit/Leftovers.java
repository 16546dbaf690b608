package io.shoal.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Who owns a {@link TestNetwork} prefix, and removal of what dead owners left behind. An owner file
 * {@code /run/shoal-testnet/<prefix>} holds the creating JVM's pid and start time; it is written
 * before anything with the prefix exists, so a prefix whose owner is gone (or that has no owner
 * file) belongs to a run that was killed, while networks of live runs, even concurrent ones in
 * other JVMs, are left alone.
 */
final class Leftovers {
    static final Path OWNERS = Path.of("/run/shoal-testnet");
    /** Anything named {@code <marker><5 lowercase letters or digits>-...} is the harness's. */
    static final Pattern NAME = Pattern.compile("(" + TestNetwork.MARKER + "[a-z0-9]{5})-.+");

    private Leftovers() {}

    static boolean claim(String prefix) throws IOException {
        Files.createDirectories(OWNERS);
        ProcessHandle self = ProcessHandle.current();
        String owner = self.pid() + " " + self.info().startInstant().map(Instant::toEpochMilli).orElse(0L) + "\n";
        Path file = OWNERS.resolve(prefix);
        if (Files.exists(file)) return false;
        // Written aside and renamed, so a concurrent sweep never reads a half-written owner.
        Path tmp = Files.writeString(OWNERS.resolve("." + prefix + "." + self.pid()), owner);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        return true;
    }

    static void release(String prefix) throws IOException {
        Files.deleteIfExists(OWNERS.resolve(prefix));
    }

    static boolean ownerAlive(String prefix) {
        try {
            String[] f = Files.readString(OWNERS.resolve(prefix)).trim().split(" ");
            long pid = Long.parseLong(f[0]);
            long started = Long.parseLong(f[1]);
            Optional<ProcessHandle> p = ProcessHandle.of(pid);
            return p.isPresent() && p.get().isAlive()
                    && p.get().info().startInstant().map(Instant::toEpochMilli).orElse(0L) == started;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    static Optional<String> prefixOf(String name) {
        Matcher m = NAME.matcher(name);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    static TestNetwork.Swept sweep(String ip) throws IOException {
        List<String> namespaces = new ArrayList<>();
        for (String ns : TestNetwork.namespaces()) {
            prefixOf(ns).filter(p -> !ownerAlive(p)).ifPresent(p -> namespaces.add(ns));
        }
        List<String> links = new ArrayList<>();
        for (String link : TestNetwork.links(ip, null)) {
            prefixOf(link).filter(p -> !ownerAlive(p)).ifPresent(p -> links.add(link));
        }
        TestNetwork.killProcessesIn(namespaces);
        TestNetwork.deleteNamespaces(ip, namespaces);
        if (!links.isEmpty()) {
            StringBuilder batch = new StringBuilder();
            links.forEach(l -> batch.append("link del ").append(l).append('\n'));
            Exec.run(List.of(ip, "-force", "-batch", "-"), batch.toString(), Exec.DEFAULT_TIMEOUT);
        }
        Set<String> owners = new TreeSet<>();
        if (Files.isDirectory(OWNERS)) {
            try (Stream<Path> files = Files.list(OWNERS)) {
                files.map(f -> f.getFileName().toString()).filter(p -> !p.startsWith(".") && !ownerAlive(p)).forEach(owners::add);
            }
            for (String p : owners) release(p);
        }
        return new TestNetwork.Swept(List.copyOf(namespaces), List.copyOf(links), List.copyOf(owners));
    }
}
