package io.shoal.api.dispatcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.shoal.api.EndpointMode;
import io.shoal.api.Json;
import io.shoal.api.Network;
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

    private static <T> T read(String json, Class<T> type) {
        try {
            return Json.MAPPER.readValue(json, type);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
