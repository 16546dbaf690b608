package io.shoal.daemon;

import io.shoal.agent.exec.Executor;
import io.shoal.agent.image.ImageStore;
import io.shoal.daemon.engineapi.ContainerEvents;
import io.shoal.daemon.events.EventJournal;
import io.shoal.daemon.events.SwarmEvents;
import io.shoal.daemon.swarm.Membership;
import io.shoal.daemon.swarm.NodeTasks;
import io.shoal.daemon.swarm.SwarmNode;
import java.io.IOException;

/**
 * One shoal daemon: this host's image store and executor, and its node's membership in a swarm,
 * which it resumes from disk when it starts. The Engine API serves them.
 */
public final class Daemon implements AutoCloseable {
    public static final String ENGINE_VERSION = "28.0.0-shoal";

    private final DaemonOptions options;
    private final Executor executor;
    private final ImageStore images;
    private final SwarmNode swarm;
    private final NodeTasks tasks;
    private final EventJournal events = new EventJournal();
    private final SwarmEvents swarmEvents;
    private final ContainerEvents containerEvents;

    public Daemon(DaemonOptions options, Executor executor, ImageStore images) throws IOException {
        this.options = options;
        this.executor = executor;
        this.images = images;
        this.swarm = new SwarmNode(options, executor);
        this.tasks = new NodeTasks(swarm::membership);
        this.swarmEvents = new SwarmEvents(() -> swarm.membership() instanceof Membership.Manager m ? m.store() : null, events);
        this.containerEvents = new ContainerEvents(tasks, events);
    }

    /** What {@code GET /events} serves: the swarm's events as this manager saw them, and this node's containers'. */
    public EventJournal events() {
        return events;
    }

    public DaemonOptions options() {
        return options;
    }

    public Executor executor() {
        return executor;
    }

    public ImageStore images() {
        return images;
    }

    public SwarmNode swarm() {
        return swarm;
    }

    /** The tasks this node holds, whatever its role. */
    public NodeTasks tasks() {
        return tasks;
    }

    /** The container (task) on this node that uses an image, or null: an image in use is not removed without force. */
    public String containerUsing(String imageId) {
        return tasks.tasks().stream().map(h -> h.task())
                .filter(t -> !t.state().isTerminal() && t.spec().containerSpec() != null)
                .filter(t -> images.find(t.spec().containerSpec().image()).map(i -> i.id().equals(imageId)).orElse(false))
                .map(t -> t.id())
                .findFirst().orElse(null);
    }

    @Override
    public void close() {
        swarmEvents.close();
        containerEvents.close();
        swarm.close();
    }
}
