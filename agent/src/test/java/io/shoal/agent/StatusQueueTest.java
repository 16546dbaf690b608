package io.shoal.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.shoal.api.TaskState;
import io.shoal.api.TaskStatus;
import io.shoal.api.dispatcher.TaskStatusUpdate;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class StatusQueueTest {
    private static final long HOUR = TimeUnit.HOURS.toNanos(1);

    private static TaskStatus status(TaskState state) {
        return TaskStatus.of(state, state.name().toLowerCase(), Instant.now());
    }

    private static CompletableFuture<List<TaskStatusUpdate>> taking(StatusQueue q) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return q.take();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void statesOnTheWayToRunningWaitAndOnlyWhereTheTaskArrivedIsSent() throws Exception {
        StatusQueue q = new StatusQueue(0, HOUR);
        var batch = taking(q);
        for (TaskState s : List.of(TaskState.ACCEPTED, TaskState.PREPARING, TaskState.READY, TaskState.STARTING)) q.offer("t1", status(s));
        Thread.sleep(200);
        assertFalse(batch.isDone(), "a state the task passes through was sent before its linger");

        q.offer("t1", status(TaskState.RUNNING));
        List<TaskStatusUpdate> sent = batch.get(10, TimeUnit.SECONDS);
        assertEquals(1, sent.size());
        assertEquals(TaskState.RUNNING, sent.get(0).status().state());
    }

    @Test
    void aDueStatusTakesTheWaitingOnesWithIt() throws Exception {
        StatusQueue q = new StatusQueue(0, HOUR);
        q.offer("t1", status(TaskState.PREPARING));
        q.offer("t2", status(TaskState.FAILED));
        List<TaskStatusUpdate> sent = taking(q).get(10, TimeUnit.SECONDS);
        assertEquals(List.of("t1", "t2"), sent.stream().map(TaskStatusUpdate::taskId).toList());
    }

    @Test
    void aPassingStateIsSentOnceItsLingerIsOverAndAnEarlierStateNeverReplacesALaterOne() throws Exception {
        StatusQueue q = new StatusQueue(HOUR, TimeUnit.MILLISECONDS.toNanos(20));
        q.offer("t1", status(TaskState.STARTING));
        q.offer("t1", status(TaskState.ACCEPTED));
        List<TaskStatusUpdate> sent = taking(q).get(10, TimeUnit.SECONDS);
        assertEquals(1, sent.size());
        assertEquals(TaskState.STARTING, sent.get(0).status().state());
    }
}
