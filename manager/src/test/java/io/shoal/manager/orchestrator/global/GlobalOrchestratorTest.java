package io.shoal.manager.orchestrator.global;

import io.shoal.api.NodeState;
import io.shoal.api.NodeAvailability;
import static io.shoal.manager.orchestrator.Harness.global;
import static io.shoal.manager.orchestrator.Harness.newNode;
import static io.shoal.manager.orchestrator.Harness.template;
import static io.shoal.manager.orchestrator.Harness.withConstraints;
import static io.shoal.manager.orchestrator.Harness.withLabels;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.manager.VirtualTime;
import io.shoal.manager.orchestrator.Harness;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Passes of the global orchestrator against a real store: one task per eligible node. */
class GlobalOrchestratorTest {
    private final VirtualTime time = new VirtualTime();
    private final Harness h = new Harness(time);
    private final GlobalOrchestrator orchestrator = new GlobalOrchestrator(h.store, h.clock, h.ticker);

    @BeforeEach
    void nodes() {
        h.addNode(withLabels(newNode("n1"), Map.of("zone", "a")));
        h.addNode(withLabels(newNode("n2"), Map.of("zone", "b")));
        h.addNode(newNode("n3"));
        h.setNodeState("n3", NodeState.DOWN);
        h.addNode(newNode("n4"));
        h.setAvailability("n4", NodeAvailability.DRAIN);
    }

    @AfterEach
    void close() throws Exception {
        h.close();
    }

    private List<String> runnableNodes(String serviceId) {
        return h.runnable(serviceId).stream().map(Task::nodeId).sorted().toList();
    }

    @Test
    void oneTaskPerReadyActiveNode() {
        String id = h.api.services().create(global("agent", template("app:1")));
        orchestrator.reconcile();
        List<Task> tasks = h.tasks(id);
        assertEquals(List.of("n1", "n2"), runnableNodes(id), Harness.brief(tasks));
        assertTrue(tasks.stream().allMatch(t -> t.desiredState() == TaskState.RUNNING && t.slot() == 0));

        orchestrator.reconcile();
        assertEquals(2, h.tasks(id).size(), "a second pass adds nothing");
    }

    @Test
    void onlyNodesMatchingTheConstraints() {
        String id = h.api.services().create(global("agent", withConstraints(template("app:1"), "node.labels.zone==a")));
        orchestrator.reconcile();
        assertEquals(List.of("n1"), runnableNodes(id));
    }

    @Test
    void followsNodesBeingDrainedAddedAndRemoved() {
        String id = h.api.services().create(global("agent", template("app:1")));
        orchestrator.reconcile();
        for (Task t : h.tasks(id)) h.report(t.id(), TaskState.RUNNING);

        h.setAvailability("n1", NodeAvailability.DRAIN);
        orchestrator.reconcile();
        Task onN1 = h.tasks(id).stream().filter(t -> "n1".equals(t.nodeId())).findFirst().orElseThrow();
        assertEquals(TaskState.SHUTDOWN, onN1.desiredState());
        assertEquals(List.of("n2"), runnableNodes(id));

        h.addNode(newNode("n5"));
        orchestrator.reconcile();
        assertEquals(List.of("n2", "n5"), runnableNodes(id));

        h.removeNode("n2");
        orchestrator.reconcile();
        assertEquals(List.of("n5"), runnableNodes(id), Harness.brief(h.tasks(id)));
        Task onN2 = h.tasks(id).stream().filter(t -> "n2".equals(t.nodeId())).findFirst().orElseThrow();
        assertEquals(TaskState.SHUTDOWN, onN2.desiredState());

        // Back to active: n1 gets a new task once its old one has stopped.
        h.setAvailability("n1", NodeAvailability.ACTIVE);
        orchestrator.reconcile();
        assertEquals(List.of("n5"), runnableNodes(id), "not while the old task on n1 still runs");
        h.report(onN1.id(), TaskState.SHUTDOWN);
        orchestrator.reconcile();
        assertEquals(List.of("n1", "n5"), runnableNodes(id));
    }

    @Test
    void runningItGivesEveryGlobalServiceANodeThatJoins() {
        String agent = h.api.services().create(global("agent", template("app:1")));
        String logs = h.api.services().create(global("logs", template("logs:1")));
        h.start(orchestrator);
        time.settle();
        h.addNode(newNode("n5"));
        time.settle();
        assertEquals(List.of("n1", "n2", "n5"), runnableNodes(agent));
        assertEquals(List.of("n1", "n2", "n5"), runnableNodes(logs));
    }
}
