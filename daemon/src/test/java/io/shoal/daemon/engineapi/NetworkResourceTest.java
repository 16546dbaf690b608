package io.shoal.daemon.engineapi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.shoal.api.Json;
import io.shoal.api.Network;
import io.shoal.api.Node;
import io.shoal.api.Service;
import io.shoal.api.Task;
import io.shoal.manager.control.NetworkControl;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A swarm network as dockerd shows it to {@code docker network ls} and {@code inspect}
 * (NetworkResource, as convert.BasicNetworkFromGRPC makes it): every field written, empty or not,
 * but Peers and Services, which only {@code --verbose} fills.
 */
class NetworkResourceTest {
    static final String NETWORK = """
            {"ID":"s0ufvmbzl7lnv3ucs3p6qdmfd","Version":{"Index":24},"CreatedAt":"2016-06-07T21:01:14.507843451Z",
             "UpdatedAt":"2016-06-07T21:01:14.511274538Z",
             "Spec":{"Name":"appnet","Labels":{"tier":"back"},"DriverConfiguration":{"Name":"overlay","Options":{"com.docker.network.driver.mtu":"1400"}},
                     "Internal":true,"Attachable":true,
                     "IPAMOptions":{"Driver":{"Name":"default"},"Configs":[{"Subnet":"10.0.9.0/24","Range":"10.0.9.128/25","Gateway":"10.0.9.254"}]},
                     "Scope":"swarm"},
             "DriverState":{"Name":"overlay","Options":{"com.docker.network.driver.mtu":"1400","com.docker.network.driver.overlay.vxlanid_list":"4097"}},
             "IPAMOptions":{"Driver":{"Name":"default"},"Configs":[{"Subnet":"10.0.9.0/24","Range":"10.0.9.128/25","Gateway":"10.0.9.254"}]}}""";

    static <T> T read(String json, Class<T> type) throws IOException {
        return Json.MAPPER.readValue(json, type);
    }

    static JsonNode tree(String json) throws IOException {
        return Json.MAPPER.readTree(json);
    }

    /** {@code value} as the API sends it: its bytes, parsed again. */
    static JsonNode written(Object value) throws IOException {
        return Json.MAPPER.readTree(Json.MAPPER.writeValueAsBytes(value));
    }

    @Test
    void aNetworkIsWrittenAsDockerdWritesIt() throws IOException {
        assertEquals(tree("""
                {"Name":"appnet","Id":"s0ufvmbzl7lnv3ucs3p6qdmfd","Created":"2016-06-07T21:01:14.507843451Z","Scope":"swarm",
                 "Driver":"overlay","EnableIPv6":false,
                 "IPAM":{"Driver":"default","Options":null,"Config":[{"Subnet":"10.0.9.0/24","IPRange":"10.0.9.128/25","Gateway":"10.0.9.254"}]},
                 "Internal":true,"Attachable":true,"Ingress":false,"ConfigFrom":{"Network":""},"ConfigOnly":false,"Containers":{},
                 "Options":{"com.docker.network.driver.mtu":"1400","com.docker.network.driver.overlay.vxlanid_list":"4097"},
                 "Labels":{"tier":"back"}}"""),
                written(NetworkResource.of(read(NETWORK, Network.class))));
    }

    @Test
    void theHostNetworkHasNoIpam() throws IOException {
        JsonNode host = written(NetworkResource.of(read("""
                {"ID":"h1","Spec":{"Name":"host","Labels":{"com.docker.swarm.predefined":"true"},"DriverConfiguration":{"Name":"host"},"Scope":"swarm"}}""",
                Network.class)));
        assertEquals(tree("""
                {"Driver":"default","Options":null,"Config":[]}"""), host.get("IPAM"));
        assertEquals("host", host.get("Driver").asText());
        assertEquals(tree("{}"), host.get("Options"));
    }

    /** {@code --verbose}: each service with its VIP (bare, empty in dnsrr mode) and its tasks, their nodes as peers. */
    @Test
    void verboseAddsServicesAndPeers() throws IOException {
        Network n = read(NETWORK, Network.class);
        Service web = read("""
                {"ID":"w1","Spec":{"Name":"web"}}""", Service.class);
        Service db = read("""
                {"ID":"d1","Spec":{"Name":"db"}}""", Service.class);
        Task t = read("""
                {"ID":"t1","ServiceID":"w1","Slot":2,"NodeID":"n1","DesiredState":"running","Status":{"State":"running"}}""", Task.class);
        Node node = read("""
                {"ID":"n1","Description":{"Hostname":"host-1"},"Status":{"State":"ready","Addr":"192.168.1.10"}}""", Node.class);
        JsonNode v = written(NetworkResource.verbose(n, List.of(
                new NetworkControl.ServiceEndpoints(db, null, List.of()),
                new NetworkControl.ServiceEndpoints(web, "10.0.9.128/24", List.of(new NetworkControl.TaskEndpoint(t, "10.0.9.129/24", node))))));
        assertEquals(tree("""
                {"db":{"VIP":"","Ports":[],"LocalLBIndex":0,"Tasks":[]},
                 "web":{"VIP":"10.0.9.128","Ports":[],"LocalLBIndex":0,
                        "Tasks":[{"Name":"web.2.t1","EndpointID":"","EndpointIP":"10.0.9.129","Info":{"Host IP":"192.168.1.10"}}]}}"""),
                v.get("Services"));
        assertEquals(tree("""
                [{"Name":"host-1","IP":"192.168.1.10"}]"""), v.get("Peers"));
    }
}
