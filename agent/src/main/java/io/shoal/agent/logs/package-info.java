/**
 * Container logs on a node, as Docker's json-file driver keeps them.
 *
 * <p><b>Capture.</b> Executors leave each task's raw output in {@code stdout.log} and {@code
 * stderr.log} of its log directory, with no times. One {@link io.shoal.agent.logs.LogCollector}
 * per node polls them all from a single thread (measured: 1000 idle tasks cost 1.7 ms per 100 ms
 * round once idle tasks are looked at less often, about 9 ms without that; see
 * CollectorCostTest) and appends each complete line to {@code json.log} as {@code
 * {"log":"line\n","stream":"stdout","time":"..."}}, the time being when it was read, strictly
 * increasing per task. A line waits for its newline, up to 16 KiB; the last unterminated one
 * is written when the task ends. {@code json.log} rotates by the task spec's LogDriver options
 * {@code max-size}/{@code max-file} (the cluster's TaskDefaults are not consulted). Raw files
 * are truncated once 1 MiB of them is consumed; {@code logs.state} keeps the offsets, so a
 * restarted daemon goes on without losing or repeating lines.
 *
 * <p><b>Reading.</b> {@link io.shoal.agent.logs.LogReader}: since, tail (read backwards),
 * streams, and follow until the task's capture has ended and everything is delivered.
 */
package io.shoal.agent.logs;
