package io.shoal.agent.exec.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shoal.agent.exec.PayloadFiles;
import io.shoal.agent.exec.Signals;
import io.shoal.agent.exec.TaskNetworking;
import io.shoal.agent.image.ImageConfig;
import io.shoal.api.ContainerSpec;
import io.shoal.api.Ids;
import io.shoal.api.Task;
import io.shoal.api.TaskSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The OCI runtime {@code config.json} of one task, made as Docker makes it for a swarm task
 * (moby daemon/oci_linux.go and swarmkit's container adapter): the image's Entrypoint/Cmd/Env/
 * WorkingDir/User under the spec's, Docker's default mounts, capabilities, masked and read-only
 * paths, and cgroup limits from Resources.Limits. Pure: every host path it needs is given.
 */
final class OciSpec {
    static final ObjectMapper OCI = new ObjectMapper(); // OCI's JSON is lowerCamel, not Docker's UpperCamel

    static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    static final long CPU_PERIOD = 100_000;

    /** Docker's default capability set (moby oci/caps/defaults.go). */
    static final List<String> DEFAULT_CAPS = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
            "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
            "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");

    /** Every capability runc 1.1 knows, in the kernel's order: what "ALL" means. */
    static final List<String> ALL_CAPS = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH",
            "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
            "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
            "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
            "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
            "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
            "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND",
            "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE");

    static final List<String> MASKED_PATHS = List.of("/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
            "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
            "/sys/firmware", "/sys/devices/virtual/powercap");

    static final List<String> READONLY_PATHS = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
            "/proc/sysrq-trigger");

    /**
     * Where a container's files come from on the host, and {@code netns}: the network namespace it
     * joins (its overlay networks' sandbox), null for a new one of its own.
     */
    record Host(Path rootfs, Path hostsFile, Path hostnameFile, Path resolvConf,
                Function<String, Path> volumeDir, Path initBinary, Path netns, List<PayloadFiles.FileMount> payloads) {
        Host(Path rootfs, Path hostsFile, Path hostnameFile, Path resolvConf, Function<String, Path> volumeDir,
             Path initBinary, Path netns) {
            this(rootfs, hostsFile, hostnameFile, resolvConf, volumeDir, initBinary, netns, List.of());
        }
    }

    /** The health check a task runs, with Docker's defaults filled in; null test means none. */
    record HealthCheck(List<String> test, long intervalNanos, long timeoutNanos, long retries, long startPeriodNanos) {
        static final long DEFAULT_INTERVAL = 30_000_000_000L;
        static final long DEFAULT_TIMEOUT = 30_000_000_000L;
        static final long DEFAULT_RETRIES = 3;

        /** The command to run inside the container, or null when the check is off. */
        List<String> command() {
            if (test == null || test.isEmpty()) return null;
            return switch (test.getFirst()) {
                case "NONE" -> null;
                case "CMD" -> test.size() > 1 ? test.subList(1, test.size()) : null;
                case "CMD-SHELL" -> test.size() > 1 ? List.of("/bin/sh", "-c", String.join(" ", test.subList(1, test.size()))) : null;
                default -> test; // a bare command, as an old API version may send it
            };
        }
    }

    /** What start/stop/health need besides config.json; kept in the bundle so a restarted daemon has it. */
    record Plan(ObjectNode config, int stopSignal, HealthCheck healthCheck, String cgroupsPath) {}

    private OciSpec() {}

    /**
     * @throws IllegalArgumentException with a message for the task's status when the spec can't run
     */
    static Plan plan(Task task, ImageConfig image, Host host) {
        ContainerSpec spec = task.spec() == null ? null : task.spec().containerSpec();
        if (spec == null) throw new IllegalArgumentException("task has no container spec");
        ImageConfig img = image != null ? image : new ImageConfig(null, null, null, null, null, null, null);

        String hostname = spec.hostname() != null && !spec.hostname().isEmpty() ? spec.hostname()
                : Ids.containerIdOf(task.id()).substring(0, 12); // Docker's default: the container id's first 12 digits
        var user = Users.resolve(nonEmpty(spec.user()) ? spec.user() : img.user(), spec.groups(), host.rootfs());
        List<String> args = args(spec, img);
        boolean init = Boolean.TRUE.equals(spec.init());
        if (init) {
            if (host.initBinary() == null) {
                throw new IllegalArgumentException("Init is not supported on this node: no tini-static or docker-init found on the host (install Debian's tini package)");
            }
            List<String> wrapped = new ArrayList<>(List.of("/sbin/docker-init", "--"));
            wrapped.addAll(args);
            args = wrapped;
        }
        int stopSignal = Signals.parse(nonEmpty(spec.stopSignal()) ? spec.stopSignal() : img.stopSignal(), 15);
        String cgroupsPath = "/shoal/" + task.id();

        ObjectNode c = OCI.createObjectNode();
        c.put("ociVersion", "1.0.2");
        ObjectNode p = c.putObject("process");
        p.put("terminal", false);
        ObjectNode u = p.putObject("user");
        u.put("uid", user.uid());
        u.put("gid", user.gid());
        if (!user.additionalGids().isEmpty()) user.additionalGids().forEach(u.putArray("additionalGids")::add);
        strings(p.putArray("args"), args);
        strings(p.putArray("env"), env(spec, img, hostname, user.home()));
        p.put("cwd", nonEmpty(spec.dir()) ? spec.dir() : nonEmpty(img.workingDir()) ? img.workingDir() : "/");
        capabilities(p.putObject("capabilities"), spec, user.uid());
        if (spec.ulimits() != null && !spec.ulimits().isEmpty()) {
            ArrayNode rl = p.putArray("rlimits");
            for (var l : spec.ulimits()) {
                rl.addObject().put("type", "RLIMIT_" + l.name().toUpperCase(Locale.ROOT)).put("hard", l.hard()).put("soft", l.soft());
            }
        }
        p.put("noNewPrivileges", false);
        if (spec.oomScoreAdj() != null) p.put("oomScoreAdj", spec.oomScoreAdj().intValue());

        c.putObject("root").put("path", host.rootfs().toString()).put("readonly", spec.readOnly());
        c.put("hostname", hostname);
        mounts(c.putArray("mounts"), spec, host, init);

        ObjectNode linux = c.putObject("linux");
        resources(linux.putObject("resources"), task.spec().resources());
        linux.put("cgroupsPath", cgroupsPath);
        ArrayNode ns = linux.putArray("namespaces");
        for (String t : List.of("pid", "mount", "ipc", "uts")) ns.addObject().put("type", t);
        if (host.netns() != null) ns.addObject().put("type", "network").put("path", host.netns().toString());
        else if (!TaskNetworking.onHostNetwork(task)) ns.addObject().put("type", "network"); // new and empty: runc brings up lo
        if (spec.sysctls() != null && !spec.sysctls().isEmpty()) {
            ObjectNode s = linux.putObject("sysctl");
            spec.sysctls().forEach(s::put);
        }
        strings(linux.putArray("maskedPaths"), MASKED_PATHS);
        strings(linux.putArray("readonlyPaths"), READONLY_PATHS);

        return new Plan(c, stopSignal, healthCheck(spec, img), cgroupsPath);
    }

    /** Docker's merge as swarmkit's adapter feeds it: Command replaces Entrypoint (and drops the image's Cmd), Args replaces Cmd. */
    static List<String> args(ContainerSpec spec, ImageConfig img) {
        List<String> out = new ArrayList<>();
        if (spec.command() != null && !spec.command().isEmpty()) {
            out.addAll(spec.command());
            if (spec.args() != null) out.addAll(spec.args());
        } else {
            if (img.entrypoint() != null) out.addAll(img.entrypoint());
            if (spec.args() != null && !spec.args().isEmpty()) out.addAll(spec.args());
            else if (img.cmd() != null) out.addAll(img.cmd());
        }
        if (out.isEmpty()) throw new IllegalArgumentException("no command specified");
        return out;
    }

    /** PATH (default when the image has none), HOSTNAME, the image's Env, the spec's Env (a bare "K" unsets K), HOME from passwd. */
    static List<String> env(ContainerSpec spec, ImageConfig img, String hostname, String home) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", DEFAULT_PATH);
        env.put("HOSTNAME", hostname);
        for (List<String> list : java.util.Arrays.asList(img.env(), spec.env())) {
            if (list == null) continue;
            for (String e : list) {
                int eq = e.indexOf('=');
                if (eq < 0) env.remove(e);
                else env.put(e.substring(0, eq), e.substring(eq + 1));
            }
        }
        env.putIfAbsent("HOME", home);
        List<String> out = new ArrayList<>();
        env.forEach((k, v) -> out.add(k + "=" + v));
        return out;
    }

    static void capabilities(ObjectNode caps, ContainerSpec spec, long uid) {
        List<String> add = normalise(spec.capabilityAdd());
        List<String> drop = normalise(spec.capabilityDrop());
        for (String a : add) {
            if (!a.equals("ALL") && !ALL_CAPS.contains(a)) throw new IllegalArgumentException("unknown capability to add: \"" + a + "\"");
        }
        for (String d : drop) {
            if (!d.equals("ALL") && !ALL_CAPS.contains(d)) throw new IllegalArgumentException("unknown capability to drop: \"" + d + "\"");
        }
        // moby's TweakCapabilities: "ALL" added is every capability but the dropped ones; otherwise the
        // defaults (none after dropping "ALL") without the dropped ones, plus the added ones.
        Set<String> set = new LinkedHashSet<>();
        if (add.contains("ALL")) {
            for (String c : ALL_CAPS) if (!drop.contains(c)) set.add(c);
        } else {
            if (!drop.contains("ALL")) for (String c : DEFAULT_CAPS) if (!drop.contains(c)) set.add(c);
            set.addAll(add);
        }
        List<String> list = List.copyOf(set);
        strings(caps.putArray("bounding"), list);
        // As Docker: a non-root user keeps the set only as a bound, not as effective privileges.
        strings(caps.putArray("effective"), uid == 0 ? list : List.of());
        strings(caps.putArray("permitted"), uid == 0 ? list : List.of());
    }

    private static List<String> normalise(List<String> caps) {
        List<String> out = new ArrayList<>();
        if (caps == null) return out;
        for (String c : caps) {
            String n = c.strip().toUpperCase(Locale.ROOT);
            out.add(n.equals("ALL") || n.startsWith("CAP_") ? n : "CAP_" + n);
        }
        return out;
    }

    private static void mounts(ArrayNode m, ContainerSpec spec, Host host, boolean init) {
        mount(m, "/proc", "proc", "proc", "nosuid", "noexec", "nodev");
        mount(m, "/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k");
        mount(m, "/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5");
        mount(m, "/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro");
        mount(m, "/sys/fs/cgroup", "cgroup", "cgroup", "ro", "nosuid", "noexec", "nodev");
        mount(m, "/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev");
        Set<String> targets = new LinkedHashSet<>();
        if (spec.mounts() != null) for (var x : spec.mounts()) targets.add(clean(x.target()));
        if (!targets.contains("/dev/shm")) mount(m, "/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k");
        String etcMode = spec.readOnly() ? "ro" : "rw";
        if (!targets.contains("/etc/hostname")) bind(m, "/etc/hostname", host.hostnameFile(), etcMode, "rprivate");
        if (!targets.contains("/etc/hosts")) bind(m, "/etc/hosts", host.hostsFile(), etcMode, "rprivate");
        if (host.resolvConf() != null && !targets.contains("/etc/resolv.conf")) bind(m, "/etc/resolv.conf", host.resolvConf(), etcMode, "rprivate");
        if (init) bind(m, "/sbin/docker-init", host.initBinary(), "ro", "rprivate");
        // Secrets and configs: files on the executor's tmpfs, read-only whatever the spec says, as Docker mounts them.
        for (var f : host.payloads()) bind(m, f.target(), f.source(), "ro", "rprivate");
        if (spec.mounts() == null) return;
        for (var x : spec.mounts()) {
            String target = clean(x.target());
            if (target == null) throw new IllegalArgumentException("invalid mount config: Target must be an absolute path");
            String type = x.type() == null || x.type().isEmpty() ? "volume" : x.type();
            String rw = x.readOnly() ? "ro" : "rw";
            switch (type) {
                case "bind" -> {
                    if (x.source() == null || !x.source().startsWith("/")) {
                        throw new IllegalArgumentException("invalid mount config for type \"bind\": invalid mount path: '" + x.source() + "' mount path must be absolute");
                    }
                    if (!Files.exists(Path.of(x.source()))) {
                        throw new IllegalArgumentException("invalid mount config for type \"bind\": bind source path does not exist: " + x.source());
                    }
                    String propagation = text(x.bindOptions(), "Propagation", "rprivate");
                    bind(m, target, Path.of(x.source()), rw, propagation);
                }
                case "volume" -> {
                    String name = x.source();
                    if (name == null || name.isEmpty()) throw new IllegalArgumentException("invalid mount config for type \"volume\": anonymous volumes are not supported by the oci executor; name the volume (Source)");
                    if (!name.matches("[a-zA-Z0-9][a-zA-Z0-9_.-]*")) {
                        throw new IllegalArgumentException("invalid mount config for type \"volume\": \"" + name + "\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed");
                    }
                    String driver = x.volumeOptions() == null ? "" : x.volumeOptions().path("DriverConfig").path("Name").asText("");
                    if (!driver.isEmpty() && !driver.equals("local")) throw new IllegalArgumentException("volume driver " + driver + " is not supported: only local volumes");
                    bind(m, target, host.volumeDir().apply(name), rw, "rprivate");
                }
                case "tmpfs" -> {
                    List<String> opts = new ArrayList<>(List.of("nosuid", "nodev", "noexec", rw));
                    if (x.tmpfsOptions() != null && x.tmpfsOptions().sizeBytes() > 0) opts.add("size=" + (x.tmpfsOptions().sizeBytes() + 1023) / 1024 + "k");
                    if (x.tmpfsOptions() != null && x.tmpfsOptions().mode() != 0) opts.add("mode=" + Long.toOctalString(x.tmpfsOptions().mode() & 07777));
                    mount(m, target, "tmpfs", "tmpfs", opts.toArray(String[]::new));
                }
                default -> throw new IllegalArgumentException("invalid mount config: mount type \"" + type + "\" is not supported by the oci executor");
            }
        }
    }

    private static String clean(String target) {
        if (target == null || !target.startsWith("/")) return null;
        return Path.of(target).normalize().toString();
    }

    private static String text(JsonNode n, String field, String fallback) {
        if (n == null) return fallback;
        String s = n.path(field).asText("");
        return s.isEmpty() ? fallback : s;
    }

    private static void mount(ArrayNode m, String dest, String type, String source, String... options) {
        ObjectNode o = m.addObject().put("destination", dest).put("type", type).put("source", source);
        strings(o.putArray("options"), List.of(options));
    }

    private static void bind(ArrayNode m, String dest, Path source, String rw, String propagation) {
        mount(m, dest, "bind", source.toString(), "rbind", propagation, rw);
    }

    private static void resources(ObjectNode r, TaskSpec.Resources res) {
        r.putArray("devices").addObject().put("allow", false).put("access", "rwm"); // runc appends its default devices
        var l = res == null ? null : res.limits();
        if (l == null) return;
        if (l.memoryBytes() > 0) r.putObject("memory").put("limit", l.memoryBytes()).put("swap", l.memoryBytes());
        if (l.nanoCPUs() > 0) r.putObject("cpu").put("quota", Math.max(1000, l.nanoCPUs() * CPU_PERIOD / 1_000_000_000L)).put("period", CPU_PERIOD);
        if (l.pids() > 0) r.putObject("pids").put("limit", l.pids());
    }

    /** The spec's HealthCheck, else the image's; fields left at zero take the image's value, then Docker's default. */
    static HealthCheck healthCheck(ContainerSpec spec, ImageConfig img) {
        var s = spec.healthCheck();
        var i = img.healthcheck();
        List<String> test = s != null && s.test() != null && !s.test().isEmpty() ? s.test() : i == null ? null : i.test();
        if (test == null || test.isEmpty() || test.getFirst().equals("NONE")) return null;
        return new HealthCheck(test,
                pick(s == null ? 0 : s.interval(), i == null ? 0 : i.interval(), HealthCheck.DEFAULT_INTERVAL),
                pick(s == null ? 0 : s.timeout(), i == null ? 0 : i.timeout(), HealthCheck.DEFAULT_TIMEOUT),
                pick(s == null ? 0 : s.retries(), i == null ? 0 : i.retries(), HealthCheck.DEFAULT_RETRIES),
                pick(s == null ? 0 : s.startPeriod(), i == null ? 0 : i.startPeriod(), 0));
    }

    private static long pick(long a, long b, long fallback) {
        return a > 0 ? a : b > 0 ? b : fallback;
    }

    private static boolean nonEmpty(String s) {
        return s != null && !s.isEmpty();
    }

    private static void strings(ArrayNode a, List<String> values) {
        values.forEach(a::add);
    }
}
