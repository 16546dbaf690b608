package io.shoal.manager.orchestrator;

import io.shoal.pki.NodeRole;
import io.shoal.api.RestartCondition;
import io.shoal.api.NodeState;
import io.shoal.api.NodeAvailability;
import io.shoal.api.ServiceMode;
import static org.junit.jupiter.api.Assertions.fail;

import io.shoal.api.Cluster;
import io.shoal.api.ContainerSpec;
import io.shoal.api.Defaults;
import io.shoal.api.Driver;
import io.shoal.api.Network;
import io.shoal.api.Node;
import io.shoal.api.Platform;
import io.shoal.api.Service;
import io.shoal.api.ServiceSpec;
import io.shoal.api.StoredObject;
import io.shoal.api.SwarmSpec;
import io.shoal.api.Task;
import io.shoal.api.TaskSpec;
import io.shoal.api.TaskState;
import io.shoal.api.TaskStatus;
import io.shoal.api.Version;
import io.shoal.manager.Controller;
import io.shoal.manager.Ticker;
import io.shoal.manager.VirtualTime;
import io.shoal.manager.control.ControlApi;
import io.shoal.pki.ClusterJoinTokens;
import io.shoal.pki.RootCa;
import io.shoal.store.DirectProposer;
import io.shoal.store.MemoryStore;
import io.shoal.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A real in-memory store applied in-process, the control API on top of it, builders for specs
 * and nodes, and helpers to play the agent's part (writing observed task states) and to wait for
 * a condition with a deadline. Controllers started through {@link #start} are stopped by {@link #close}.
 * Time is real, or virtual ({@link VirtualTime}) for tests of delays and deadlines.
 */
public final class Harness implements AutoCloseable {
    private static final ClusterJoinTokens TOKENS = ClusterJoinTokens.generate(RootCa.create());
    public static final Duration DEADLINE = Duration.ofSeconds(10);

    public final Clock clock;
    public final Ticker ticker;
    public final MemoryStore memory = new MemoryStore();
    public final Store store;
    public final ControlApi api;
    private final List<Controller> started = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    /** In real time. */
    public Harness() {
        this(Clock.systemUTC(), Ticker.SYSTEM);
    }

    /** In virtual time, which moves only when the test moves it. */
    public Harness(VirtualTime time) {
        this(time, time);
    }

    private Harness(Clock clock, Ticker ticker) {
        this.clock = clock;
        this.ticker = ticker;
        store = new Store(memory, new DirectProposer(memory), clock);
        api = new ControlApi(store, clock, () -> null);
    }

    public <C extends Controller> C start(C controller) {
        controller.start();
        started.add(controller);
        return controller;
    }

    public <C extends AutoCloseable> C closeLater(C c) {
        closeables.add(c);
        return c;
    }

    @Override
    public void close() throws Exception {
        for (Controller c : started.reversed()) c.stop();
        for (AutoCloseable c : closeables.reversed()) c.close();
    }

    // ---- specs --------------------------------------------------------------------------------

    public static ContainerSpec container(String image) {
        return new ContainerSpec(image, null, null, null, null, null, null, null, null, null, false, false, false,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    public static TaskSpec template(String image) {
        return new TaskSpec(null, container(image), null, null, null, null, 0, null, null, null);
    }

    public static TaskSpec withRestart(TaskSpec t, RestartCondition condition, Long delayNanos, Long maxAttempts) {
        return new TaskSpec(t.pluginSpec(), t.containerSpec(), t.networkAttachmentSpec(), t.resources(),
                new TaskSpec.RestartPolicy(condition, delayNanos, maxAttempts, null), t.placement(), t.forceUpdate(),
                t.runtime(), t.networks(), t.logDriver());
    }

    public static TaskSpec withConstraints(TaskSpec t, String... constraints) {
        return new TaskSpec(t.pluginSpec(), t.containerSpec(), t.networkAttachmentSpec(), t.resources(),
                t.restartPolicy(), new TaskSpec.Placement(List.of(constraints), null, 0, null), t.forceUpdate(),
                t.runtime(), t.networks(), t.logDriver());
    }

    public static TaskSpec withImage(TaskSpec t, String image) {
        return new TaskSpec(t.pluginSpec(), container(image), t.networkAttachmentSpec(), t.resources(),
                t.restartPolicy(), t.placement(), t.forceUpdate(), t.runtime(), t.networks(), t.logDriver());
    }

    /** Restart right away (no delay): the default 5 s delay would slow every test down. */
    public static TaskSpec quick(String image) {
        return withRestart(template(image), RestartCondition.ANY, 0L, null);
    }

    public static ServiceSpec replicated(String name, TaskSpec template, long replicas) {
        return new ServiceSpec(name, null, template,
                new ServiceMode.Replicated(replicas), null, null, null, null);
    }

    public static ServiceSpec global(String name, TaskSpec template) {
        return new ServiceSpec(name, null, template,
                new ServiceMode.Global(), null, null, null, null);
    }

    public static ServiceSpec withUpdateConfig(ServiceSpec s, ServiceSpec.UpdateConfig u) {
        return new ServiceSpec(s.name(), s.labels(), s.taskTemplate(), s.mode(), u, s.rollbackConfig(), s.networks(),
                s.endpointSpec());
    }

    public static ServiceSpec withReplicas(ServiceSpec s, long replicas) {
        return s.withMode(new ServiceMode.Replicated(replicas));
    }

    public static ServiceSpec withPorts(ServiceSpec s, io.shoal.api.PortConfig... ports) {
        return new ServiceSpec(s.name(), s.labels(), s.taskTemplate(), s.mode(), s.updateConfig(),
                s.rollbackConfig(), s.networks(), new ServiceSpec.EndpointSpec(null, List.of(ports)));
    }

    /** The routing mesh's network, as {@code swarm init} makes it (10.0.0.0/24 in an empty store). */
    public Network addIngress() {
        String id = api.networks().create(new Network.Spec("ingress", null, new Driver("overlay", null),
                false, false, false, true, null, null));
        return api.networks().get(id);
    }

    // ---- nodes and the cluster ----------------------------------------------------------------

    public static Node newNode(String id) {
        return new Node(id, Version.NONE, null, null, new Node.Spec(id, Map.of(), NodeRole.WORKER, NodeAvailability.ACTIVE),
                new Node.Description(id, new Platform("x86_64", "linux"), new Node.Resources(4_000_000_000L, 8L << 30),
                        null, null),
                new Node.Status(NodeState.READY, null, "10.0.0.1"), null);
    }

    public static Node withLabels(Node n, Map<String, String> labels) {
        var s = n.spec();
        return n.withSpec(new Node.Spec(s.name(), labels, s.role(), s.availability()));
    }

    public Node addNode(Node n) {
        create(n);
        return node(n.id());
    }

    public void setAvailability(String nodeId, NodeAvailability availability) {
        Node n = node(nodeId);
        var s = n.spec();
        update(n.withSpec(new Node.Spec(s.name(), s.labels(), s.role(), availability)));
    }

    public void setNodeState(String nodeId, NodeState state) {
        Node n = node(nodeId);
        update(n.withStatus(new Node.Status(state, null, n.status() == null ? null : n.status().addr())));
    }

    public void removeNode(String nodeId) {
        store.update(tx -> {
            tx.delete(tx.node(nodeId));
            return null;
        });
    }

    /** The cluster object with the defaults changed by {@code spec}. */
    public Cluster createCluster(SwarmSpec spec) {
        create(new Cluster("cluster", Version.NONE, null, null, Defaults.fillSwarmSpec(spec), null, false, 4789,
                null, 24, new Cluster.JoinTokens(TOKENS.worker().value(), TOKENS.manager().value()), null));
        return store.view(r -> r.cluster());
    }

    public static SwarmSpec swarmSpec(Long historyLimit, Long heartbeatNanos) {
        return new SwarmSpec("default", null, new SwarmSpec.Orchestration(historyLimit), null,
                new SwarmSpec.Dispatcher(heartbeatNanos), null, null, null);
    }

    // ---- reading and writing ------------------------------------------------------------------

    public void create(StoredObject... objects) {
        store.update(tx -> {
            for (StoredObject o : objects) tx.create(o);
            return null;
        });
    }

    public void update(StoredObject o) {
        store.update(tx -> {
            tx.update(o);
            return null;
        });
    }

    public Service service(String idOrName) {
        return api.services().get(idOrName);
    }

    public Node node(String id) {
        return store.view(r -> r.node(id));
    }

    public Task task(String id) {
        return store.view(r -> r.task(id));
    }

    /** The service's tasks, by slot then age. */
    public List<Task> tasks(String serviceId) {
        List<Task> out = new ArrayList<>(store.view(r -> r.tasksOfService(serviceId)));
        out.sort(Comparator.comparingLong(Task::slot).thenComparing(Task::nodeId, Comparator.nullsFirst(Comparator.naturalOrder()))
                .thenComparing(Task::createdAt));
        return out;
    }

    public List<Task> runnable(String serviceId) {
        return tasks(serviceId).stream().filter(Task::isRunnable).toList();
    }

    /** One line per task, for assertion messages. */
    public static String brief(List<Task> tasks) {
        StringBuilder b = new StringBuilder();
        for (Task t : tasks) {
            b.append("\n  ").append(t.id(), 0, 6).append(" slot=").append(t.slot()).append(" node=").append(t.nodeId())
                    .append(" image=").append(t.spec().containerSpec() == null ? null : t.spec().containerSpec().image())
                    .append(" state=").append(t.state().wireName()).append(" desired=").append(t.desiredState().wireName());
        }
        return b.toString();
    }

    // ---- playing the agent --------------------------------------------------------------------

    /** Writes an observed state as an agent would (on {@code nodeId} if the task has none yet). */
    public Task report(String taskId, TaskState state, String nodeId) {
        Task t = task(taskId);
        Task next = t.withStatus(TaskStatus.of(state, state.wireName(), clock.instant()));
        if (t.nodeId() == null && nodeId != null) next = next.withNodeId(nodeId);
        update(next);
        return task(taskId);
    }

    public Task report(String taskId, TaskState state) {
        return report(taskId, state, null);
    }

    /** A task that exited with {@code exitCode}: COMPLETE for 0, FAILED otherwise. */
    public Task exit(String taskId, int exitCode) {
        Task t = task(taskId);
        TaskState state = exitCode == 0 ? TaskState.COMPLETE : TaskState.FAILED;
        update(t.withStatus(new TaskStatus(clock.instant(), state, exitCode == 0 ? "finished" : "task: non-zero exit (" + exitCode + ")",
                null, new TaskStatus.ContainerStatus("c-" + taskId, 0, exitCode), null)));
        return task(taskId);
    }

    // ---- waiting ------------------------------------------------------------------------------

    /** Polls {@code probe} until {@code condition} holds, failing with the last value after {@link #DEADLINE}. */
    public static <T> T await(String what, Supplier<T> probe, Predicate<T> condition) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (true) {
            T value = probe.get();
            if (condition.test(value)) return value;
            if (System.nanoTime() > deadline) fail("timed out waiting for " + what + "; last seen: " + value);
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }
}
