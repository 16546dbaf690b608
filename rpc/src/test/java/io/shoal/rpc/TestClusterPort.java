package io.shoal.rpc;

import io.shoal.api.dispatcher.DispatcherProtocol;
import io.shoal.api.Task;
import io.shoal.pki.NodeIdentity;
import io.shoal.pki.NodeRole;
import io.shoal.pki.TestSwarm;
import io.shoal.pki.TlsMaterial;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A manager's cluster port as the daemon opens it, on loopback: the real {@link RpcServer} with
 * its interceptor and TLS, serving a {@link FakeDispatcher}, a {@link TestCa}, Raft membership and
 * state transfer that record their callers, and an authorizer that refuses the node
 * {@value #REMOVED}.
 */
final class TestClusterPort implements AutoCloseable {
    static final String REMOVED = "node-removed";
    static final byte[] STATE = {1, 2, 3};

    final TestSwarm swarm = new TestSwarm("swarm-1");
    final TlsMaterial managerTls = swarm.node("manager-1", NodeRole.MANAGER);
    final FakeDispatcher dispatcher;
    final TestCa ca = new TestCa(swarm);
    final AtomicInteger authorizations = new AtomicInteger();
    final List<NodeIdentity> raftJoins = new CopyOnWriteArrayList<>();
    final List<Long> stateFetches = new CopyOnWriteArrayList<>();
    final RpcServer server;
    final String target;

    TestClusterPort(List<Task> assigned) throws IOException {
        dispatcher = new FakeDispatcher(assigned);
        server = RpcServer.builder(new InetSocketAddress("127.0.0.1", 0), managerTls)
                .dispatcher(dispatcher)
                .certificateAuthority(ca)
                .peerAuthorizer(peer -> {
                    authorizations.incrementAndGet();
                    if (peer.nodeId().equals(REMOVED)) {
                        throw new DispatcherProtocol.NodeRemovedException(
                                "node " + REMOVED + " may not call the managers: node " + REMOVED + " was removed from the swarm");
                    }
                })
                .raftMembership((manager, raftAddress, clusterAddress) -> raftJoins.add(manager))
                .stateTransfer(minIndex -> {
                    stateFetches.add(minIndex);
                    return STATE;
                })
                .start();
        target = "127.0.0.1:" + server.port();
    }

    @Override
    public void close() {
        server.close();
    }
}
