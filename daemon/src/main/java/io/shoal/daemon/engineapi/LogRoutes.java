package io.shoal.daemon.engineapi;

import io.shoal.agent.logs.JsonLog;
import io.shoal.agent.logs.LogCollector;
import io.shoal.agent.logs.LogEntry;
import io.shoal.agent.logs.LogQuery;
import io.shoal.agent.logs.LogReader;
import io.shoal.agent.logs.LogStream;
import io.shoal.api.ApiException;
import io.shoal.api.Service;
import io.shoal.api.Task;
import io.shoal.manager.control.ControlApi;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /services/{id}/logs} and {@code GET /tasks/{id}/logs}: the lines of the tasks this
 * node holds, in Docker's multiplexed stream (one frame per line: stream type, three zero bytes,
 * big-endian length, payload). With {@code details} each line starts with the swarm context the
 * docker CLI formats as {@code service.slot.task@node}:
 * {@code com.docker.swarm.node.id=N,com.docker.swarm.service.id=S,com.docker.swarm.task.id=T }
 * and with {@code timestamps}, before that, the time with nine digits and a space. A TTY task's
 * lines go raw, without frames, as Docker does.
 *
 * <p>Tasks on other nodes are skipped (noted in the daemon log) until logs are brokered between
 * nodes. With {@code follow}, a task's lines are read by a virtual thread of their own and
 * written as they come, interleaved; a service's new tasks join; the stream ends when the
 * client goes away, or, for one task, once it has ended and everything is sent.
 */
public final class LogRoutes {
    static final String MULTIPLEXED = "application/vnd.docker.multiplexed-stream";
    static final String RAW = "application/vnd.docker.raw-stream";
    private static final Logger log = LoggerFactory.getLogger(LogRoutes.class);
    private static final int BATCH = 64 * 1024;

    private final Supplier<ControlApi> control;
    private final LocalTasks local;

    /** @param control the control API of this node's manager, or Docker's refusal on a worker */
    public LogRoutes(Supplier<ControlApi> control, LocalTasks local) {
        this.control = control;
        this.local = local;
    }

    /** What the query asks for, checked before the stream starts (after that, errors can't have a status). */
    record Options(LogQuery query, boolean details, boolean timestamps) {
        static Options of(ApiRequest req) {
            boolean stdout = req.queryBool("stdout");
            boolean stderr = req.queryBool("stderr");
            if (!stdout && !stderr) throw ApiException.invalid("Bad parameters: you must choose at least one stream");
            return new Options(new LogQuery(stdout, stderr, since(req.query("since")), tail(req.query("tail")),
                    req.queryBool("follow")), req.queryBool("details"), req.queryBool("timestamps"));
        }
    }

    public Object serviceLogs(ApiRequest req) {
        Options o = Options.of(req);
        ControlApi c = control.get();
        Service service = c.services().get(req.param("id"));
        if (service.spec().taskTemplate() == null || service.spec().taskTemplate().containerSpec() == null) {
            throw ApiException.invalid("logs only supported on container tasks");
        }
        boolean tty = service.spec().taskTemplate().containerSpec().tty();
        return reply(o, tty, () -> localTasks(c.tasks().ofService(service.id())), !o.query().follow() ? null : Boolean.TRUE);
    }

    public Object taskLogs(ApiRequest req) {
        return taskLogs(req, control.get().tasks().get(req.param("id")));
    }

    /** {@code docker logs}: a container is a task of this node. */
    Object taskLogs(ApiRequest req, Task task) {
        Options o = Options.of(req);
        if (task.spec() == null || task.spec().containerSpec() == null) throw ApiException.invalid("logs only supported on container tasks");
        // A worker serves the logs of its own containers too: no manager is needed for them.
        String self = local.nodeId();
        if (self == null) throw ApiException.unavailable("This node is not part of a swarm");
        if (task.nodeId() != null && !task.nodeId().equals(self)) {
            throw new ApiException(501, "task " + task.id() + " runs on node " + task.nodeId()
                    + ": logs of tasks on other nodes are not available from this node yet");
        }
        List<Source> sources = localTasks(List.of(task));
        return reply(o, task.spec().containerSpec().tty(), () -> sources, o.query().follow() ? Boolean.FALSE : null);
    }

    /** One task's log, with the context its lines carry. */
    record Source(Task task, LogReader reader, byte[] context) {}

    /** {@code followNewTasks}: null without follow, true to follow a service (new tasks join), false for one task. */
    private Router.Reply reply(Options o, boolean tty, Supplier<List<Source>> tasks, Boolean followNewTasks) {
        List<Source> first = tasks.get();
        Router.StreamBody body = followNewTasks == null
                ? out -> writeAll(o, tty, first, out)
                : out -> follow(o, tty, first, followNewTasks ? tasks : null, out);
        return Router.Reply.stream(tty ? RAW : MULTIPLEXED, body);
    }

    private List<Source> localTasks(List<Task> tasks) {
        String self = local.nodeId();
        LogCollector logs = local.logs();
        if (self == null || logs == null) return List.of();
        Map<String, LocalTasks.LocalTask> held = new java.util.HashMap<>();
        for (LocalTasks.LocalTask h : local.tasks()) held.put(h.task().id(), h);
        List<Source> out = new ArrayList<>();
        for (Task t : tasks) {
            if (t.nodeId() == null) continue;
            if (!t.nodeId().equals(self)) {
                log.info("logs: skipping task {} on node {}: logs are not brokered between nodes yet", t.id(), t.nodeId());
                continue;
            }
            LocalTasks.LocalTask h = held.get(t.id());
            Path dir = h == null ? null : h.logDirectory();
            if (dir == null) continue; // not prepared yet, or already removed
            out.add(new Source(t, logs.reader(t.id(), dir), context(self, t)));
        }
        out.sort(Comparator.comparing(s -> s.task().slot()));
        return out;
    }

    /** Everything so far, oldest first across the tasks, in batches. */
    private static void writeAll(Options o, boolean tty, List<Source> sources, Router.Output out) throws Exception {
        record Line(LogEntry entry, Source source) {}
        List<Line> lines = new ArrayList<>();
        for (Source s : sources) {
            for (LogEntry e : s.reader().read(o.query())) lines.add(new Line(e, s));
        }
        lines.sort(Comparator.comparing(l -> l.entry().time()));
        ByteArrayOutputStream batch = new ByteArrayOutputStream();
        for (Line l : lines) {
            batch.write(encode(o, tty, l.source(), l.entry()));
            if (batch.size() >= BATCH) {
                out.write(batch.toByteArray());
                batch.reset();
            }
        }
        if (batch.size() > 0) out.write(batch.toByteArray());
    }

    /**
     * Each task read by a thread of its own into one queue, written as the lines come. A service
     * is looked at again every second for new tasks; one task's stream ends with the task.
     */
    private static void follow(Options o, boolean tty, List<Source> sources,
                               java.util.function.Supplier<List<Source>> more, Router.Output out) throws Exception {
        record Item(Source source, LogEntry entry) {}
        BlockingQueue<Item> queue = new LinkedBlockingQueue<>(10_000);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger running = new AtomicInteger();
        List<Thread> readers = new ArrayList<>();
        Set<String> followed = new HashSet<>();
        java.util.function.Consumer<Source> start = s -> {
            if (!followed.add(s.task().id())) return;
            running.incrementAndGet();
            readers.add(Thread.ofVirtual().name("logs-" + s.task().id()).start(() -> {
                try {
                    s.reader().stream(o.query(), new io.shoal.agent.logs.LogSink() {
                        @Override
                        public void accept(LogEntry e) throws IOException {
                            try {
                                while (!queue.offer(new Item(s, e), 200, TimeUnit.MILLISECONDS)) {
                                    if (stop.get()) throw new IOException("stopped");
                                }
                            } catch (InterruptedException x) {
                                throw new IOException("stopped");
                            }
                        }

                        @Override
                        public boolean open() {
                            return !stop.get();
                        }
                    });
                } catch (IOException | InterruptedException e) {
                    // stopped
                } finally {
                    running.decrementAndGet();
                }
            }));
        };
        try {
            sources.forEach(start);
            long nextScan = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            for (;;) {
                Item item = queue.poll(250, TimeUnit.MILLISECONDS);
                if (item != null) {
                    batch.write(encode(o, tty, item.source(), item.entry()));
                    // what is already queued goes out with it
                    while (batch.size() < BATCH && (item = queue.poll()) != null) {
                        batch.write(encode(o, tty, item.source(), item.entry()));
                    }
                    out.write(batch.toByteArray());
                    batch.reset();
                    continue;
                }
                if (!out.open()) return;
                if (more == null && running.get() == 0 && queue.isEmpty()) return;
                if (more != null && System.nanoTime() > nextScan) {
                    // new tasks of the service: from their first line (the since filter still applies)
                    more.get().forEach(start);
                    nextScan = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                }
            }
        } finally {
            stop.set(true);
            for (Thread t : readers) t.interrupt();
        }
    }

    /** One line as the client gets it: a frame (unless TTY) holding timestamp, details and the text. */
    static byte[] encode(Options o, boolean tty, Source s, LogEntry e) {
        ByteArrayOutputStream msg = new ByteArrayOutputStream(e.line().length() + 160);
        if (o.timestamps()) msg.writeBytes((JsonLog.FIXED_NANOS.format(e.time()) + " ").getBytes(StandardCharsets.US_ASCII));
        if (o.details()) {
            msg.writeBytes(s.context());
            msg.write(' ');
        }
        msg.writeBytes(e.line().getBytes(StandardCharsets.UTF_8));
        byte[] payload = msg.toByteArray();
        return tty ? payload : frame(e.stream(), payload);
    }

    /** Docker's multiplexed stream frame: stream type, three zero bytes, big-endian uint32 length, payload. */
    static byte[] frame(LogStream stream, byte[] payload) {
        byte[] f = new byte[8 + payload.length];
        f[0] = (byte) stream.muxCode();
        int n = payload.length;
        f[4] = (byte) (n >>> 24);
        f[5] = (byte) (n >>> 16);
        f[6] = (byte) (n >>> 8);
        f[7] = (byte) n;
        System.arraycopy(payload, 0, f, 8, n);
        return f;
    }

    /** The details of a swarm task's lines, sorted by key and query-escaped as moby writes them. */
    static byte[] context(String nodeId, Task t) {
        String s = attr("com.docker.swarm.node.id", nodeId) + "," + attr("com.docker.swarm.service.id", t.serviceId())
                + "," + attr("com.docker.swarm.task.id", t.id());
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String attr(String k, String v) {
        return URLEncoder.encode(k, StandardCharsets.UTF_8) + "=" + URLEncoder.encode(v == null ? "" : v, StandardCharsets.UTF_8);
    }

    /** Docker's since: unix seconds with an optional fraction (what the CLI sends), or another of Docker's times; empty for all. */
    static Instant since(String v) {
        if (v == null || v.isEmpty()) return null;
        Instant t = Timestamps.parse(v, Instant.now());
        return t.equals(Instant.EPOCH) ? null : t;
    }

    /** Docker's tail: "all" or empty for all, else a count that is not negative. */
    static int tail(String v) {
        if (v == null || v.isEmpty() || v.equals("all")) return -1;
        try {
            int n = Integer.parseInt(v);
            if (n < 0) throw ApiException.invalid("negative tail values not supported");
            return n;
        } catch (NumberFormatException e) {
            throw ApiException.invalid("tail value must be a positive integer or \"all\"");
        }
    }
}
