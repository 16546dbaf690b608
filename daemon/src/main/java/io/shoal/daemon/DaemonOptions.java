package io.shoal.daemon;

import java.nio.file.Path;
import java.util.Map;

/**
 * How a daemon was started. {@code listenAddr} is where the cluster API listens; the Raft
 * transport takes the next port. {@code listenAddrExplicit} says the operator chose it, so it wins
 * over the docker CLI's default in {@code swarm init}.
 */
public record DaemonOptions(Path dataDir, Path socket, String listenAddr, boolean listenAddrExplicit,
                            String advertiseAddr, String executor, String hostname, Map<String, String> labels) {}
