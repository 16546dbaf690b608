package io.shoal.network;

import static io.shoal.common.Ipv4Prefix.inet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class VipTableTest {
    @Test
    void replacesTheTableWholeInOneScript() {
        String s = VipTable.script(List.of(
                new Vip(inet("10.0.1.2"), List.of(inet("10.0.1.5"), inet("10.0.1.6"), inet("10.0.1.7"))),
                new Vip(inet("10.0.1.3"), List.of(inet("10.0.1.8"))),
                new Vip(inet("10.0.1.4"), List.of())));
        assertTrue(s.startsWith("table ip shoal\ndelete table ip shoal\ntable ip shoal {\n"), s);
        assertTrue(s.contains("elements = { 10.0.1.2 : goto vip-10-0-1-2, 10.0.1.3 : goto vip-10-0-1-3 }"), s);
        assertTrue(s.contains("dnat to numgen inc mod 3 map { 0 : 10.0.1.5, 1 : 10.0.1.6, 2 : 10.0.1.7 }"), s);
        assertTrue(s.contains("dnat to 10.0.1.8\n"), "one backend needs no round-robin:\n" + s);
        assertTrue(s.contains("set refused {\n    type ipv4_addr\n    elements = { 10.0.1.4 }"), s);
        assertTrue(s.contains("ip daddr @refused meta l4proto tcp reject with tcp reset"), s);
    }

    @Test
    void withoutVipsTheTableIsGone() {
        assertEquals("table ip shoal\ndelete table ip shoal\n", VipTable.script(List.of()));
    }

    @Test
    void onlyRefusedVipsNeedNoNatChain() {
        String s = VipTable.script(List.of(new Vip(inet("10.0.1.4"), List.of())));
        assertTrue(!s.contains("nat") && s.contains("@refused"), s);
    }
}
