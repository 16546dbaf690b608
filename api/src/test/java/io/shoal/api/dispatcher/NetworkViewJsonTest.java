package io.shoal.api.dispatcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonMappingException;
import io.shoal.api.EndpointMode;
import io.shoal.api.Json;
import io.shoal.api.Network;
import io.shoal.api.PortConfig;
import io.shoal.api.Protocol;
import io.shoal.api.PublishMode;
import io.shoal.common.wireguard.Key;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A network view crosses the wire as JSON (dispatcher.proto): what a node reads is what the dispatcher wrote. */
class NetworkViewJsonTest {
    static final Network APPNET = read("""
            {"ID":"n1","Spec":{"Name":"appnet","DriverConfiguration":{"Name":"overlay"},"Scope":"swarm"},
             "DriverState":{"Name":"overlay","Options":{"com.docker.network.driver.overlay.vxlanid_list":"4097"}},
             "IPAMOptions":{"Driver":{"Name":"default"},"Configs":[{"Subnet":"10.0.1.0/24","Gateway":"10.0.1.1"}]}}""",
            Network.class);

    @Test
    void aViewComesBackEqualWithItsEmptyListsAndFalseFlags() throws Exception {
        NetworkView view = new NetworkView(APPNET, 7789,
                List.of(new NetworkView.Endpoint("t1", "web.1.t1", "s1", List.of(), "10.0.1.5/24", "node1", "192.0.2.1", false),
                        new NetworkView.Endpoint("t2", "web.2.t2", "s1", List.of("www"), "10.0.1.6/24", "node2", "192.0.2.2", true)),
                List.of(new NetworkView.ServiceEntry("s1", "web", List.of(), EndpointMode.VIP, "10.0.1.2/24"),
                        new NetworkView.ServiceEntry("s2", "db", List.of("database"), EndpointMode.DNSRR, null)));
        assertEquals(view, read(Json.MAPPER.writeValueAsString(view), NetworkView.class));
        assertEquals(4789, new NetworkView(APPNET, 0, List.of(), List.of()).dataPathPort(), "the default data path port");
        assertEquals(new NetworkView(APPNET, 0, List.of(), List.of()),
                read(Json.MAPPER.writeValueAsString(new NetworkView(APPNET, 0, List.of(), List.of())), NetworkView.class));
    }

    @Test
    void publishedPortsAndNodeEndpointsComeBackEqual() throws Exception {
        NetworkView view = new NetworkView(APPNET, 0,
                List.of(NetworkView.Endpoint.ofNode("10.0.1.3/24", "node1", "192.0.2.1")),
                List.of(new NetworkView.ServiceEntry("s1", "web", List.of(), EndpointMode.VIP, "10.0.1.2/24",
                        List.of(new PortConfig(null, Protocol.TCP, 80, 8080, PublishMode.INGRESS),
                                new PortConfig("dns", Protocol.UDP, 53, 30000, PublishMode.HOST)))));
        String json = Json.MAPPER.writeValueAsString(view);
        assertEquals(view, read(json, NetworkView.class));
        assertTrue(json.contains("{\"Address\":\"10.0.1.3/24\",\"NodeId\":\"node1\",\"NodeAddr\":\"192.0.2.1\",\"Running\":true}"), json);
        assertTrue(json.contains("\"Ports\":[{\"Protocol\":\"tcp\",\"TargetPort\":80,\"PublishedPort\":8080,\"PublishMode\":\"ingress\"}"), json);
        NetworkView.Endpoint node = read(json, NetworkView.class).endpoints().getFirst();
        assertTrue(node.isNode());
        assertNull(node.taskId());
        assertEquals(List.of(), new NetworkView.ServiceEntry("s1", "web", null, null, null).ports());
    }

    @Test
    void anEncryptedNetworksTunnelComesBackEqualWithKeysInBase64() throws Exception {
        Network secret = read(Json.MAPPER.writeValueAsString(APPNET).replace("\"DriverConfiguration\":{\"Name\":\"overlay\"}",
                "\"DriverConfiguration\":{\"Name\":\"overlay\",\"Options\":{\"encrypted\":\"\"}}"), Network.class);
        assertTrue(secret.isEncrypted());
        assertFalse(APPNET.isEncrypted());
        Key own = Key.generatePrivate(), psk = Key.generatePreshared(), peer = Key.generatePrivate().publicKey();
        NetworkView view = new NetworkView(secret, 0,
                List.of(new NetworkView.Endpoint("t1", "web.1.t1", "s1", List.of(), "10.0.1.5/24", "node2", "192.0.2.2", true)),
                List.of(), new NetworkView.Tunnel(own, psk, List.of(new NetworkView.Peer("node2", "192.0.2.2", peer))));
        String json = Json.MAPPER.writeValueAsString(view);
        assertEquals(view, read(json, NetworkView.class));
        assertTrue(json.contains("\"Tunnel\":{\"PrivateKey\":\"" + own.base64() + "\",\"PresharedKey\":\"" + psk.base64()
                + "\",\"Peers\":[{\"NodeId\":\"node2\",\"NodeAddr\":\"192.0.2.2\",\"PublicKey\":\"" + peer.base64() + "\"}]}"), json);
        assertFalse(view.toString().contains(own.base64()) || view.toString().contains(psk.base64()), "keys never reach a log");
        assertNull(read(Json.MAPPER.writeValueAsString(new NetworkView(APPNET, 0, List.of(), List.of())), NetworkView.class).tunnel());
        assertThrows(JsonMappingException.class, () -> Json.MAPPER.readValue(json.replace(psk.base64(), "c2hvcnQ="), NetworkView.class));
    }

    private static <T> T read(String json, Class<T> type) {
        try {
            return Json.MAPPER.readValue(json, type);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
