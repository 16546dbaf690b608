package io.shoal.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.api.ApiException;
import io.shoal.api.Node;
import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.api.TaskStatus;
import io.shoal.api.dispatcher.Assignments;
import io.shoal.api.dispatcher.Dispatcher.SessionInvalidException;
import io.shoal.api.dispatcher.TaskStatusUpdate;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RpcTest {
    private static final String TOKEN = "SWMTKN-1-test-secret";
    private static final Instant T0 = Instant.parse("2025-01-02T03:04:05.123456789Z");
    private static final Node.Description DESCRIPTION =
            new Node.Description("host-a", null, new Node.Resources(2_000_000_000L, 1L << 30), null, null);

    private final TestPki pki = new TestPki("swarm-1");
    private final FakeDispatcher dispatcher = new FakeDispatcher(List.of(task("t1", TaskState.RUNNING)));
    private final FakeIssuer issuer = new FakeIssuer();
    private final AtomicInteger authorizations = new AtomicInteger();
    private RpcServer server;
    private String target;
    private RemoteDispatcher remote;

    @BeforeEach
    void start() throws IOException {
        server = RpcServer.builder(new InetSocketAddress("127.0.0.1", 0), pki.node("manager-1", NodeIdentity.MANAGER_OU))
                .dispatcher(dispatcher)
                .certificateIssuer(issuer)
                .peerAuthorizer(peer -> {
                    authorizations.incrementAndGet();
                    return peer.nodeId().equals("node-removed")
                            ? Optional.of("node node-removed was removed from the swarm")
                            : Optional.empty();
                })
                .start();
        target = "127.0.0.1:" + server.port();
        remote = RemoteDispatcher.connect(target, pki.node("node-a", NodeIdentity.WORKER_OU));
    }

    @AfterEach
    void stop() {
        remote.close();
        server.close();
    }

    @Test
    void registerHeartbeatAssignmentsAndStatusRoundTrip() throws Exception {
        var session = remote.register("node-a", DESCRIPTION, "10.0.0.2");
        assertEquals(FakeDispatcher.PERIOD, session.heartbeatPeriodNanos());
        assertEquals(List.of("10.0.0.1:2377"), session.managers());
        assertEquals(List.of("register node-a 10.0.0.2"), dispatcher.calls);
        assertEquals(List.of(DESCRIPTION), dispatcher.descriptions);

        assertEquals(new io.shoal.api.dispatcher.Dispatcher.Heartbeat(FakeDispatcher.NEXT_PERIOD, io.shoal.pki.NodeRole.WORKER), remote.heartbeat("node-a", session.sessionId()));

        var received = new CopyOnWriteArrayList<Assignments>();
        try (var subscription = remote.assignments("node-a", session.sessionId(), received::add)) {
            // COMPLETE has been delivered when assignments() returns
            assertEquals(List.of(new Assignments(Assignments.Type.COMPLETE, List.of(task("t1", TaskState.RUNNING)), List.of())),
                    received);
            var incremental = new Assignments(Assignments.Type.INCREMENTAL, List.of(task("t2", TaskState.SHUTDOWN)), List.of("t1"));
            dispatcher.push("node-a", incremental);
            await(() -> received.size() == 2, "the INCREMENTAL message");
            assertEquals(incremental, received.get(1));

            var updates = List.of(
                    new TaskStatusUpdate("t1", TaskStatus.of(TaskState.RUNNING, "started", T0)),
                    new TaskStatusUpdate("t2", new TaskStatus(T0, TaskState.FAILED, "exited", "exit 1",
                            new TaskStatus.ContainerStatus("c2", 42, 1), null)));
            remote.updateTaskStatus("node-a", session.sessionId(), updates);
            assertEquals(updates, dispatcher.statuses);
        }
        await(() -> dispatcher.closedSubscriptions.equals(List.of("node-a")), "the server to close the subscription");
    }

    @Test
    void theNodeIdIsTheCertificatesNotTheCallers() {
        var session = remote.register("impostor", DESCRIPTION, "10.0.0.2");
        remote.heartbeat("impostor", session.sessionId());
        remote.updateTaskStatus("someone-else", session.sessionId(), List.of());
        assertEquals(List.of("register node-a 10.0.0.2", "heartbeat node-a", "status node-a"), dispatcher.calls);
    }

    @Test
    void aClientWithoutCertificateIsRefusedByTheDispatcher() {
        try (var anonymous = new RemoteDispatcher(RpcChannels.serverAuthenticated(target, List.of(pki.root)), Duration.ofSeconds(5))) {
            var e = assertThrows(ApiException.class, () -> anonymous.register("node-a", DESCRIPTION, "10.0.0.2"));
            assertEquals(401, e.status());
            assertTrue(e.getMessage().contains("requires a client certificate"), e.getMessage());
        }
        assertEquals(List.of(), dispatcher.calls);
    }

    @Test
    void aCertificateFromAnotherCaFailsTheHandshake() {
        var rogue = new TestPki("swarm-2").node("node-a", NodeIdentity.WORKER_OU);
        // it trusts the real root, so only the server's check of the client certificate can fail
        var material = new TlsMaterial(rogue.key(), rogue.certChain(), List.of(pki.root));
        try (var client = new RemoteDispatcher(RpcChannels.mutualTls(target, material), Duration.ofSeconds(5))) {
            var e = assertThrows(ApiException.class, () -> client.register("node-a", DESCRIPTION, "10.0.0.2"));
            assertEquals(503, e.status(), e.getMessage());
        }
        assertEquals(List.of(), dispatcher.calls);
        assertEquals(0, authorizations.get(), "no call may reach the interceptor");
    }

    @Test
    void aRemovedNodeIsRefusedWithPermissionDenied() {
        try (var removed = RemoteDispatcher.connect(target, pki.node("node-removed", NodeIdentity.WORKER_OU))) {
            var e = assertThrows(ApiException.class, () -> removed.register("node-removed", DESCRIPTION, "10.0.0.3"));
            assertEquals(403, e.status());
            assertTrue(e.getMessage().contains("node node-removed was removed from the swarm"), e.getMessage());
        }
        assertEquals(List.of(), dispatcher.calls);
    }

    @Test
    void sessionInvalidCrossesTheWire() {
        remote.register("node-a", DESCRIPTION, "10.0.0.2");
        var e = assertThrows(SessionInvalidException.class, () -> remote.heartbeat("node-a", "stale"));
        assertTrue(e.getMessage().contains("session stale of node node-a is not valid"), e.getMessage());
        assertThrows(SessionInvalidException.class, () -> remote.assignments("node-a", "stale", a -> { }));
        assertThrows(SessionInvalidException.class, () -> remote.updateTaskStatus("node-a", "stale", List.of()));
    }

    @Test
    void theStreamEndsWhenTheClientClosesIt() throws Exception {
        var session = remote.register("node-a", DESCRIPTION, "10.0.0.2");
        var subscription = remote.assignments("node-a", session.sessionId(), a -> { });
        assertEquals(List.of(), dispatcher.closedSubscriptions);
        subscription.close();
        await(() -> dispatcher.closedSubscriptions.equals(List.of("node-a")), "the server to close the subscription");
        await(() -> dispatcher.listeners.isEmpty(), "the listener to be dropped");
    }

    @Test
    void aStreamBrokenByTheServerInvalidatesTheSessionLocally() {
        var session = remote.register("node-a", DESCRIPTION, "10.0.0.2");
        remote.assignments("node-a", session.sessionId(), a -> { });
        server.close(); // cancels the stream
        await(() -> {
            try {
                remote.heartbeat("node-a", session.sessionId());
                return false;
            } catch (SessionInvalidException e) {
                return e.getMessage().contains("lost its assignments stream");
            } catch (ApiException e) {
                return false; // UNAVAILABLE before the stream's end was seen
            }
        }, "the session to be reported invalid");
    }

    @Test
    void anUnreachableManagerIsUnavailable() throws IOException {
        int port;
        try (var s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (var client = RemoteDispatcher.connect("127.0.0.1:" + port, pki.node("node-a", NodeIdentity.WORKER_OU))) {
            var e = assertThrows(ApiException.class, () -> client.register("node-a", DESCRIPTION, "10.0.0.2"));
            assertEquals(503, e.status());
        }
    }

    @Test
    void aNodeJoinsThroughTheCaWithoutACertificateThenRenews() {
        String rootPem = CaClient.fetchRootCa(target, Duration.ofSeconds(5));
        assertEquals(pki.root, Pem.certificates(rootPem).getFirst()); // what the caller checks against the token digest

        KeyPair key = TestPki.ecKey();
        IssuedCertificate issued;
        try (var ca = CaClient.joining(target, Pem.certificates(rootPem))) {
            var refused = assertThrows(ApiException.class, () -> ca.issue(TestPki.csr(key), "SWMTKN-1-wrong", "worker"));
            assertEquals(400, refused.status());
            assertTrue(refused.getMessage().contains("valid join token"), refused.getMessage());
            var notAllowed = assertThrows(ApiException.class, () -> ca.renew(TestPki.csr(key)));
            assertEquals(401, notAllowed.status());

            issued = ca.issue(TestPki.csr(key), TOKEN, "worker");
        }
        assertEquals("node-joined", issued.nodeId());
        assertEquals("worker", issued.role());
        assertEquals(rootPem, issued.rootCaPem());

        var material = new TlsMaterial(key.getPrivate(), Pem.certificates(issued.certChainPem()), Pem.certificates(issued.rootCaPem()));
        assertEquals(new NodeIdentity("node-joined", NodeIdentity.WORKER_OU, "swarm-1"), material.identity());
        try (var joined = RemoteDispatcher.connect(target, material)) {
            joined.register("node-joined", DESCRIPTION, "10.0.0.9");
        }
        assertEquals(List.of("register node-joined 10.0.0.9"), dispatcher.calls);

        try (var ca = CaClient.authenticated(target, material)) {
            var renewed = ca.renew(TestPki.csr(TestPki.ecKey()));
            assertEquals("node-joined", renewed.nodeId());
        }
        assertEquals(material.identity(), issuer.renewedFor.get());
    }

    @Test
    void aServerWithAWorkerCertificateIsNotTakenForAManager() throws IOException {
        try (var impostor = RpcServer.builder(new InetSocketAddress("127.0.0.1", 0), pki.node("worker-9", NodeIdentity.WORKER_OU))
                        .dispatcher(dispatcher).start();
                var client = RemoteDispatcher.connect("127.0.0.1:" + impostor.port(), pki.node("node-a", NodeIdentity.WORKER_OU))) {
            var e = assertThrows(ApiException.class, () -> client.register("node-a", DESCRIPTION, "10.0.0.2"));
            assertEquals(503, e.status());
            assertTrue(e.getMessage().contains("TLS handshake"), e.getMessage());
        }
        assertEquals(List.of(), dispatcher.calls);
    }

    @Test
    void pemRoundTrips() {
        var m = pki.node("node-a", NodeIdentity.WORKER_OU);
        var back = TlsMaterial.fromPem(Pem.encode(m.key()), Pem.encode(m.certChain()), Pem.encode(pki.root));
        assertEquals(m.certChain(), back.certChain());
        assertEquals(m.key(), back.key());
        assertEquals(List.of(pki.root), back.trustRoots());
    }

    private final class FakeIssuer implements NodeCertificateIssuer {
        final AtomicReference<NodeIdentity> renewedFor = new AtomicReference<>();

        @Override
        public String rootCaPem() {
            return Pem.encode(pki.root);
        }

        @Override
        public IssuedCertificate issue(String csrPem, String joinToken, String requestedRole) {
            if (!TOKEN.equals(joinToken)) throw ApiException.invalid("A valid join token is necessary to join this cluster");
            String ou = requestedRole.equals("manager") ? NodeIdentity.MANAGER_OU : NodeIdentity.WORKER_OU;
            var cert = pki.signCsr(csrPem, "node-joined", ou);
            return new IssuedCertificate("node-joined", requestedRole, Pem.encode(cert), rootCaPem());
        }

        @Override
        public IssuedCertificate renew(NodeIdentity peer, String csrPem) {
            renewedFor.set(peer);
            var cert = pki.signCsr(csrPem, peer.nodeId(), peer.role());
            return new IssuedCertificate(peer.nodeId(), "worker", Pem.encode(cert), rootCaPem());
        }
    }

    private static Task task(String id, TaskState desired) {
        return new Task(id, null, T0, T0, "web.1", null, null, "svc1", 1, "node-a",
                TaskStatus.of(TaskState.ASSIGNED, "assigned", T0), desired, null, null);
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }
}
