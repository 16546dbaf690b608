package io.shoal.bench;

import io.shoal.api.EndpointMode;
import io.shoal.api.NodeAvailability;
import io.shoal.api.NodeState;
import io.shoal.api.ServiceMode;
import io.shoal.pki.NodeRole;
import io.shoal.api.Node;
import io.shoal.api.Platform;
import io.shoal.api.Service;
import io.shoal.api.ServiceSpec;
import io.shoal.api.Task;
import io.shoal.api.TaskSpec;
import io.shoal.api.TaskState;
import io.shoal.api.TaskStatus;
import io.shoal.api.Version;
import io.shoal.manager.scheduler.Scheduler;
import io.shoal.store.DirectProposer;
import io.shoal.store.Event;
import io.shoal.store.Kind;
import io.shoal.store.MemoryStore;
import io.shoal.store.Store;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scheduler throughput: a store holding many ready nodes and many PENDING tasks of one service,
 * then the time until every task is ASSIGNED, by the real {@link Scheduler} and by a naive
 * placement (scan every node for the one with fewest tasks) writing through the same store path.
 */
final class SchedulerBench {
    private static final long CPU = 1_000_000_000L;
    private static final long GIB = 1L << 30;
    private static final int BATCH = Store.MAX_CHANGES_PER_BATCH;
    private static final String SERVICE = "svc-bench";

    /** One timed placement of every task; spread is max − min tasks per node afterwards. */
    record Run(double seconds, int assigned, int spread) {
        double perSecond() {
            return assigned / seconds;
        }
    }

    private SchedulerBench() {}

    static void run(int nodes, int tasks, int rounds) throws InterruptedException {
        System.out.printf("%n== Scheduler throughput: %d nodes, %d PENDING tasks of one service (in process, MemoryStore + DirectProposer)%n",
                nodes, tasks);
        // Warm both paths up at full size so the JIT has compiled them before anything is timed.
        for (int i = 0; i < 2; i++) {
            scheduler(nodes, tasks);
            naive(nodes, tasks);
        }
        List<Run> shoal = new ArrayList<>();
        List<Run> naive = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            shoal.add(scheduler(nodes, tasks));
            naive.add(naive(nodes, tasks));
        }
        Run s = median(shoal);
        Run n = median(naive);
        System.out.printf("%-28s %10s %14s %8s%n", "", "seconds", "placements/s", "spread");
        System.out.printf("%-28s %10.3f %14.0f %8d%n", "shoal Scheduler", s.seconds(), s.perSecond(), s.spread());
        System.out.printf("%-28s %10.3f %14.0f %8d%n", "naive fewest-tasks scan", n.seconds(), n.perSecond(), n.spread());
        System.out.printf("ratio shoal/naive time: %.2f  (median of %d rounds; rounds shoal %s, naive %s)%n",
                s.seconds() / n.seconds(), rounds, secondsOf(shoal), secondsOf(naive));
    }

    private static Run median(List<Run> runs) {
        List<Run> sorted = new ArrayList<>(runs);
        sorted.sort((a, b) -> Double.compare(a.seconds(), b.seconds()));
        return sorted.get(sorted.size() / 2);
    }

    private static String secondsOf(List<Run> runs) {
        return runs.stream().map(r -> String.format("%.3f", r.seconds())).toList().toString();
    }

    /** The real scheduler, started once every task is written. */
    static Run scheduler(int nodeCount, int taskCount) throws InterruptedException {
        Store store = populated(nodeCount, taskCount);
        AssignedCounter counter = new AssignedCounter(taskCount);
        store.memory().addListener(counter);
        Scheduler scheduler = new Scheduler(store);
        long t0 = System.nanoTime();
        scheduler.start();
        try {
            if (!counter.done.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException("scheduler assigned only " + counter.assigned.get() + " of " + taskCount);
            }
        } finally {
            scheduler.stop();
        }
        return new Run((counter.doneAt - t0) / 1e9, counter.assigned.get(), spread(store));
    }

    /** The baseline: each task to the node with fewest tasks, found by scanning all of them. */
    static Run naive(int nodeCount, int taskCount) throws InterruptedException {
        Store store = populated(nodeCount, taskCount);
        AssignedCounter counter = new AssignedCounter(taskCount);
        store.memory().addListener(counter);
        long t0 = System.nanoTime();
        List<Node> nodes = store.view(tx -> tx.nodes()).stream()
                .filter(n -> n.isReady() && n.spec().availability() == NodeAvailability.ACTIVE).toList();
        List<Task> waiting = store.view(tx -> tx.tasks()).stream()
                .filter(t -> t.state() == TaskState.PENDING).toList();
        int[] load = new int[nodes.size()];
        Instant now = Instant.now();
        store.batch(b -> {
            for (Task t : waiting) {
                int best = 0;
                for (int i = 1; i < load.length; i++) {
                    if (load[i] < load[best]) best = i;
                }
                load[best]++;
                Task assigned = t.withNodeId(nodes.get(best).id())
                        .withStatus(TaskStatus.of(TaskState.ASSIGNED, "naive", now));
                b.update(tx -> tx.update(assigned));
            }
        });
        if (!counter.done.await(120, TimeUnit.SECONDS)) throw new IllegalStateException("naive placement incomplete");
        return new Run((counter.doneAt - t0) / 1e9, counter.assigned.get(), spread(store));
    }

    /** Counts PENDING → ASSIGNED transitions as the store applies them; notes when the last one lands. */
    private static final class AssignedCounter implements java.util.function.Consumer<List<Event>> {
        final AtomicInteger assigned = new AtomicInteger();
        final CountDownLatch done = new CountDownLatch(1);
        final int target;
        volatile long doneAt;

        AssignedCounter(int target) {
            this.target = target;
        }

        @Override
        public void accept(List<Event> events) {
            int n = 0;
            for (Event e : events) {
                if (e.kind() == Kind.TASK && e.before() instanceof Task b && e.after() instanceof Task a
                        && b.state() == TaskState.PENDING && a.state() == TaskState.ASSIGNED) n++;
            }
            if (n > 0 && assigned.addAndGet(n) >= target && done.getCount() > 0) {
                doneAt = System.nanoTime();
                done.countDown();
            }
        }
    }

    private static int spread(Store store) {
        Map<String, Integer> perNode = new HashMap<>();
        for (Node n : store.view(tx -> tx.nodes())) perNode.put(n.id(), 0);
        for (Task t : store.view(tx -> tx.tasks())) {
            if (t.nodeId() != null) perNode.merge(t.nodeId(), 1, Integer::sum);
        }
        int max = perNode.values().stream().mapToInt(i -> i).max().orElse(0);
        int min = perNode.values().stream().mapToInt(i -> i).min().orElse(0);
        return max - min;
    }

    /** A fresh store with the nodes, the service and its PENDING tasks, each written in batches of 200. */
    private static Store populated(int nodeCount, int taskCount) {
        MemoryStore memory = new MemoryStore();
        Store store = new Store(memory, new DirectProposer(memory), Clock.systemUTC());
        store.batch(b -> {
            for (int i = 0; i < nodeCount; i++) {
                Node n = node("node-%05d".formatted(i));
                b.update(tx -> tx.create(n));
            }
        });
        TaskSpec spec = new TaskSpec(null, null, null, null, null, null, 0, null, null, null);
        var serviceSpec = new ServiceSpec(SERVICE, Map.of(), spec,
                new ServiceMode.Replicated(taskCount), null, null, null,
                new ServiceSpec.EndpointSpec(EndpointMode.VIP, List.of()));
        store.update(tx -> {
            tx.create(new Service(SERVICE, Version.NONE, null, null, serviceSpec, null, null, null, null, null));
            return null;
        });
        Instant now = Instant.now();
        store.batch(b -> {
            for (int slot = 1; slot <= taskCount; slot++) {
                Task t = new Task("task-%06d".formatted(slot), Version.NONE, null, null, SERVICE + "." + slot, Map.of(),
                        spec, SERVICE, slot, null, TaskStatus.of(TaskState.PENDING, "pending task scheduling", now),
                        TaskState.RUNNING, null, null);
                b.update(tx -> tx.create(t));
            }
        });
        return store;
    }

    /** A ready, active linux/amd64 worker with 4 CPUs and 8 GiB. */
    private static Node node(String id) {
        return new Node(id, Version.NONE, null, null,
                new Node.Spec(id, Map.of(), NodeRole.WORKER, NodeAvailability.ACTIVE),
                new Node.Description(id, new Platform("x86_64", "linux"), new Node.Resources(4 * CPU, 8 * GIB),
                        new Node.Engine("25.0", Map.of(), List.of()), null),
                new Node.Status(NodeState.READY, null, "10.0.0.1"), null);
    }
}
