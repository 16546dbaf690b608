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
import io.shoal.api.dispatcher.DispatcherProtocol.SessionInvalidException;
import io.shoal.api.dispatcher.TaskStatusUpdate;
import io.shoal.pki.MutableTls;
import io.shoal.pki.NodeCertificates;
import io.shoal.pki.NodeIdentity;
import io.shoal.pki.NodeRole;
import io.shoal.pki.Pem;
import io.shoal.pki.RootCa;
import io.shoal.pki.TlsManagers;
import io.shoal.pki.TlsMaterial;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The cluster port's calls, end to end over the real server, channels and TLS. */
class RpcTest {
    private static final Instant T0 = Instant.parse("2025-01-02T03:04:05.123456789Z");
    private static final Node.Description DESCRIPTION =
            new Node.Description("host-a", null, new Node.Resources(2_000_000_000L, 1L << 30), null, null);

    private TestClusterPort port;
    private FakeDispatcher dispatcher;
    private String target;
    private RemoteDispatcher remote;

    @BeforeEach
    void start() throws IOException {
        port = new TestClusterPort(List.of(task("t1", TaskState.RUNNING)));
        dispatcher = port.dispatcher;
        target = port.target;
        remote = RemoteDispatcher.connect(target, port.swarm.node("node-a", NodeRole.WORKER));
    }

    @AfterEach
    void stop() {
        remote.close();
        port.close();
    }

    @Test
    void registerHeartbeatAssignmentsAndStatusRoundTrip() throws Exception {
        var session = remote.register("node-a", DESCRIPTION, "10.0.0.2");
        assertEquals(FakeDispatcher.PERIOD, session.heartbeatPeriodNanos());
        assertEquals(List.of("10.0.0.1:2377"), session.managers());
        assertEquals(List.of("register node-a 10.0.0.2"), dispatcher.calls);
        assertEquals(List.of(DESCRIPTION), dispatcher.descriptions);

        assertEquals(new io.shoal.api.dispatcher.DispatcherProtocol.Heartbeat(FakeDispatcher.NEXT_PERIOD, io.shoal.pki.NodeRole.WORKER), remote.heartbeat("node-a", session.sessionId()));

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
        port.server.close(); // cancels the stream
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
        int free;
        try (var s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            free = s.getLocalPort();
        }
        try (var client = RemoteDispatcher.connect("127.0.0.1:" + free, port.swarm.node("node-a", NodeRole.WORKER))) {
            var e = assertThrows(ApiException.class, () -> client.register("node-a", DESCRIPTION, "10.0.0.2"));
            assertEquals(503, e.status());
        }
    }

    @Test
    void aNodeJoinsThroughTheCaWithoutACertificateThenRenews() {
        String rootPem = CaClient.fetchRootCa(target, Duration.ofSeconds(5));
        X509Certificate root = Pem.parseCertificate("root", rootPem);
        port.swarm.tokens.worker().checkRootCa(RootCa.fromCertificatePem(rootPem)); // what the joining daemon checks

        var request = NodeCertificates.Request.generate();
        NodeCertificates joined;
        try (var ca = CaClient.joining(target, List.of(root))) {
            joined = NodeCertificates.of(request, ca.issue(request.csrPem(), port.swarm.tokens.worker().value(), null));
        }
        assertEquals(new NodeIdentity("node-joined-1", NodeRole.WORKER, "swarm-1"), joined.identity());
        assertEquals(port.ca.issued, List.of(joined.identity()));
        assertEquals(List.of(root), joined.tls().trustRoots());

        try (var node = RemoteDispatcher.connect(target, joined.tls())) {
            node.register("node-joined-1", DESCRIPTION, "10.0.0.9");
        }
        assertEquals(List.of("register node-joined-1 10.0.0.9"), dispatcher.calls);

        var next = NodeCertificates.Request.generate();
        try (var ca = CaClient.authenticated(target, joined.tls())) {
            assertEquals(joined.identity(), NodeCertificates.of(next, ca.renew(next.csrPem())).identity());
        }
        assertEquals(List.of(joined.identity()), port.ca.renewedFor);
    }

    @Test
    void theServerPresentsARenewedCertificateWithoutARestart() throws Exception {
        TlsMaterial first = port.swarm.node("manager-2", NodeRole.MANAGER);
        MutableTls tls = new MutableTls(first);
        try (RpcServer server = RpcServer.builder(new InetSocketAddress("127.0.0.1", 0), tls)
                .dispatcher(dispatcher).start()) {
            assertEquals(first.certChain().getFirst(), presented(server.port()));
            TlsMaterial renewed = port.swarm.node("manager-2", NodeRole.MANAGER);
            tls.update(renewed);
            assertEquals(renewed.certChain().getFirst(), presented(server.port()));
        }
    }

    /** The certificate the server at {@code port} presents to a new connection. */
    private X509Certificate presented(int serverPort) throws IOException, GeneralSecurityException {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {TlsManagers.trustManager(List.of(port.swarm.root.certificate()))}, null);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", serverPort)) {
            var params = s.getSSLParameters();
            params.setApplicationProtocols(new String[] {"h2"}); // gRPC's server insists on ALPN h2
            s.setSSLParameters(params);
            s.startHandshake();
            return (X509Certificate) s.getSession().getPeerCertificates()[0];
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
