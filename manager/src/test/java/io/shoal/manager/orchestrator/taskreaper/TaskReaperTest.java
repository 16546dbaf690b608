package io.shoal.manager.orchestrator.taskreaper;

import static io.shoal.manager.orchestrator.Harness.replicated;
import static io.shoal.manager.orchestrator.Harness.swarmSpec;
import static io.shoal.manager.orchestrator.Harness.template;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.shoal.api.Service;
import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.manager.orchestrator.Harness;
import io.shoal.manager.orchestrator.Tasks;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Passes of the task reaper against a real store. */
class TaskReaperTest {
    private final Harness h = new Harness();
    private final TaskReaper reaper = new TaskReaper(h.store, h.clock, h.ticker);

    @AfterEach
    void close() throws Exception {
        h.close();
    }

    /** A task of {@code service} in {@code slot}, written in a batch of its own (so it is younger than the last). */
    private Task task(Service service, long slot, TaskState state, TaskState desired) {
        Task t = Tasks.newTask(service, slot, null, desired, h.clock.instant());
        h.create(t);
        return state == TaskState.NEW ? h.task(t.id()) : h.report(t.id(), state, "n1");
    }

    private List<String> ids(List<Task> tasks) {
        return tasks.stream().map(Task::id).sorted().toList();
    }

    @Test
    void keepsTheHistoryLimitPerSlot() {
        h.createCluster(swarmSpec(2L, null));
        Service s = h.service(h.api.services().create(replicated("web", template("app:1"), 2)));
        List<Task> slot1 = new ArrayList<>();
        for (int i = 0; i < 4; i++) slot1.add(task(s, 1, TaskState.FAILED, TaskState.SHUTDOWN));
        slot1.add(task(s, 1, TaskState.RUNNING, TaskState.RUNNING));
        Task slot2Old = task(s, 2, TaskState.COMPLETE, TaskState.SHUTDOWN);
        Task slot2 = task(s, 2, TaskState.RUNNING, TaskState.RUNNING);

        reaper.reconcile();
        assertEquals(ids(List.of(slot1.get(3), slot1.get(4), slot2Old, slot2)), ids(h.tasks(s.id())),
                Harness.brief(h.tasks(s.id())));
    }

    @Test
    void keepsFiveByDefault() {
        Service s = h.service(h.api.services().create(replicated("web", template("app:1"), 1)));
        for (int i = 0; i < 7; i++) task(s, 1, TaskState.FAILED, TaskState.SHUTDOWN);
        reaper.reconcile();
        assertEquals(5, h.tasks(s.id()).size());
    }

    @Test
    void deletesRemovedTasksOnceTheyHaveStopped() {
        Service s = h.service(h.api.services().create(replicated("web", template("app:1"), 1)));
        Task stopping = task(s, 1, TaskState.RUNNING, TaskState.REMOVE);
        Task neverPlaced = task(s, 2, TaskState.NEW, TaskState.REMOVE);

        reaper.reconcile();
        assertNotNull(h.task(stopping.id()), "still running on its node");
        assertNull(h.task(neverPlaced.id()), "never reached a node, nothing to wait for");

        h.report(stopping.id(), TaskState.SHUTDOWN);
        reaper.reconcile();
        assertNull(h.task(stopping.id()));
    }

    @Test
    void tasksOfADeletedServiceAreRemovedThenDeleted() {
        Service s = h.service(h.api.services().create(replicated("web", template("app:1"), 2)));
        Task running = task(s, 1, TaskState.RUNNING, TaskState.RUNNING);
        Task ended = task(s, 2, TaskState.FAILED, TaskState.SHUTDOWN);
        // Deleted behind the control API's back, as a half-done removal would leave it.
        h.store.update(tx -> {
            tx.delete(tx.service(s.id()));
            return null;
        });

        reaper.reconcile();
        assertNull(h.task(ended.id()));
        assertEquals(TaskState.REMOVE, h.task(running.id()).desiredState(), "its agent is told to stop it");

        reaper.reconcile();
        assertNotNull(h.task(running.id()), "not deleted before it has stopped");
        h.report(running.id(), TaskState.SHUTDOWN);
        reaper.reconcile();
        assertNull(h.task(running.id()));
    }

    @Test
    void removeServiceThroughTheApi() {
        Service s = h.service(h.api.services().create(replicated("web", template("app:1"), 1)));
        Task running = task(s, 1, TaskState.RUNNING, TaskState.RUNNING);
        h.api.services().remove("web");
        reaper.reconcile();
        assertEquals(TaskState.REMOVE, h.task(running.id()).desiredState(), "the reaper tells its agent to stop it");
        reaper.reconcile();
        assertNotNull(h.task(running.id()));
        h.report(running.id(), TaskState.SHUTDOWN);
        reaper.reconcile();
        assertEquals(List.of(), h.store.view(r -> r.tasks()));
    }
}
