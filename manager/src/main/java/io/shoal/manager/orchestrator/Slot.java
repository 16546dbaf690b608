package io.shoal.manager.orchestrator;

import io.shoal.api.Service;
import io.shoal.api.ServiceMode;
import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.manager.orchestrator.restart.RestartPolicy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tasks that have filled one place of a service over time: a slot number for a replicated
 * service, a node for a global one. At most one of them should be runnable, except briefly during
 * a start-first update.
 */
public record Slot(String key, List<Task> tasks) {

    /** Groups a service's tasks by the place they fill ({@link ServiceMode#slotOf}), oldest task first. */
    public static Map<String, Slot> of(List<Task> tasks, ServiceMode mode) {
        Map<String, List<Task>> byKey = new LinkedHashMap<>();
        for (Task t : tasks) {
            String key = mode.slotOf(t);
            if (key != null) byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(t);
        }
        Map<String, Slot> out = new LinkedHashMap<>();
        byKey.forEach((k, list) -> {
            list.sort(Comparator.comparing(Task::createdAt, Comparator.nullsLast(Comparator.naturalOrder())));
            out.put(k, new Slot(k, List.copyOf(list)));
        });
        return out;
    }

    public List<Task> runnable() {
        return tasks.stream().filter(Task::isRunnable).toList();
    }

    public Task newest() {
        return tasks.getLast();
    }

    /**
     * A task told to stop that has not stopped yet. One on a node that is down is not waited for:
     * it cannot report that it stopped, and its node stops it when it comes back.
     */
    public boolean hasStopping(Set<String> downNodes) {
        return tasks.stream().anyMatch(t -> !t.isRunnable() && t.desiredState() != TaskState.REMOVE
                && !t.state().isTerminal() && !t.state().isBefore(TaskState.ASSIGNED) && !downNodes.contains(t.nodeId()));
    }

    /**
     * Whether this slot needs no new task: one is runnable, one is still stopping (a stop-first
     * update waits for it), or the last one ended by itself and its restart policy says not to
     * start another.
     */
    public boolean isOccupied(Service service, Set<String> downNodes) {
        if (!runnable().isEmpty() || hasStopping(downNodes)) return true;
        Task last = newest();
        if (last.desiredState() == TaskState.REMOVE) return false;
        return RestartPolicy.endedOnItsOwn(last) && !RestartPolicy.shouldRestart(last, this, service);
    }
}
