package io.shoal.network;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import io.shoal.common.Ipv4Prefix;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Reads and sets an interface's IPv4 address and up flag with the classic ioctls, and makes and
 * deletes veths with {@link Netlink}, in the calling thread's network namespace (so on
 * {@link NamespaceThread}). What an {@code ip} process would do in tens of milliseconds takes
 * microseconds, which is what makes checking before acting (adoption after a restart) free and a
 * task's interfaces cheap; the rare devices (bridges, VXLAN, tunnels) are made with {@code ip}.
 */
final class Interfaces {
    private static final int AF_INET = 2, SOCK_DGRAM_CLOEXEC = 2 | 0x80000;
    private static final long SIOCGIFFLAGS = 0x8913, SIOCSIFFLAGS = 0x8914, SIOCGIFADDR = 0x8915, SIOCSIFADDR = 0x8916,
            SIOCGIFNETMASK = 0x891b, SIOCSIFNETMASK = 0x891c, SIOCGIFINDEX = 0x8933;
    private static final short IFF_UP = 0x1;
    /** struct ifreq: a 16-byte name, then a 24-byte union (a sockaddr_in, the flags, the index). */
    private static final long IFREQ_SIZE = 40, UNION = 16, SIN_ADDR = UNION + 4;
    private static final Path DEV = Path.of("/proc/thread-self/net/dev");
    private static final ValueLayout.OfInt NETWORK_ORDER_INT = JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private Interfaces() {}

    /** Whether {@code ifname} exists here. */
    static boolean exists(String ifname) throws IOException {
        return withSocket(fd -> {
            try {
                ioctl(fd, SIOCGIFINDEX, ifname);
                return true;
            } catch (Libc.Failure f) {
                if (f.errno() == Libc.ENODEV) return false;
                throw f;
            }
        });
    }

    /** The index of {@code ifname}, which must exist here. */
    static int index(String ifname) throws IOException {
        return withSocket(fd -> ioctl(fd, SIOCGIFINDEX, ifname).get(JAVA_INT_UNALIGNED, UNION));
    }

    /**
     * A veth: {@code end} here, enslaved to {@code bridge} and up (isolated from the bridge's other
     * isolated ports when asked), and {@code peer} made directly in the namespace pinned at
     * {@code peerNetns} with {@code mac}, down; both with {@code mtu}. A stale {@code end} (of a
     * sandbox whose namespace the kernel has not finished freeing) is deleted first.
     */
    static void addVeth(String end, String bridge, boolean isolated, Path peerNetns, String peer, Mac mac, int mtu) throws IOException {
        delete(end);
        int master = index(bridge);
        int ns = Libc.open(peerNetns);
        try (Netlink netlink = Netlink.open()) {
            netlink.apply(List.of(Netlink.addVeth(end, master, mtu, peer, ns, mac.bytes()), Netlink.bridgePortUp(end, isolated)));
        } finally {
            Libc.close(ns);
        }
    }

    /** Deletes {@code ifname} (a veth: both ends) when it is here. */
    static void delete(String ifname) throws IOException {
        if (!exists(ifname)) return;
        try (Netlink netlink = Netlink.open()) {
            netlink.apply(List.of(Netlink.deleteLink(ifname)));
        } catch (Libc.Failure f) {
            if (f.errno() != Libc.ENODEV) throw f;
        }
    }

    /** The names of the interfaces here: {@code /proc/thread-self/net/dev} shows the reading thread's namespace. */
    static List<String> names() throws IOException {
        // Two header lines, then "  eth0: 1234 ..." per interface.
        return Files.readAllLines(DEV).stream().skip(2)
                .map(l -> l.split(":", 2)[0].trim())
                .toList();
    }

    /** Whether {@code ifname} exists and is administratively up. */
    static boolean isUp(String ifname) throws IOException {
        return withSocket(fd -> {
            try {
                return (ioctl(fd, SIOCGIFFLAGS, ifname).get(JAVA_SHORT_UNALIGNED, UNION) & IFF_UP) != 0;
            } catch (Libc.Failure f) {
                if (f.errno() == Libc.ENODEV) return false;
                throw f;
            }
        });
    }

    /** The primary IPv4 address of {@code ifname} with its prefix length, if it exists and has one. */
    static Optional<Ipv4Prefix> address(String ifname) throws IOException {
        return withSocket(fd -> {
            try {
                int addr = ioctl(fd, SIOCGIFADDR, ifname).get(NETWORK_ORDER_INT, SIN_ADDR);
                int mask = ioctl(fd, SIOCGIFNETMASK, ifname).get(JAVA_INT_UNALIGNED, SIN_ADDR);
                return Optional.of(new Ipv4Prefix(addr, Integer.bitCount(mask)));
            } catch (Libc.Failure f) {
                if (f.errno() == Libc.ENODEV || f.errno() == Libc.EADDRNOTAVAIL) return Optional.empty();
                throw f;
            }
        });
    }

    /** Gives {@code ifname} the address and prefix length of {@code address}, then brings it up. */
    static void configure(String ifname, Ipv4Prefix address) throws IOException {
        withSocket(fd -> {
            try (Arena arena = Arena.ofConfined()) {
                Libc.ioctl(fd, SIOCSIFADDR, ifreqWithAddress(arena, ifname, address.inet().getAddress()), "set address of " + ifname);
                Libc.ioctl(fd, SIOCSIFNETMASK, ifreqWithAddress(arena, ifname, address.netmask()), "set netmask of " + ifname);
            }
            up(fd, ifname);
            return null;
        });
    }

    /** Brings {@code ifname} up. */
    static void up(String ifname) throws IOException {
        withSocket(fd -> {
            up(fd, ifname);
            return null;
        });
    }

    private static void up(int fd, String ifname) throws IOException {
        MemorySegment req = ioctl(fd, SIOCGIFFLAGS, ifname);
        short flags = req.get(JAVA_SHORT_UNALIGNED, UNION);
        if ((flags & IFF_UP) != 0) return;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = ifreq(arena, ifname);
            set.set(JAVA_SHORT_UNALIGNED, UNION, (short) (flags | IFF_UP));
            Libc.ioctl(fd, SIOCSIFFLAGS, set, "bring up " + ifname);
        }
    }

    /** Runs the ioctl and returns a heap copy of the ifreq it filled in. */
    private static MemorySegment ioctl(int fd, long request, String ifname) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment req = ifreq(arena, ifname);
            Libc.ioctl(fd, request, req, "ioctl 0x" + Long.toHexString(request) + " on " + ifname);
            return MemorySegment.ofArray(req.toArray(JAVA_BYTE));
        }
    }

    private static MemorySegment ifreq(Arena arena, String ifname) {
        byte[] name = ifname.getBytes(StandardCharsets.US_ASCII);
        if (name.length > 15) throw new IllegalArgumentException("interface name longer than 15 characters: " + ifname);
        MemorySegment req = arena.allocate(IFREQ_SIZE, 8);
        MemorySegment.copy(name, 0, req, JAVA_BYTE, 0, name.length);
        return req;
    }

    private static MemorySegment ifreqWithAddress(Arena arena, String ifname, byte[] address) {
        MemorySegment req = ifreq(arena, ifname);
        req.set(JAVA_SHORT_UNALIGNED, UNION, (short) AF_INET);
        MemorySegment.copy(address, 0, req, JAVA_BYTE, SIN_ADDR, 4);
        return req;
    }

    @FunctionalInterface
    private interface WithSocket<T> {
        T apply(int fd) throws IOException;
    }

    private static <T> T withSocket(WithSocket<T> body) throws IOException {
        int fd = Libc.socket(AF_INET, SOCK_DGRAM_CLOEXEC);
        try {
            return body.apply(fd);
        } finally {
            Libc.close(fd);
        }
    }
}
