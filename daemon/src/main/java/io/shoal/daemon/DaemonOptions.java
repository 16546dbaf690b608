package io.shoal.daemon;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * How a daemon was started. {@code listenAddr} is where the cluster API listens; the Raft
 * transport takes the next port. {@code listenAddrExplicit} says the operator chose it, so it wins
 * over the docker CLI's default in {@code swarm init}. {@code dns}: where containers' names the
 * swarm does not know are resolved (empty: the host's resolv.conf). {@code gatewaySubnet}: the
 * node's own range for its containers' way out (docker_gwbridge's), null for the default.
 * {@code networkKeyRotation}: how often encrypted networks get a new key while this node leads
 * (Docker's 12 hours unless a test asks for less). {@code runtime}: the oci executor's OCI
 * runtime, "crun" or "runc" (null: crun where it works, else runc).
 */
public record DaemonOptions(Path dataDir, Path socket, String listenAddr, boolean listenAddrExplicit,
                            String advertiseAddr, String executor, String hostname, Map<String, String> labels,
                            List<String> dns, String gatewaySubnet, Duration networkKeyRotation,
                            String runtime) {}
