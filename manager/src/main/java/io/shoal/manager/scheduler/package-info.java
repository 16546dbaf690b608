/**
 * The scheduler: PENDING tasks to ASSIGNED on a node, after swarmkit's manager/scheduler.
 *
 * <p>A {@link io.shoal.manager.scheduler.Scheduler} pass reads the store once, builds a
 * {@code NodeInfo} per node (reservations, host ports and task counts of the tasks there), and
 * decides every waiting task against it: preassigned (global) tasks are only checked on their node;
 * the others are grouped by service and spec, filtered by a {@code Pipeline} (ready, resources,
 * encryption, network plugins, constraints, platform, host ports, max replicas) and placed one by one on a {@code SpreadTree}
 * that evens the service's tasks out across spread-preference label values, then across nodes.
 * Decisions are committed in batches of at most 200 changes. A pass runs when a task starts
 * waiting, or, while the last pass left tasks waiting, when room may have appeared (a task ended or
 * stopped counting, a node changed); otherwise it reads nothing until the periodic full pass.
 *
 * <p>Where we differ from swarmkit, on purpose:
 * <ul>
 *   <li>The node picture is rebuilt each pass rather than kept up to date from events, so it cannot
 *       drift; a pass over 1000 tasks and 1000 nodes takes tens of milliseconds.
 *   <li>Placement is greedy per task (fewest tasks of the service in the branch, then on the node,
 *       then fewest tasks in all, then node id) rather than swarmkit's proportional split per
 *       branch; both even tasks out, ours is deterministic.
 *   <li>No 50 ms debounce: a pass takes everything waiting, so bursts batch themselves.
 *   <li>{@link io.shoal.manager.scheduler.Constraint} refuses unknown keys at parse time, where
 *       swarmkit accepts them and then matches no node.
 *   <li>Ties in the "no suitable node (...)" explanation keep pipeline order (swarmkit's sort is
 *       unstable there).
 * </ul>
 */
package io.shoal.manager.scheduler;
