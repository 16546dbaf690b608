package io.shoal.daemon;

import io.shoal.pki.NodeRole;
import io.shoal.api.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * What this node must remember of its swarm across restarts; kept in {@code <data-dir>/swarm/state.json}.
 * {@code listenAddr} is where the cluster port (node RPC with mutual TLS) listens; a worker keeps
 * the cluster ports of the managers it reaches in {@code remoteManagers}.
 */
public record SwarmState(String nodeId, String clusterId, String raftAddress, String advertiseAddr, NodeRole role,
                         String listenAddr, java.util.List<String> remoteManagers) {

    SwarmState withListenAddr(String addr) {
        return new SwarmState(nodeId, clusterId, raftAddress, advertiseAddr, role, addr, remoteManagers);
    }

    static SwarmState load(Path file) throws IOException {
        return Files.exists(file) ? Json.MAPPER.readValue(file.toFile(), SwarmState.class) : null;
    }

    void save(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, Json.MAPPER.writeValueAsBytes(this));
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
