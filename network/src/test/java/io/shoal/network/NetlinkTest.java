package io.shoal.network;

import static io.shoal.common.Ipv4Prefix.inet;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The messages as the kernel reads them (this machine is little-endian, as netlink's host order is here), and its answers parsed. */
class NetlinkTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void anFdbEntryIsAPermanentEntryOfTheDevicesOwnWithItsNodeAsDestination() {
        assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "the expected bytes are little-endian");
        byte[] m = Netlink.replaceFdb(7, new Mac("02:42:0a:00:01:06"), inet("192.0.2.3")).bytes(1);
        assertEquals(
                "30000000" + "1c00" + "0505" + "01000000" + "00000000"   // 48 bytes, RTM_NEWNEIGH, request ack create replace, seq 1
                + "07" + "00" + "0000" + "07000000" + "8000" + "02" + "00" // AF_BRIDGE, ifindex 7, NUD_PERMANENT, NTF_SELF
                + "0a00" + "0200" + "02420a000106" + "0000"                // NDA_LLADDR, padded to 4
                + "0800" + "0100" + "c0000203",                            // NDA_DST
                HEX.formatHex(m));
    }

    @Test
    void aLinkIsDeletedByName() {
        assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "the expected bytes are little-endian");
        assertEquals("2c000000" + "1100" + "0500" + "02000000" + "00000000"
                + "00" + "00" + "0000" + "00000000" + "00000000" + "00000000" // ifinfomsg: by name, no flags
                + "0900" + "0300" + "6574683000" + "000000",                 // IFLA_IFNAME "eth0\0", padded
                HEX.formatHex(Netlink.deleteLink("eth0").bytes(2)));
    }

    @Test
    void aVethsPeerIsNestedWithItsOwnNameAddressAndNamespace() {
        ByteBuffer m = wrap(Netlink.addVeth("ve0a000105", 4, 1450, "eth0", 33, new Mac("02:42:0a:00:01:05").bytes()).bytes(1));
        assertEquals(m.capacity(), m.getInt(0));
        assertEquals(Netlink.RTM_NEWLINK, m.getShort(4));
        assertEquals(Netlink.NLM_F_REQUEST | Netlink.NLM_F_ACK | Netlink.NLM_F_CREATE | Netlink.NLM_F_EXCL, m.getShort(6));
        Map<Integer, byte[]> link = Netlink.attributes(m, Netlink.HEADER + 16);
        assertEquals("ve0a000105\0", text(link.get(Netlink.IFLA_IFNAME)));
        assertEquals(1450, integer(link.get(Netlink.IFLA_MTU)));
        assertEquals(4, integer(link.get(Netlink.IFLA_MASTER)));
        Map<Integer, byte[]> info = nested(link.get(Netlink.IFLA_LINKINFO), 0);
        assertEquals("veth\0", text(info.get(Netlink.IFLA_INFO_KIND)));
        byte[] peerInfo = nested(info.get(Netlink.IFLA_INFO_DATA), 0).get(Netlink.VETH_INFO_PEER);
        Map<Integer, byte[]> peer = nested(peerInfo, 16); // after the peer's own ifinfomsg
        assertEquals("eth0\0", text(peer.get(Netlink.IFLA_IFNAME)));
        assertEquals("02420a000105", HEX.formatHex(peer.get(Netlink.IFLA_ADDRESS)));
        assertEquals(1450, integer(peer.get(Netlink.IFLA_MTU)));
        assertEquals(33, integer(peer.get(Netlink.IFLA_NET_NS_FD)));
    }

    @Test
    void anIsolatedPortIsSetAsTheBridgesSlaveDataAndBroughtUp() {
        ByteBuffer m = wrap(Netlink.bridgePortUp("gwac120002", true).bytes(1));
        assertEquals(Netlink.IFF_UP, m.getInt(Netlink.HEADER + 8), "flags");
        assertEquals(Netlink.IFF_UP, m.getInt(Netlink.HEADER + 12), "change");
        Map<Integer, byte[]> info = nested(Netlink.attributes(m, Netlink.HEADER + 16).get(Netlink.IFLA_LINKINFO), 0);
        assertEquals("bridge\0", text(info.get(Netlink.IFLA_INFO_SLAVE_KIND)));
        assertArrayEquals(new byte[] {1}, nested(info.get(Netlink.IFLA_INFO_SLAVE_DATA), 0).get(Netlink.IFLA_BRPORT_ISOLATED));
        ByteBuffer plain = wrap(Netlink.bridgePortUp("ve0a000105", false).bytes(1));
        assertEquals(List.of(Netlink.IFLA_IFNAME), List.copyOf(Netlink.attributes(plain, Netlink.HEADER + 16).keySet()));
    }

    @Test
    void anAcknowledgementWithAnErrorIsAFailureWithTheKernelsWords() {
        ByteBuffer capped = error(-17, Netlink.NLM_F_CAPPED | Netlink.NLM_F_ACK_TLVS, new byte[16], "A VXLAN device with the specified VNI already exists");
        Libc.Failure f = assertThrows(Libc.Failure.class, () -> Netlink.check(capped, "add vx-001001-net1a"));
        assertEquals(17, f.errno());
        assertEquals("add vx-001001-net1a: File exists (A VXLAN device with the specified VNI already exists)", f.getMessage());

        byte[] request = Netlink.deleteLink("eth0").bytes(1); // not capped: the whole request comes back before the attributes
        ByteBuffer whole = error(-22, Netlink.NLM_F_ACK_TLVS, request, "invalid ifindex");
        f = assertThrows(Libc.Failure.class, () -> Netlink.check(whole, "delete link eth0"));
        assertEquals("delete link eth0: Invalid argument (invalid ifindex)", f.getMessage());

        f = assertThrows(Libc.Failure.class, () -> Netlink.check(error(-19, Netlink.NLM_F_CAPPED, new byte[16], null), "x"));
        assertEquals("x: No such device", f.getMessage());
    }

    @Test
    void aSuccessfulAcknowledgementIsNothing() throws IOException {
        Netlink.check(error(0, Netlink.NLM_F_CAPPED, new byte[16], null), "anything");
    }

    @Test
    void aDatagramHoldsMessagesOneAfterAnother() {
        byte[] a = Netlink.replaceNeighbour(3, inet("10.0.1.5"), new Mac("02:42:0a:00:01:05")).bytes(1);
        byte[] b = Netlink.deleteLink("eth0").bytes(2);
        ByteBuffer both = ByteBuffer.allocate(a.length + b.length).put(a).put(b).flip();
        List<ByteBuffer> messages = Netlink.messages(both.order(ByteOrder.nativeOrder()));
        assertEquals(2, messages.size());
        assertEquals(2, messages.get(1).getInt(8), "the second's sequence number");
        Netlink.Neighbour n = Netlink.Neighbour.parse(messages.get(0));
        assertEquals(List.of(Netlink.AF_INET, 3, Netlink.NUD_PERMANENT, 0), List.of(n.family(), n.ifindex(), n.state(), n.flags()));
        assertEquals("0a000105", HEX.formatHex(n.destination()));
        assertEquals("02420a000105", HEX.formatHex(n.lladdr()));
    }

    @Test
    void theKernelAnswersWithItsErrnoAndItsWords() throws IOException {
        Nodes.requireRoot(NetlinkTest.class);
        try (Netlink netlink = Netlink.open()) {
            Libc.Failure f = assertThrows(Libc.Failure.class, () -> netlink.apply(List.of(Netlink.deleteLink("shoal-nosuch"))));
            assertEquals(Libc.ENODEV, f.errno());
            f = assertThrows(Libc.Failure.class, () -> netlink.apply(List.of(Netlink.replaceFdb(0, new Mac("02:42:0a:00:01:05"), inet("192.0.2.1")))));
            assertEquals(Libc.EINVAL, f.errno());
            assertTrue(f.getMessage().startsWith("fdb replace 02:42:0a:00:01:05 dst 192.0.2.1: Invalid argument ("),
                    "with the kernel's words: " + f.getMessage());
        }
    }

    /** An {@code NLMSG_ERROR} message: the error, the request's header (or all of it), and the kernel's message when given. */
    private static ByteBuffer error(int errno, int flags, byte[] request, String text) {
        byte[] msg = text == null ? new byte[0] : (text + "\0").getBytes(StandardCharsets.US_ASCII);
        int attr = text == null ? 0 : (4 + msg.length + 3) & ~3;
        ByteBuffer b = ByteBuffer.allocate(16 + 4 + request.length + attr).order(ByteOrder.nativeOrder());
        b.putInt(b.capacity()).putShort(Netlink.NLMSG_ERROR).putShort((short) flags).putInt(1).putInt(0).putInt(errno).put(request);
        if (text != null) b.putShort((short) (4 + msg.length)).putShort((short) Netlink.NLMSGERR_ATTR_MSG).put(msg);
        if (request.length == 16) b.putInt(20, 16); // a capped copy: the header alone
        return b.clear();
    }

    private static ByteBuffer wrap(byte[] m) {
        return ByteBuffer.wrap(m).order(ByteOrder.nativeOrder());
    }

    private static Map<Integer, byte[]> nested(byte[] value, int skip) {
        return Netlink.attributes(wrap(value), skip);
    }

    private static String text(byte[] value) {
        return new String(value, StandardCharsets.US_ASCII);
    }

    private static int integer(byte[] value) {
        return wrap(value).getInt(0);
    }
}
