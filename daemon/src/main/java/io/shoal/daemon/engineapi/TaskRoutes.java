package io.shoal.daemon.engineapi;

import io.shoal.api.ApiException;
import io.shoal.api.TaskState;
import io.shoal.manager.control.ControlApi;
import io.shoal.manager.control.TaskControl;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;

/** {@code /tasks}: list with filters, inspect. */
public final class TaskRoutes {
    /** The desired states Docker's {@code desired-state} filter takes. */
    private static final Set<TaskState> DESIRED_STATES = Set.of(TaskState.RUNNING, TaskState.SHUTDOWN, TaskState.ACCEPTED);

    private final Supplier<ControlApi> control;
    private final LogRoutes logs;

    /** @param control the control API of this node's manager, or Docker's refusal on a worker */
    public TaskRoutes(Supplier<ControlApi> control, LogRoutes logs) {
        this.control = control;
        this.logs = logs;
    }

    public void register(Router r) {
        r.add("GET", "/tasks", this::list);
        r.add("GET", "/tasks/{id}", req -> control.get().tasks().get(req.param("id")));
        r.add("GET", "/tasks/{id}/logs", logs::taskLogs);
    }

    private Object list(ApiRequest req) {
        Filters f = req.filters().allow(Set.of("id", "name", "service", "node", "desired-state", "label", "_up-to-date"));
        List<TaskState> desired = f.get("desired-state").stream().map(TaskRoutes::desiredState).toList();
        return control.get().tasks().list(new TaskControl.Query(f.get("id"), f.get("name"), f.get("service"),
                f.get("node"), desired, f.get("label"), f.has("_up-to-date")));
    }

    private static TaskState desiredState(String s) {
        TaskState state;
        try {
            state = TaskState.valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            state = null;
        }
        if (state == null || !DESIRED_STATES.contains(state)) throw ApiException.invalid("Invalid task desired state: %s", s);
        return state;
    }
}
