package io.shoal.manager.scheduler;

import io.shoal.api.NodeAvailability;
import static io.shoal.manager.scheduler.Fixtures.CPU;
import static io.shoal.manager.scheduler.Fixtures.node;
import static io.shoal.manager.scheduler.Fixtures.pending;
import static io.shoal.manager.scheduler.Fixtures.reserving;
import static io.shoal.manager.scheduler.Fixtures.withAvailability;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.shoal.api.StoredObject;
import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.api.TaskStatus;
import io.shoal.store.Store;
import java.time.Duration;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The scheduler as a running controller, reacting to what others write to the store. */
class RunningSchedulerTest {
    private final Store store = Fixtures.store();
    private final Scheduler scheduler = new Scheduler(store);

    @AfterEach
    void stop() {
        scheduler.stop();
    }

    private void write(StoredObject o, boolean create) {
        store.update(tx -> {
            if (create) tx.create(o);
            else tx.update(o);
            return null;
        });
    }

    private Task awaitTask(String id, Predicate<Task> condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            Task t = store.view(tx -> tx.task(id));
            if (t != null && condition.test(t)) return t;
            if (System.nanoTime() > deadline) fail("task " + id + " never got there; last seen " + t);
            Thread.sleep(5);
        }
    }

    @Test
    void assignsTasksAsTheyAreWrittenAndRetriesWhenRoomAppears() throws Exception {
        scheduler.start();
        write(node("n1"), true);
        write(pending("db-1", "db", 1, reserving(3 * CPU, 0)), true);
        assertEquals("n1", awaitTask("db-1", t -> t.state() == TaskState.ASSIGNED).nodeId());

        write(pending("db-2", "db", 2, reserving(3 * CPU, 0)), true);
        awaitTask("db-2", t -> "no suitable node (insufficient resources on 1 node)".equals(t.status().err()));

        // A drained node joining changes the reason; making it active lets the task go there.
        write(withAvailability(node("n2"), NodeAvailability.DRAIN), true);
        awaitTask("db-2", t -> ("no suitable node (1 node not available for new tasks; "
                + "insufficient resources on 1 node)").equals(t.status().err()));
        write(store.view(tx -> tx.node("n2")).withSpec(node("n2").spec()), false);
        assertEquals("n2", awaitTask("db-2", t -> t.state() == TaskState.ASSIGNED).nodeId());

        // A task ending on n1 frees its reservation for the next one.
        write(pending("db-3", "db", 3, reserving(3 * CPU, 0)), true);
        awaitTask("db-3", t -> t.status().err() != null);
        Task first = store.view(tx -> tx.task("db-1"));
        write(first.withStatus(TaskStatus.of(TaskState.COMPLETE, "finished", null)), false);
        assertEquals("n1", awaitTask("db-3", t -> t.state() == TaskState.ASSIGNED).nodeId());
    }
}
