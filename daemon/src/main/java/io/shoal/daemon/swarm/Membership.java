package io.shoal.daemon.swarm;

import io.shoal.manager.control.ControlApi;
import io.shoal.store.Store;

/**
 * Where this node stands with a swarm. {@link SwarmNode} moves it between these forms:
 * <pre>
 *   Outside ── init ─────────────────────► Manager
 *   Outside ── join (worker/manager token) ► Worker | Manager
 *   Worker  ── promoted (certified manager) ► Manager      (the Raft member joins; tasks run on)
 *   Manager ── demoted (certified worker) ──► Worker       (the Raft member stops; tasks run on)
 *   Manager ── init --force-new-cluster ───► Manager      (a new one-member group with the old state)
 *   Worker | Manager ── refused as removed ─► Removed      (the agent stops)
 *   Worker | Manager | Removed ── leave ────► Outside      (tasks stopped, state erased)
 *   (daemon start, keys sealed) ──────────► Locked ── unlock ──► Manager | Worker
 *   Locked ── leave --force ───────────────► Outside      (state erased)
 * </pre>
 */
public sealed interface Membership {

    /** Not in a swarm. */
    record Outside() implements Membership {}

    /** A worker: an agent runs the tasks the managers assign. */
    record Worker(Member member) implements Membership {}

    /** A manager: a worker that also runs a member of the managers' Raft group, and all that runs on a manager. */
    record Manager(Member member, LocalManager manager) implements Membership {
        public ControlApi control() {
            return manager.control;
        }

        /** This manager's copy of the store: its change events are the swarm's events (see EventRoutes). */
        public Store store() {
            return manager.store;
        }
    }

    /**
     * A manager whose keys are sealed (autolock) since the daemon started: nothing of the swarm
     * runs, not even the agent, until {@code docker swarm unlock} gives the key.
     */
    record Locked(SwarmState state) implements Membership {
        /** Docker's words for it, in {@code docker info} and in every refusal. */
        public static final String ERROR = "Swarm is encrypted and needs to be unlocked before it can be used. "
                + "Please use \"docker swarm unlock\" to unlock it.";
    }

    /** The managers no longer have this node: its agent stopped; leaving clears what is left. */
    record Removed(Member member, String reason) implements Membership {}

    /** The node's part in the swarm, or null outside one. */
    default Member member() {
        return null;
    }

    /** What the node remembers of its swarm, or null outside one. */
    default SwarmState state() {
        Member m = member();
        return m == null ? null : m.state();
    }
}
