package io.shoal.bench;

import io.shoal.testkit.DaemonProcess;
import io.shoal.testkit.UnixHttp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Autolock: how long a locked manager takes from {@code POST /swarm/unlock} to serving. A one-node
 * swarm made with {@code init --autolock} (process executor) runs a service of 10 replicas; each
 * round kills the daemon (-9), starts it again (locked: it answers {@code /_ping}), then sends the
 * unlock request and polls every 10 ms: <em>read</em> is the first {@code GET /services} answered
 * 200 (what {@code docker service ls} needs), <em>write</em> the first service create
 * acknowledged (the Raft member leads and commits again); <em>start</em> is the daemon's start
 * until it answers {@code /_ping}, locked. Median of the rounds. Baselines in the same run: the
 * same manager restarted without autolock (after {@code swarm update --autolock=false}), from the
 * daemon's start to the first {@code GET /services} answered, which holds the same resume (Raft,
 * store, cluster port, agent) that unlocking does; and {@code docker version} against the daemon,
 * the docker CLI's own floor, which a user's {@code docker swarm unlock} and {@code docker service
 * ls} each add. Docker's figure on this kind of machine (1.08 s) is printed beside.
 */
final class UnlockBench {
    private static final Pattern KEY = Pattern.compile("SWMKEY-1-[A-Za-z0-9+/]+");
    private static final double DOCKER_SECONDS = 1.08;

    private UnlockBench() {}

    static void run(int rounds) throws Exception {
        System.out.println("\n== Autolock: unlock to serving (one manager, process executor, 10 tasks)");
        if (!DaemonProcess.dockerCliPresent()) {
            System.out.println("skipped: no docker CLI at " + DaemonProcess.DOCKER);
            return;
        }
        Path dir = Files.createTempDirectory("shoal-bench-unlock-");
        DaemonProcess daemon = new DaemonProcess(dir);
        try {
            daemon.start();
            Matcher m = KEY.matcher(daemon.dockerOk("swarm", "init", "--autolock", "--advertise-addr", "127.0.0.1"));
            if (!m.find()) throw new IllegalStateException("swarm init --autolock printed no key");
            String key = m.group();
            daemon.dockerOk("service", "create", "--detach", "--name", "keep", "--replicas", "10", "busybox", "sleep", "100000");
            DaemonProcess.eventually(java.time.Duration.ofSeconds(60), () -> running(daemon) == 10);
            List<Long> started = new ArrayList<>(), returned = new ArrayList<>(), read = new ArrayList<>(),
                    write = new ArrayList<>(), cli = new ArrayList<>(), plain = new ArrayList<>();
            for (int i = 0; i < rounds; i++) {
                daemon.kill9();
                long s0 = System.nanoTime();
                daemon.start();
                started.add(millisSince(s0));
                UnixHttp http = daemon.http();
                long t0 = System.nanoTime();
                var unlocked = http.post("/v1.45/swarm/unlock", "{\"UnlockKey\":\"" + key + "\"}");
                if (unlocked.status() != 200) throw new IllegalStateException("unlock refused: " + unlocked.body());
                returned.add(millisSince(t0));
                while (http.get("/v1.45/services").status() != 200) Thread.sleep(10);
                read.add(millisSince(t0));
                String probe = "{\"Name\":\"probe" + i + "\",\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":\"busybox\"}},"
                        + "\"Mode\":{\"Replicated\":{\"Replicas\":0}}}";
                int status;
                // 409: an earlier attempt committed though its answer was an error; acknowledged all the same.
                while ((status = http.post("/v1.45/services/create", probe).status()) != 201 && status != 409) Thread.sleep(10);
                write.add(millisSince(t0));
                System.out.printf("round %d: started locked %d ms; unlock returned %d ms, read served %d ms, write acknowledged %d ms%n",
                        i + 1, started.getLast(), returned.getLast(), read.getLast(), write.getLast());
                long c0 = System.nanoTime();
                daemon.dockerOk("version");
                cli.add(millisSince(c0));
            }
            daemon.dockerOk("swarm", "update", "--autolock=false");
            DaemonProcess.eventually(java.time.Duration.ofSeconds(60), () -> {
                try {
                    return !io.shoal.pki.NodeKeys.locked(daemon.dataDir().resolve("swarm").resolve("certificates"));
                } catch (java.io.IOException e) {
                    return false;
                }
            });
            for (int i = 0; i < rounds; i++) {
                daemon.kill9();
                long s0 = System.nanoTime();
                daemon.start();
                while (daemon.http().get("/v1.45/services").status() != 200) Thread.sleep(10);
                plain.add(millisSince(s0));
                System.out.printf("round %d without autolock: start to read served %d ms%n", i + 1, plain.getLast());
            }
            System.out.printf("unlock to serving, median of %d: unlock returned %d ms, docker service ls served %d ms,"
                    + " first write %d ms (after a locked start of %d ms); baselines (same run): a restart without"
                    + " autolock to served %d ms, docker version %d ms; Docker %.2f s%n", rounds,
                    ClusterBench.median(returned), ClusterBench.median(read), ClusterBench.median(write),
                    ClusterBench.median(started), ClusterBench.median(plain), ClusterBench.median(cli), DOCKER_SECONDS);
            daemon.dockerOk("swarm", "leave", "--force");
        } catch (Exception | Error e) {
            System.err.println("unlock bench failed; the daemon's log ends:\n" + daemon.notableLog());
            throw e;
        } finally {
            Main.cleanUp(daemon, dir);
        }
    }

    private static long running(DaemonProcess daemon) {
        try {
            String states = daemon.dockerOk("service", "ps", "--filter", "desired-state=running", "--format", "{{.CurrentState}}", "keep");
            return states.lines().filter(l -> l.startsWith("Running")).count();
        } catch (Exception e) {
            return 0;
        }
    }

    private static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
