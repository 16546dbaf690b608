package io.shoal.network;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * rtnetlink from this process: the requests the data plane makes for every task (a veth pair, a
 * link's deletion, a VXLAN device's FDB and neighbour entries) and the dump it reads entries back
 * with, each a message to the kernel where an {@code ip} or {@code bridge} process cost 10–20 ms.
 * A socket acts in the network namespace of the thread that opened it, so callers open one on
 * {@link NamespaceThread} inside the namespace they mean, use it there and close it. Requests go
 * one at a time, each acknowledged before the next (a long batch of acknowledgements could
 * overflow the socket's buffer), and the first failure ends the batch as it ends {@code ip
 * -batch}: a {@link Libc.Failure} with the kernel's errno and its own words when it gives some.
 */
final class Netlink implements AutoCloseable {
    static final int AF_INET = 2, AF_BRIDGE = 7;
    static final int NDA_DST = 1, NDA_LLADDR = 2;
    static final int NUD_PERMANENT = 0x80, NTF_SELF = 0x02;
    static final short RTM_NEWLINK = 16, RTM_DELLINK = 17, RTM_NEWNEIGH = 28, RTM_DELNEIGH = 29, RTM_GETNEIGH = 30;
    static final short NLMSG_ERROR = 2, NLMSG_DONE = 3;
    static final int NLM_F_REQUEST = 1, NLM_F_ACK = 4, NLM_F_REPLACE = 0x100, NLM_F_EXCL = 0x200, NLM_F_CREATE = 0x400,
            NLM_F_DUMP = 0x300;
    /** In an acknowledgement: the request is not copied back / attributes (the kernel's message) follow. */
    static final int NLM_F_CAPPED = 0x100, NLM_F_ACK_TLVS = 0x200;
    static final int NLMSGERR_ATTR_MSG = 1;
    static final int IFLA_ADDRESS = 1, IFLA_IFNAME = 3, IFLA_MTU = 4, IFLA_MASTER = 10, IFLA_LINKINFO = 18, IFLA_NET_NS_FD = 28;
    static final int IFLA_INFO_KIND = 1, IFLA_INFO_DATA = 2, IFLA_INFO_SLAVE_KIND = 4, IFLA_INFO_SLAVE_DATA = 5;
    static final int VETH_INFO_PEER = 1, IFLA_BRPORT_ISOLATED = 33;
    static final int IFLA_VXLAN_ID = 1, IFLA_VXLAN_LOCAL = 4, IFLA_VXLAN_LEARNING = 7, IFLA_VXLAN_PROXY = 11, IFLA_VXLAN_PORT = 15;
    static final int IFF_UP = 1;
    /** struct nlmsghdr, then struct nlmsgerr's error before the request's header. */
    static final int HEADER = 16;

    private static final int AF_NETLINK = 16, SOCK_RAW_CLOEXEC = 3 | 0x80000;
    private static final int SOL_NETLINK = 270, NETLINK_CAP_ACK = 10, NETLINK_EXT_ACK = 11;
    /** The kernel fills a dump's datagrams up to 32 KiB. */
    private static final int BUFFER = 64 * 1024;
    private static final ByteOrder HOST = ByteOrder.nativeOrder();
    private static final LongAdder APPLIED = new LongAdder();

    private final int fd;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment buffer = arena.allocate(BUFFER, 8);
    private int seq;

    private Netlink(int fd) {
        this.fd = fd;
    }

    /** A socket in the calling thread's network namespace. */
    static Netlink open() throws IOException {
        int fd = Libc.socket(AF_NETLINK, SOCK_RAW_CLOEXEC); // protocol 0: NETLINK_ROUTE
        try {
            Libc.setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1, "netlink: extended acknowledgements");
            Libc.setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, 1, "netlink: capped acknowledgements");
            return new Netlink(fd);
        } catch (IOException e) {
            Libc.close(fd);
            throw e;
        }
    }

    /** How many requests (not dumps) sockets of this process have sent: what tests count operations by, as processes. */
    static long applied() {
        return APPLIED.sum();
    }

    /** Sends the requests in order, each once the one before is acknowledged. */
    void apply(List<Request> requests) throws IOException {
        for (Request r : requests) {
            int sent = send(r);
            APPLIED.increment();
            for (boolean acknowledged = false; !acknowledged; ) {
                for (ByteBuffer m : messages(receive())) {
                    if (m.getInt(8) != sent || m.getShort(4) != NLMSG_ERROR) continue;
                    check(m, r.toString());
                    acknowledged = true;
                }
            }
        }
    }

    /** Every neighbour entry of {@code family} here ({@link #AF_BRIDGE}: the FDB entries), in every device. */
    List<Neighbour> neighbours(int family) throws IOException {
        Request dump = new Request(RTM_GETNEIGH, NLM_F_DUMP, "dump the neighbours of family " + family).neighbour(family, 0, 0, 0);
        int sent = send(dump);
        List<Neighbour> found = new ArrayList<>();
        while (true) {
            for (ByteBuffer m : messages(receive())) {
                if (m.getInt(8) != sent) continue;
                switch (m.getShort(4)) {
                    case RTM_NEWNEIGH -> found.add(Neighbour.parse(m));
                    case NLMSG_DONE, NLMSG_ERROR -> {
                        check(m, dump.toString());
                        return found;
                    }
                    default -> { }
                }
            }
        }
    }

    @Override
    public void close() throws IOException {
        arena.close();
        Libc.close(fd);
    }

    private int send(Request r) throws IOException {
        byte[] bytes = r.bytes(++seq);
        MemorySegment.copy(bytes, 0, buffer, JAVA_BYTE, 0, bytes.length);
        Libc.send(fd, buffer, bytes.length, "netlink: " + r);
        return seq;
    }

    private ByteBuffer receive() throws IOException {
        long n = Libc.recv(fd, buffer, "netlink: receive");
        if (n > BUFFER) throw new IOException("netlink: a datagram of " + n + " bytes, more than " + BUFFER);
        return ByteBuffer.wrap(buffer.asSlice(0, n).toArray(JAVA_BYTE)).order(HOST);
    }

    /** The messages of one datagram, each a buffer from its header to its end. */
    static List<ByteBuffer> messages(ByteBuffer datagram) {
        List<ByteBuffer> out = new ArrayList<>();
        for (int at = 0; at + HEADER <= datagram.limit(); ) {
            int length = datagram.getInt(at);
            if (length < HEADER || at + length > datagram.limit()) break;
            out.add(datagram.slice(at, length).order(HOST));
            at += align(length);
        }
        return out;
    }

    /**
     * Nothing when {@code m}, an acknowledgement ({@code NLMSG_ERROR}) or a dump's end
     * ({@code NLMSG_DONE}), says success; else the failure of {@code what}, with the kernel's
     * message when it gave one.
     */
    static void check(ByteBuffer m, String what) throws Libc.Failure {
        int error = m.getInt(HEADER);
        if (error == 0) return;
        int flags = m.getShort(6);
        String detail = "";
        if ((flags & NLM_F_ACK_TLVS) != 0) {
            // An acknowledgement's error is followed by the request's header (all of the request unless capped).
            int attrs = HEADER + 4;
            if (m.getShort(4) == NLMSG_ERROR) attrs += (flags & NLM_F_CAPPED) != 0 ? HEADER : m.getInt(HEADER + 4);
            byte[] text = attributes(m, align(attrs)).get(NLMSGERR_ATTR_MSG);
            if (text != null) detail = string(text);
        }
        throw new Libc.Failure(what, -error, detail);
    }

    /** The attributes of {@code m} from {@code at} to its end, by type (the nested and byte-order flags masked off). */
    static Map<Integer, byte[]> attributes(ByteBuffer m, int at) {
        Map<Integer, byte[]> out = new HashMap<>();
        while (at + 4 <= m.limit()) {
            int length = Short.toUnsignedInt(m.getShort(at));
            if (length < 4 || at + length > m.limit()) break;
            byte[] value = new byte[length - 4];
            m.get(at + 4, value);
            out.put(m.getShort(at + 2) & 0x3fff, value);
            at += align(length);
        }
        return out;
    }

    /** A neighbour or FDB entry as a dump lists it: its device, state, flags and the attributes read here (null when absent). */
    record Neighbour(int family, int ifindex, int state, int flags, byte[] destination, byte[] lladdr) {
        static Neighbour parse(ByteBuffer m) {
            Map<Integer, byte[]> a = attributes(m, HEADER + 12);
            return new Neighbour(Byte.toUnsignedInt(m.get(HEADER)), m.getInt(HEADER + 4), Short.toUnsignedInt(m.getShort(HEADER + 8)),
                    Byte.toUnsignedInt(m.get(HEADER + 10)), a.get(NDA_DST), a.get(NDA_LLADDR));
        }
    }

    // ---- the requests

    /**
     * A veth pair: {@code name} here, enslaved to the link with index {@code master}, and
     * {@code peer} made directly in the namespace {@code peerNamespace} (an open fd) with
     * {@code peerMac}; both with {@code mtu}, both down.
     */
    static Request addVeth(String name, int master, int mtu, String peer, int peerNamespace, byte[] peerMac) {
        return new Request(RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, "add veth " + name + " (peer " + peer + ")")
                .link(0, 0, 0).attr(IFLA_IFNAME, name).attr(IFLA_MTU, mtu).attr(IFLA_MASTER, master)
                .nest(IFLA_LINKINFO).attr(IFLA_INFO_KIND, "veth").nest(IFLA_INFO_DATA).nest(VETH_INFO_PEER)
                .link(0, 0, 0).attr(IFLA_IFNAME, peer).attr(IFLA_ADDRESS, peerMac).attr(IFLA_MTU, mtu).attr(IFLA_NET_NS_FD, peerNamespace)
                .end().end().end();
    }

    /** A bridge {@code name} with {@code mac} and {@code mtu}, down. */
    static Request addBridge(String name, byte[] mac, int mtu) {
        return new Request(RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, "add bridge " + name)
                .link(0, 0, 0).attr(IFLA_IFNAME, name).attr(IFLA_ADDRESS, mac).attr(IFLA_MTU, mtu)
                .nest(IFLA_LINKINFO).attr(IFLA_INFO_KIND, "bridge").end();
    }

    /**
     * A VXLAN device {@code name} as {@code ip link add NAME mtu M type vxlan id VNI local L dstport P
     * nolearning proxy} makes it, down; made in the namespace {@code namespace} (an open fd) when it
     * is not negative, its UDP socket staying in the namespace of the socket that asks.
     */
    static Request addVxlan(String name, int vni, Inet4Address local, int port, int mtu, int namespace) {
        Request r = new Request(RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, "add vxlan " + name + " id " + vni)
                .link(0, 0, 0).attr(IFLA_IFNAME, name).attr(IFLA_MTU, mtu);
        if (namespace >= 0) r.attr(IFLA_NET_NS_FD, namespace);
        byte[] bigEndianPort = {(byte) (port >> 8), (byte) port};
        return r.nest(IFLA_LINKINFO).attr(IFLA_INFO_KIND, "vxlan").nest(IFLA_INFO_DATA)
                .attr(IFLA_VXLAN_ID, vni).attr(IFLA_VXLAN_LOCAL, local.getAddress()).attr(IFLA_VXLAN_PORT, bigEndianPort)
                .attr(IFLA_VXLAN_LEARNING, new byte[] {0}).attr(IFLA_VXLAN_PROXY, new byte[] {1})
                .end().end();
    }

    /** Makes {@code name} a port of the link with index {@code master} and brings it up. */
    static Request enslaveUp(String name, int master) {
        return new Request(RTM_NEWLINK, NLM_F_ACK, "set " + name + " master " + master + " up")
                .link(0, IFF_UP, IFF_UP).attr(IFLA_IFNAME, name).attr(IFLA_MASTER, master);
    }

    /** Brings the bridge port {@code name} up, isolated from the bridge's other isolated ports first when asked. */
    static Request bridgePortUp(String name, boolean isolated) {
        Request r = new Request(RTM_NEWLINK, NLM_F_ACK, "set " + name + (isolated ? " isolated and" : "") + " up")
                .link(0, IFF_UP, IFF_UP).attr(IFLA_IFNAME, name);
        if (!isolated) return r;
        return r.nest(IFLA_LINKINFO).attr(IFLA_INFO_SLAVE_KIND, "bridge")
                .nest(IFLA_INFO_SLAVE_DATA).attr(IFLA_BRPORT_ISOLATED, new byte[] {1}).end().end();
    }

    static Request deleteLink(String name) {
        return new Request(RTM_DELLINK, NLM_F_ACK, "delete link " + name).link(0, 0, 0).attr(IFLA_IFNAME, name);
    }

    /** The VXLAN device {@code ifindex} sends frames for {@code mac} to {@code node}: a permanent FDB entry of the device's own. */
    static Request replaceFdb(int ifindex, Mac mac, Inet4Address node) {
        return new Request(RTM_NEWNEIGH, NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, "fdb replace " + mac + " dst " + node.getHostAddress())
                .neighbour(AF_BRIDGE, ifindex, NUD_PERMANENT, NTF_SELF).attr(NDA_LLADDR, mac.bytes()).attr(NDA_DST, node.getAddress());
    }

    static Request deleteFdb(int ifindex, Mac mac) {
        return new Request(RTM_DELNEIGH, NLM_F_ACK, "fdb del " + mac)
                .neighbour(AF_BRIDGE, ifindex, 0, NTF_SELF).attr(NDA_LLADDR, mac.bytes());
    }

    /** A permanent neighbour entry on {@code ifindex}: {@code address} is at {@code mac}. */
    static Request replaceNeighbour(int ifindex, Inet4Address address, Mac mac) {
        return new Request(RTM_NEWNEIGH, NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, "neigh replace " + address.getHostAddress() + " lladdr " + mac)
                .neighbour(AF_INET, ifindex, NUD_PERMANENT, 0).attr(NDA_DST, address.getAddress()).attr(NDA_LLADDR, mac.bytes());
    }

    static Request deleteNeighbour(int ifindex, Inet4Address address) {
        return new Request(RTM_DELNEIGH, NLM_F_ACK, "neigh del " + address.getHostAddress())
                .neighbour(AF_INET, ifindex, 0, 0).attr(NDA_DST, address.getAddress());
    }

    /** One request being written: its header, its fixed part and its attributes; {@link #toString()} says what it does. */
    static final class Request {
        private final ByteBuffer b = ByteBuffer.allocate(512).order(HOST);
        private final Deque<Integer> nests = new ArrayDeque<>();
        private final String what;

        Request(short type, int flags, String what) {
            this.what = what;
            b.putInt(0).putShort(type).putShort((short) (flags | NLM_F_REQUEST)).putInt(0).putInt(0);
        }

        /** struct ifinfomsg: family unspecified, no type. */
        Request link(int index, int flags, int change) {
            b.put((byte) 0).put((byte) 0).putShort((short) 0).putInt(index).putInt(flags).putInt(change);
            return this;
        }

        /** struct ndmsg: no type. */
        Request neighbour(int family, int ifindex, int state, int flags) {
            b.put((byte) family).put((byte) 0).putShort((short) 0).putInt(ifindex).putShort((short) state).put((byte) flags).put((byte) 0);
            return this;
        }

        Request attr(int type, byte[] value) {
            b.putShort((short) (4 + value.length)).putShort((short) type).put(value);
            while (b.position() % 4 != 0) b.put((byte) 0);
            return this;
        }

        Request attr(int type, int value) {
            return attr(type, ByteBuffer.allocate(4).order(HOST).putInt(value).array());
        }

        /** A string attribute, NUL-terminated as the kernel takes names. */
        Request attr(int type, String value) {
            return attr(type, (value + "\0").getBytes(StandardCharsets.US_ASCII));
        }

        /** Opens a nested attribute; {@link #end()} closes it. */
        Request nest(int type) {
            nests.push(b.position());
            b.putShort((short) 0).putShort((short) type);
            return this;
        }

        Request end() {
            int start = nests.pop();
            b.putShort(start, (short) (b.position() - start));
            return this;
        }

        /** The message with sequence number {@code seq}. */
        byte[] bytes(int seq) {
            if (!nests.isEmpty()) throw new IllegalStateException("a nested attribute is not closed");
            ByteBuffer m = ByteBuffer.wrap(Arrays.copyOf(b.array(), b.position())).order(HOST);
            m.putInt(0, m.capacity()).putInt(8, seq);
            return m.array();
        }

        @Override
        public String toString() {
            return what;
        }
    }

    private static int align(int length) {
        return (length + 3) & ~3;
    }

    private static String string(byte[] nulTerminated) {
        int end = 0;
        while (end < nulTerminated.length && nulTerminated[end] != 0) end++;
        return new String(nulTerminated, 0, end, StandardCharsets.UTF_8);
    }
}
