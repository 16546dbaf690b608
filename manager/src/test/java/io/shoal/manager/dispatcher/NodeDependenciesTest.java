package io.shoal.manager.dispatcher;

import static io.shoal.manager.orchestrator.Harness.newNode;
import static io.shoal.manager.orchestrator.Harness.replicated;
import static io.shoal.manager.orchestrator.Harness.template;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.shoal.api.Config;
import io.shoal.api.ContainerSpec;
import io.shoal.api.Node;
import io.shoal.api.NodeState;
import io.shoal.api.Secret;
import io.shoal.api.Service;
import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.api.TaskStatus;
import io.shoal.api.dispatcher.Assignments;
import io.shoal.api.dispatcher.DispatcherProtocol.Session;
import io.shoal.manager.VirtualTime;
import io.shoal.manager.control.PayloadControl;
import io.shoal.manager.orchestrator.Harness;
import io.shoal.manager.orchestrator.Tasks;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The assignment set: a node gets a secret or config with its first task that refers to it, and forgets it with its last. */
class NodeDependenciesTest {
    private final Harness h = new Harness(new VirtualTime());
    private Dispatcher dispatcher;
    private String secretId;
    private String configId;
    private Service service;

    @BeforeEach
    void start() {
        for (String id : List.of("n1", "n2")) h.addNode(newNode(id).withStatus(new Node.Status(NodeState.UNKNOWN, null, null)));
        secretId = h.api.secrets().create(new PayloadControl.Fields("pw", null, bytes("hunter2"), null, null));
        configId = h.api.configs().create(new PayloadControl.Fields("conf", null, bytes("a=1"), null, null));
        h.api.secrets().create(new PayloadControl.Fields("unused", null, bytes("nobody's"), null, null));
        var file = new ContainerSpec.FileTarget("pw", "0", "0", 0444);
        var t = template("app:1");
        var withRefs = t.withContainerSpec(t.containerSpec().withSecretsAndConfigs(
                List.of(new ContainerSpec.SecretReference(file, secretId, "pw")),
                List.of(new ContainerSpec.ConfigReference(new ContainerSpec.FileTarget("/conf", "0", "0", 0444), null, configId, "conf"))));
        service = h.service(h.api.services().create(replicated("web", withRefs, 0)));
        dispatcher = h.closeLater(new Dispatcher(h.store, h.clock, h.ticker));
    }

    @AfterEach
    void close() throws Exception {
        h.close();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private Task task(long slot, String nodeId) {
        Task t = Tasks.newTask(service, slot, nodeId, TaskState.RUNNING, h.clock.instant());
        h.create(t.withStatus(TaskStatus.of(TaskState.ASSIGNED, "assigned", h.clock.instant())));
        return h.task(t.id());
    }

    private void report(Task t, TaskState state) {
        h.update(h.task(t.id()).withStatus(TaskStatus.of(state, state.wireName(), h.clock.instant())));
    }

    private LinkedBlockingQueue<Assignments> subscribe(String nodeId) {
        Session s = dispatcher.register(nodeId, newNode(nodeId).description(), "10.0.0.1");
        LinkedBlockingQueue<Assignments> q = new LinkedBlockingQueue<>();
        h.closeLater(dispatcher.assignments(nodeId, s.sessionId(), q::add));
        return q;
    }

    /** The next message that says something of secrets or configs (task-only news is skipped). */
    private static Assignments nextDependencies(LinkedBlockingQueue<Assignments> q) throws InterruptedException {
        for (;;) {
            Assignments a = q.poll(Harness.DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            assertNotNull(a, "no assignments message about dependencies");
            if (!a.dependencies().isEmpty()) return a;
        }
    }

    /** The messages up to and with the first that brings the task {@code taskId}. */
    private static List<Assignments> untilTask(LinkedBlockingQueue<Assignments> q, String taskId) throws InterruptedException {
        List<Assignments> seen = new ArrayList<>();
        for (;;) {
            Assignments a = q.poll(Harness.DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            assertNotNull(a, "no assignments message with task " + taskId);
            seen.add(a);
            if (a.changed().stream().anyMatch(t -> t.id().equals(taskId))) return seen;
        }
    }

    @Test
    void onlyNodesRunningATaskThatRefersToItHoldIt() throws Exception {
        Task first = task(1, "n1");
        var n1 = subscribe("n1");
        var n2 = subscribe("n2");

        Assignments complete = n1.poll(Harness.DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(Assignments.Type.COMPLETE, complete.type());
        assertEquals(List.of(secretId), complete.dependencies().secrets().stream().map(Secret::id).toList());
        assertEquals(List.of(configId), complete.dependencies().configs().stream().map(Config::id).toList());
        assertEquals(java.util.Map.of(service.id(), "web"), complete.dependencies().serviceNames(), "for templates");
        assertEquals("hunter2", new String(complete.dependencies().secrets().getFirst().spec().data(), StandardCharsets.UTF_8));
        Assignments none = n2.poll(Harness.DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(Assignments.Type.COMPLETE, none.type());
        assertEquals(List.of(), none.dependencies().secrets(), "n2 runs no task of the service");

        // A second task on n1 sends nothing again; the first task on n2 sends it there.
        Task second = task(2, "n1");
        Task third = task(3, "n2");
        // The stream reads the store as it is when it looks, which may be ahead of the events it has
        // taken: the secret may come a message before the task, never after it.
        List<Assignments> toN2 = untilTask(n2, third.id());
        assertEquals(List.of(secretId), toN2.stream().flatMap(a -> a.dependencies().secrets().stream()).map(Secret::id).toList(),
                "with the task that needs it or before it, once");

        // n1 keeps it while one of its tasks has not ended; the last one's end takes it away.
        report(first, TaskState.COMPLETE);
        report(second, TaskState.FAILED);
        Assignments forget = nextDependencies(n1);
        assertEquals(List.of(secretId), forget.dependencies().removedSecrets());
        assertEquals(List.of(configId), forget.dependencies().removedConfigs());
        assertEquals(List.of(service.id()), forget.dependencies().removedServices());
        assertNull(n1.stream().filter(a -> !a.dependencies().isEmpty()).findAny().orElse(null), "sent once, removed once");
        assertEquals(List.of(), n1.stream().flatMap(a -> a.dependencies().secrets().stream()).toList());
    }
}
