package io.shoal.network;

import static io.shoal.common.Ipv4Prefix.inet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class VipTableTest {
    static final Vip THREE = new Vip(inet("10.0.1.2"), List.of(inet("10.0.1.5"), inet("10.0.1.6"), inet("10.0.1.7")));
    static final Vip ONE = new Vip(inet("10.0.1.3"), List.of(inet("10.0.1.8")));
    static final Vip NONE = new Vip(inet("10.0.1.4"), List.of());

    /** The script that takes a sandbox that has {@code from} to {@code to}. */
    static String script(List<Vip> from, List<Vip> to) {
        return VipTable.change(VipTable.change(VipTable.NONE, from).after(), to).script();
    }

    @Test
    void theFirstScriptMakesTheTableWithItsHookedChainsAndEveryVipAndDeletesNothing() {
        String s = VipTable.change(VipTable.NONE, List.of(THREE, ONE, NONE)).script();
        assertTrue(s.startsWith("table ip shoal {\n"), s);
        assertTrue(!s.contains("delete") && !s.contains("flush"), "a new sandbox has no table to delete:\n" + s);
        assertTrue(s.contains("type nat hook output priority -100") && s.contains("ip daddr vmap @vips"), s);
        assertTrue(s.contains("ip daddr @refused meta l4proto tcp reject with tcp reset"), s);
        assertTrue(s.contains("add chain ip shoal vip-10-0-1-2\nadd element ip shoal vips { 10.0.1.2 : goto vip-10-0-1-2 }\n"
                + "add rule ip shoal vip-10-0-1-2 dnat to numgen inc mod 3 map { 0 : 10.0.1.5, 1 : 10.0.1.6, 2 : 10.0.1.7 }\n"), s);
        assertTrue(s.contains("add rule ip shoal vip-10-0-1-3 dnat to 10.0.1.8\n"), "one backend needs no round-robin:\n" + s);
        assertTrue(s.contains("add element ip shoal refused { 10.0.1.4 }\n"), s);
    }

    @Test
    void anUnknownTableIsReplacedWhole() {
        String s = VipTable.change(null, List.of(THREE, NONE)).script();
        assertEquals("table ip shoal\ndelete table ip shoal\n" + VipTable.change(VipTable.NONE, List.of(THREE, NONE)).script(), s);
    }

    @Test
    void aBackendAddedOrRemovedIsOneRuleInsertedInThatVipsChainOnly() {
        Vip four = new Vip(THREE.vip(), List.of(inet("10.0.1.5"), inet("10.0.1.6"), inet("10.0.1.7"), inet("10.0.1.9")));
        assertEquals("insert rule ip shoal vip-10-0-1-2 dnat to numgen inc mod 4 map { 0 : 10.0.1.5, 1 : 10.0.1.6, 2 : 10.0.1.7, 3 : 10.0.1.9 }\n",
                script(List.of(THREE, ONE, NONE), List.of(four, ONE, NONE)));
        Vip two = new Vip(THREE.vip(), List.of(inet("10.0.1.5"), inet("10.0.1.7")));
        assertEquals("insert rule ip shoal vip-10-0-1-2 dnat to numgen inc mod 2 map { 0 : 10.0.1.5, 1 : 10.0.1.7 }\n",
                script(List.of(THREE, ONE, NONE), List.of(two, ONE, NONE)));
    }

    @Test
    void aChainHoldingTheMostRulesIsFlushedAndRefilledAtTheNextChange() {
        VipTable table = VipTable.change(VipTable.NONE, List.of(THREE, ONE)).after();
        for (int i = 1; i < VipTable.RULES; i++) {
            VipTable.Change c = VipTable.change(table, List.of(THREE, new Vip(ONE.vip(), List.of(inet("10.0.1." + (100 + i))))));
            assertTrue(c.script().startsWith("insert rule ip shoal vip-10-0-1-3 "), c.script());
            table = c.after();
        }
        assertEquals(VipTable.RULES, table.rules().get(ONE.vip()));
        VipTable.Change refill = VipTable.change(table, List.of(THREE, ONE));
        assertEquals("flush chain ip shoal vip-10-0-1-3\nadd rule ip shoal vip-10-0-1-3 dnat to 10.0.1.8\n", refill.script());
        assertEquals(1, refill.after().rules().get(ONE.vip()));
        assertEquals(1, refill.after().rules().get(THREE.vip()), "the other VIP's chain is untouched");
    }

    @Test
    void aVipLosingItsLastBackendMovesToTheRefusedSetAndBack() {
        Vip gone = new Vip(ONE.vip(), List.of());
        assertEquals("delete element ip shoal vips { 10.0.1.3 }\nflush chain ip shoal vip-10-0-1-3\ndelete chain ip shoal vip-10-0-1-3\n"
                + "add element ip shoal refused { 10.0.1.3 }\n", script(List.of(THREE, ONE), List.of(THREE, gone)));
        assertEquals("delete element ip shoal refused { 10.0.1.3 }\nadd chain ip shoal vip-10-0-1-3\n"
                + "add element ip shoal vips { 10.0.1.3 : goto vip-10-0-1-3 }\nadd rule ip shoal vip-10-0-1-3 dnat to 10.0.1.8\n",
                script(List.of(THREE, gone), List.of(THREE, ONE)));
    }

    @Test
    void vipsAddedAndRemovedAddAndDeleteTheirOwnObjects() {
        assertEquals("add chain ip shoal vip-10-0-1-3\nadd element ip shoal vips { 10.0.1.3 : goto vip-10-0-1-3 }\n"
                + "add rule ip shoal vip-10-0-1-3 dnat to 10.0.1.8\n", script(List.of(THREE), List.of(THREE, ONE)));
        assertEquals("delete element ip shoal refused { 10.0.1.4 }\n", script(List.of(THREE, NONE), List.of(THREE)));
    }

    @Test
    void unchangedIsNothingAndNoVipsNoTable() {
        assertEquals("", script(List.of(THREE, ONE, NONE), List.of(THREE, ONE, NONE)));
        assertEquals("table ip shoal\ndelete table ip shoal\n", script(List.of(THREE), List.of()));
        assertEquals("table ip shoal\ndelete table ip shoal\n", VipTable.change(null, List.of()).script());
        assertEquals("", VipTable.change(VipTable.NONE, List.of()).script());
    }
}
