package io.shoal.network;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import io.shoal.common.Ipv4Prefix;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The IPv4 routes of the calling thread's network namespace (so on {@link NamespaceThread}): read
 * from {@code /proc/thread-self/net/route}, which shows the namespace of the thread reading it, and
 * the default route added with the classic {@code SIOCADDRT} ioctl. No {@code ip} process.
 */
final class Routes {
    private static final Path TABLE = Path.of("/proc/thread-self/net/route");
    private static final int AF_INET = 2, SOCK_DGRAM_CLOEXEC = 2 | 0x80000;
    private static final long SIOCADDRT = 0x890b;
    private static final short RTF_UP = 0x1, RTF_GATEWAY = 0x2;
    /** struct rtentry on 64-bit Linux: a pad, three sockaddrs (destination, gateway, mask), the flags. */
    private static final long RTENTRY_SIZE = 120, GATEWAY = 24, GENMASK = 40, FLAGS = 56, SIN_ADDR = 4;

    /** One line of the main table: the interface, the destination prefix, the gateway (0 when on-link). */
    record Route(String device, Ipv4Prefix destination, int gateway) {}

    private Routes() {}

    /** The main table's routes. */
    static List<Route> main() throws IOException {
        // Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT, addresses as
        // the kernel holds them (network order) printed as host-order hex.
        return Files.readAllLines(TABLE).stream().skip(1)
                .map(l -> l.trim().split("\\s+"))
                .filter(f -> f.length >= 8)
                .map(f -> new Route(f[0], new Ipv4Prefix(hex(f[1]), Integer.bitCount(hex(f[7]))), hex(f[2])))
                .toList();
    }

    /** Whether the default route goes through {@code gateway}. */
    static boolean defaultVia(Inet4Address gateway) throws IOException {
        int g = Ipv4Prefix.toInt(gateway);
        return main().stream().anyMatch(r -> r.destination().bits() == 0 && r.gateway() == g);
    }

    /** Adds the default route through {@code gateway}, which must be on a connected subnet. */
    static void addDefault(Inet4Address gateway) throws IOException {
        int fd = Libc.socket(AF_INET, SOCK_DGRAM_CLOEXEC);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment rt = arena.allocate(RTENTRY_SIZE, 8);
            rt.set(JAVA_SHORT_UNALIGNED, 8, (short) AF_INET);
            rt.set(JAVA_SHORT_UNALIGNED, GATEWAY, (short) AF_INET);
            MemorySegment.copy(gateway.getAddress(), 0, rt, JAVA_BYTE, GATEWAY + SIN_ADDR, 4);
            rt.set(JAVA_SHORT_UNALIGNED, GENMASK, (short) AF_INET);
            rt.set(JAVA_SHORT_UNALIGNED, FLAGS, (short) (RTF_UP | RTF_GATEWAY));
            Libc.ioctl(fd, SIOCADDRT, rt, "add the default route via " + gateway.getHostAddress());
        } finally {
            Libc.close(fd);
        }
    }

    private static int hex(String field) {
        int raw = (int) Long.parseLong(field, 16);
        return ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? Integer.reverseBytes(raw) : raw;
    }
}
