package io.shoal.network;

import static io.shoal.common.Ipv4Prefix.inet;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PeerEntriesTest {
    static final int VX = 7;

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
        assertEquals(List.of(
                "fdb del 02:42:0a:00:01:07",
                "fdb replace 02:42:0a:00:01:06 dst 192.0.2.3",
                "fdb replace 02:42:0a:00:01:08 dst 192.0.2.1",
                "neigh del 10.0.1.7",
                "neigh replace 10.0.1.8 lladdr 02:42:0a:00:01:08"), changes(now, target), "a peer that moved node keeps its neighbour entry");
        assertEquals(List.of(), changes(target, target));
    }

    @Test
    void entriesThatDoNotPairUpAreFixed() {
        PeerEntries kernel = new PeerEntries(Map.of("02:42:0a:00:01:05", inet("192.0.2.1"), "00:00:00:00:00:00", inet("192.0.2.9")),
                Map.of(inet("10.0.1.9"), "02:42:0a:00:01:09"));
        PeerEntries target = PeerEntries.of(List.of(new Peer(inet("10.0.1.5"), inet("192.0.2.1"))));
        assertEquals(List.of(
                "fdb del 00:00:00:00:00:00",
                "neigh del 10.0.1.9",
                "neigh replace 10.0.1.5 lladdr 02:42:0a:00:01:05"), changes(kernel, target), "no flooding entry survives");
    }

    private static List<String> changes(PeerEntries from, PeerEntries to) {
        return from.changesTo(to, VX).stream().map(Object::toString).sorted().toList();
    }
}
