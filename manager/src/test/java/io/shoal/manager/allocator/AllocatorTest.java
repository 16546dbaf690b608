package io.shoal.manager.allocator;

import static io.shoal.manager.orchestrator.Harness.replicated;
import static io.shoal.manager.orchestrator.Harness.template;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.shoal.api.Service;
import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.manager.orchestrator.Harness;
import io.shoal.manager.orchestrator.Tasks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AllocatorTest {
    private final Harness h = new Harness();

    @AfterEach
    void close() throws Exception {
        h.close();
    }

    @Test
    void movesNewTasksToPendingButNotThoseAlreadyToldToStop() {
        h.start(new Allocator(h.store, h.clock, h.ticker));
        Service s = h.service(h.api.services().create(replicated("web", template("app:1"), 1)));
        Task stopped = Tasks.newTask(s, 2, null, TaskState.SHUTDOWN, h.clock.instant());
        Task delayed = Tasks.newTask(s, 3, null, TaskState.READY, h.clock.instant());
        Task fresh = Tasks.newTask(s, 1, null, TaskState.RUNNING, h.clock.instant());
        h.create(stopped, delayed);
        h.create(fresh);

        Harness.await("the new task to be pending", () -> h.task(fresh.id()), t -> t.state() == TaskState.PENDING);
        Harness.await("the delayed task to be pending", () -> h.task(delayed.id()), t -> t.state() == TaskState.PENDING);
        assertEquals(TaskState.NEW, h.task(stopped.id()).state());
    }
}
