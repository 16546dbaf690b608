package io.shoal.network;

import static io.shoal.common.Ipv4Prefix.inet;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PeerEntriesTest {
    static final String VX = "vx-001001-net1a";

    @Test
    void writesOnlyTheDifference() {
        PeerEntries now = PeerEntries.of(List.of(
                new Peer(inet("10.0.1.5"), inet("192.0.2.1")),
                new Peer(inet("10.0.1.6"), inet("192.0.2.2")),
                new Peer(inet("10.0.1.7"), inet("192.0.2.2"))));
        PeerEntries target = PeerEntries.of(List.of(
                new Peer(inet("10.0.1.5"), inet("192.0.2.1")),
                new Peer(inet("10.0.1.6"), inet("192.0.2.3")),
                new Peer(inet("10.0.1.8"), inet("192.0.2.1"))));
        assertEquals(sorted("""
                fdb replace 02:42:0a:00:01:06 dev vx-001001-net1a dst 192.0.2.3 self permanent
                fdb replace 02:42:0a:00:01:08 dev vx-001001-net1a dst 192.0.2.1 self permanent
                fdb del 02:42:0a:00:01:07 dev vx-001001-net1a self
                """), sorted(now.fdbChanges(target, VX)));
        assertEquals(sorted("""
                neigh replace 10.0.1.8 lladdr 02:42:0a:00:01:08 dev vx-001001-net1a nud permanent
                neigh del 10.0.1.7 dev vx-001001-net1a
                """), sorted(now.neighbourChanges(target, VX)), "a peer that moved node keeps its neighbour entry");
        assertEquals("", target.fdbChanges(target, VX));
        assertEquals("", target.neighbourChanges(target, VX));
    }

    @Test
    void entriesThatDoNotPairUpAreFixed() {
        PeerEntries kernel = new PeerEntries(Map.of("02:42:0a:00:01:05", inet("192.0.2.1"), "00:00:00:00:00:00", inet("192.0.2.9")),
                Map.of(inet("10.0.1.9"), "02:42:0a:00:01:09"));
        PeerEntries target = PeerEntries.of(List.of(new Peer(inet("10.0.1.5"), inet("192.0.2.1"))));
        assertEquals("fdb del 00:00:00:00:00:00 dev vx-001001-net1a self\n", kernel.fdbChanges(target, VX), "no flooding entry survives");
        assertEquals(sorted("""
                neigh replace 10.0.1.5 lladdr 02:42:0a:00:01:05 dev vx-001001-net1a nud permanent
                neigh del 10.0.1.9 dev vx-001001-net1a
                """), sorted(kernel.neighbourChanges(target, VX)));
    }

    private static List<String> sorted(String lines) {
        return lines.lines().sorted().toList();
    }
}
