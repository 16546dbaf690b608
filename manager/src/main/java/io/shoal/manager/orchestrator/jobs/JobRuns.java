package io.shoal.manager.orchestrator.jobs;

import io.shoal.api.Service;
import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.manager.orchestrator.Tasks;
import io.shoal.store.Store;
import java.util.List;

/** What both job orchestrators do with a job's tasks: split them by run, and retire earlier runs. */
final class JobRuns {
    private JobRuns() {}

    /** The tasks of the job's current run. */
    static List<Task> current(Service service, List<Task> tasks) {
        return tasks.stream().filter(t -> Tasks.ofCurrentRun(t, service)).toList();
    }

    /**
     * Tells the tasks of earlier runs that still count as part of a run to shut down: a running one
     * stops, a finished one becomes history (which the task reaper trims to the history limit).
     */
    static void retireEarlierRuns(Store.Batcher b, Service service, List<Task> tasks) {
        for (Task t : tasks) {
            if (!Tasks.ofCurrentRun(t, service) && t.isRunnable()) {
                b.update(tx -> tx.update(t.withDesiredState(TaskState.SHUTDOWN)));
            }
        }
    }
}
