package io.shoal.api;

import static io.shoal.api.GoldenJson.assertRoundTrip;
import static io.shoal.api.GoldenJson.read;
import static io.shoal.api.GoldenJson.resource;
import static io.shoal.api.GoldenJson.written;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A swarm network as a task's {@code NetworksAttachments} show it ({@code docker inspect --type task}). */
class NetworkJsonTest {

    @Test
    void aNetworkWritesAsDockerdShowsIt() {
        Network n = assertRoundTrip(resource("network.json"), Network.class);
        assertEquals("appnet", n.spec().name());
        assertEquals(4097, n.vni());
        assertEquals("10.0.9.0/24", n.subnet().toString());
        assertEquals("10.0.9.254", n.allocated().gateway());
        assertEquals("10.0.9.128/25", n.allocated().range());
        assertFalse(n.isIngress());
    }

    /** Go leaves false booleans out of a network spec (omitempty); an unallocated network has no state. */
    @Test
    void falseFlagsAndMissingStateAreLeftOut() {
        String spec = """
                {"ID":"n1","Spec":{"Name":"plain","DriverConfiguration":{"Name":"overlay"},"Scope":"swarm"}}""";
        JsonNode w = written(read(spec, Network.class)).get("Spec");
        assertEquals(List.of("Name", "DriverConfiguration", "Scope"), GoldenJson.fieldNames(w));
        Network n = assertRoundTrip(spec, Network.class);
        assertNull(n.vni());
        assertNull(n.subnet());
    }

    /** The routing mesh's network, as swarm init makes it, and as older swarms marked it. */
    @Test
    void theIngressNetworkIsKnownEitherWay() {
        assertTrue(read("""
                {"ID":"i1","Spec":{"Name":"ingress","Ingress":true}}""", Network.class).isIngress());
        assertTrue(read("""
                {"ID":"i1","Spec":{"Name":"ingress","Labels":{"com.docker.swarm.internal":"true"}}}""", Network.class).isIngress());
        assertFalse(read("""
                {"ID":"i1","Spec":{"Name":"mesh","Labels":{"com.docker.swarm.internal":"true"}}}""", Network.class).isIngress());
    }

    @Test
    void theHostNetworkIsPredefined() {
        Network host = assertRoundTrip("""
                {"ID":"h1","Spec":{"Name":"host","Labels":{"com.docker.swarm.predefined":"true"},"DriverConfiguration":{"Name":"host"}}}""",
                Network.class);
        assertTrue(host.isPredefined());
    }
}
