package io.shoal.manager.orchestrator;

import io.shoal.api.Service;
import io.shoal.api.Task;
import io.shoal.store.ReadTx;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A service with its tasks and the down nodes among theirs, read in one view: what an orchestrator's
 * pass over a service looks at.
 */
public record ServiceTasks(Service service, List<Task> tasks, Set<String> downNodes) {

    /** The services of {@code ids} that still exist and that {@code wanted} takes, each with its tasks. */
    public static List<ServiceTasks> read(ReadTx r, Collection<String> ids, Predicate<Service> wanted) {
        List<ServiceTasks> out = new ArrayList<>();
        for (String id : ids) {
            if (!(r.service(id) instanceof Service s) || !wanted.test(s)) continue;
            List<Task> tasks = r.tasksOfService(id);
            out.add(new ServiceTasks(s, tasks, Tasks.downNodes(r, tasks)));
        }
        return out;
    }
}
