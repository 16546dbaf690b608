package io.shoal.agent.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.shoal.agent.TestSupport;
import io.shoal.api.EndpointMode;
import io.shoal.api.PortConfig;
import io.shoal.api.Protocol;
import io.shoal.api.PublishMode;
import io.shoal.api.Service;
import io.shoal.api.TaskState;
import io.shoal.api.dispatcher.NetworkView;
import io.shoal.common.Ipv4Prefix;
import io.shoal.network.PublishedPort;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The routing mesh's and host mode's ports, from the ingress view and a task's endpoint: no kernel needed. */
class ProgrammingTest {
    static final List<PortConfig> WEB_PORTS = List.of(
            new PortConfig(null, Protocol.TCP, 80, 8080, PublishMode.INGRESS),
            new PortConfig(null, Protocol.UDP, 53, 5353, null),
            new PortConfig(null, Protocol.TCP, 90, 9000, PublishMode.HOST),
            new PortConfig(null, Protocol.SCTP, 70, 7000, PublishMode.INGRESS));
    static final NetworkView INGRESS = new NetworkView(SandboxNamesTest.network("ing", "ingress", "10.0.0.0/24", 4096), 4789,
            List.of(new NetworkView.Endpoint("t1", "web.1.t1", "web", List.of(), "10.0.0.5/24", "node1", "192.0.2.1", true),
                    new NetworkView.Endpoint("t2", "web.2.t2", "web", List.of(), "10.0.0.6/24", "node2", "192.0.2.2", false),
                    new NetworkView.Endpoint("t3", "web.3.t3", "web", List.of(), "10.0.0.7/24", "node2", "192.0.2.2", true),
                    NetworkView.Endpoint.ofNode("10.0.0.2/24", "node1", "192.0.2.1"),
                    NetworkView.Endpoint.ofNode("10.0.0.3/24", "node2", "192.0.2.2")),
            List.of(new NetworkView.ServiceEntry("web", "web", List.of(), EndpointMode.VIP, "10.0.0.4/24", WEB_PORTS)));

    @Test
    void theMeshPublishesEveryIngressPortToTheRunningTasksIngressAddresses() {
        List<InetSocketAddress> http = List.of(at("10.0.0.5", 80), at("10.0.0.7", 80));
        List<InetSocketAddress> dns = List.of(at("10.0.0.5", 53), at("10.0.0.7", 53));
        assertEquals(List.of(new PublishedPort(PublishedPort.Protocol.TCP, 8080, PublishedPort.Mode.INGRESS, http),
                        new PublishedPort(PublishedPort.Protocol.UDP, 5353, PublishedPort.Mode.INGRESS, dns)),
                Programming.meshPorts(INGRESS), "host-mode and SCTP ports are not the mesh's; nodes and stopped tasks are no backends");
        assertEquals(List.of(), Programming.meshPorts(null));
    }

    @Test
    void aNodeFindsItsOwnIngressAddressAmongTheEndpoints() {
        assertEquals(Ipv4Prefix.parse("10.0.0.3/24"), Programming.nodeAddress(INGRESS, "node2"));
        assertNull(Programming.nodeAddress(INGRESS, "node9"));
    }

    @Test
    void aTasksHostModePortsGoToItsGatewayAddress() {
        var task = TestSupport.shTask("true", TaskState.RUNNING, Map.of()).withEndpoint(new Service.Endpoint(null, WEB_PORTS, null));
        assertEquals(List.of(new PublishedPort(PublishedPort.Protocol.TCP, 9000, PublishedPort.Mode.HOST, List.of(at("172.18.0.7", 90)))),
                Programming.hostPorts(task, Ipv4Prefix.inet("172.18.0.7")));
        assertEquals(List.of(), Programming.hostPorts(task, null), "a task without a way out publishes nothing on the host");
    }

    private static InetSocketAddress at(String address, int port) {
        return new InetSocketAddress(Ipv4Prefix.inet(address), port);
    }
}
