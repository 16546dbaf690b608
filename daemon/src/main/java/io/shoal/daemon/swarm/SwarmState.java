package io.shoal.daemon.swarm;

import io.shoal.api.Json;
import io.shoal.common.FileTrees;
import io.shoal.common.HostPort;
import io.shoal.pki.NodeRole;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What this node remembers of its swarm across restarts, in {@code <data-dir>/swarm/state.json}:
 * who it is, the role it runs as, where its cluster port listens and is reached
 * ({@code host:port}; Raft takes the next port), and the managers' cluster ports it knows.
 */
public record SwarmState(String nodeId, String clusterId, NodeRole role, String advertiseAddr, String listenAddr,
                         List<String> remoteManagers) {

    public SwarmState {
        remoteManagers = remoteManagers == null ? List.of() : List.copyOf(remoteManagers);
    }

    public HostPort advertise() {
        return HostPort.parse(advertiseAddr, 0);
    }

    public HostPort listen() {
        return HostPort.parse(listenAddr, 0);
    }

    /** Where the other managers reach this one's Raft member: the cluster port's host, the next port. */
    String raftAddress() {
        return advertise().withPort(advertise().port() + 1).toString();
    }

    SwarmState withRole(NodeRole r) {
        return new SwarmState(nodeId, clusterId, r, advertiseAddr, listenAddr, remoteManagers);
    }

    SwarmState withListenAddr(String addr) {
        return new SwarmState(nodeId, clusterId, role, advertiseAddr, addr, remoteManagers);
    }

    SwarmState withRemoteManagers(List<String> managers) {
        return new SwarmState(nodeId, clusterId, role, advertiseAddr, listenAddr, managers);
    }

    static SwarmState load(Path file) throws IOException {
        return Files.exists(file) ? Json.MAPPER.readValue(file.toFile(), SwarmState.class) : null;
    }

    void save(Path file) throws IOException {
        FileTrees.writeAtomically(file, Json.MAPPER.writeValueAsBytes(this));
    }
}
