package io.shoal.daemon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shoal.common.HostPort;
import io.shoal.testkit.DaemonProcess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** Where a manager listens: a taken port is refused before anything is created, and Raft listens where the cluster port does. */
class ListenAddressTest {

    @Test
    void initOnATakenPortSaysWhichAndHowToChooseAnotherThenListensOnlyWhereAsked() throws Exception {
        assumeTrue(DaemonProcess.dockerCliPresent(), "skipped: no docker CLI at " + DaemonProcess.DOCKER);
        Path dir = Files.createTempDirectory("shoal-listen");
        try (DaemonProcess daemon = new DaemonProcess(dir).start()) {
            HostPort listen = HostPort.parse(daemon.listenAddr(), 0);
            try (ServerSocket taken = new ServerSocket()) {
                taken.bind(new InetSocketAddress(listen.host(), listen.port()));
                var refused = daemon.docker("swarm", "init", "--advertise-addr", "127.0.0.1");
                assertNotEquals(0, refused.exit());
                assertTrue(refused.err().contains("cannot listen on " + listen + " for the swarm's cluster port"), refused.err());
                assertTrue(refused.err().contains("--listen-addr"), refused.err());
                assertEquals("inactive", daemon.dockerOk("info", "--format", "{{.Swarm.LocalNodeState}}").trim());
            }
            daemon.dockerOk("swarm", "init", "--advertise-addr", "127.0.0.1");
            int raftPort = listen.port() + 1;
            assertEquals(List.of("127.0.0.1"), listeners(listen.port()), "the cluster port listens on the address asked for");
            assertEquals(List.of("127.0.0.1"), listeners(raftPort), "so does Raft, on the next port");
            daemon.dockerOk("swarm", "leave", "--force");
        }
    }

    /** The local addresses of the sockets listening on {@code port}, as the kernel lists them (IPv4 and IPv6). */
    static List<String> listeners(int port) throws IOException {
        List<String> out = new ArrayList<>();
        String hexPort = String.format(Locale.ROOT, "%04X", port);
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            for (String line : Files.readAllLines(Path.of(table)).stream().skip(1).toList()) {
                String[] f = line.trim().split("\\s+");
                String[] local = f[1].split(":");
                if (!local[1].equals(hexPort) || !f[3].equals("0A")) continue; // 0A: LISTEN
                out.add(address(local[0]));
            }
        }
        return out;
    }

    /**
     * The kernel's hex address (32-bit words, each little-endian) as text: 0100007F is 127.0.0.1,
     * an IPv4-mapped IPv6 address is its IPv4 address, all zeros is the wildcard.
     */
    private static String address(String hex) {
        if (hex.chars().allMatch(c -> c == '0')) return "*";
        if (hex.length() == 32 && hex.startsWith("0000000000000000FFFF0000")) return address(hex.substring(24));
        if (hex.length() == 8) {
            long v = Long.parseLong(hex, 16);
            return (v & 0xff) + "." + (v >> 8 & 0xff) + "." + (v >> 16 & 0xff) + "." + (v >> 24 & 0xff);
        }
        return hex;
    }
}
