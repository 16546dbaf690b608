package io.shoal.agent.exec;

import io.shoal.api.Config;
import io.shoal.api.Secret;

/**
 * The secrets and configs this node holds for its tasks, as the dispatcher sent them (swarmkit's
 * DependencyGetter). They are kept in memory only: a restarted daemon gets them again from its
 * first COMPLETE assignments.
 */
public interface TaskDependencies {
    /** The secret with this id, or null when the node does not hold it. */
    Secret secret(String id);

    /** The config with this id, or null when the node does not hold it. */
    Config config(String id);

    /** The name of a service one of the node's tasks that use a secret or config belongs to, or null. */
    String serviceName(String serviceId);

    TaskDependencies NONE = new TaskDependencies() {
        @Override
        public Secret secret(String id) {
            return null;
        }

        @Override
        public Config config(String id) {
            return null;
        }

        @Override
        public String serviceName(String serviceId) {
            return null;
        }
    };
}
