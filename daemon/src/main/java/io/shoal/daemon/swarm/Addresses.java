package io.shoal.daemon.swarm;

import io.shoal.api.ApiException;
import io.shoal.common.HostPort;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;

/** The addresses a node takes in a swarm: the one it advertises, and the ports its cluster port and Raft listen on. */
final class Addresses {
    private Addresses() {}

    /**
     * The IP to advertise: the one given in the request, else the daemon's {@code --advertise-addr},
     * each an address or an interface (with an optional port, which is ignored); else this host's
     * first IPv4 address that is not loopback.
     */
    static String advertiseIp(String requested, String daemonDefault) throws IOException {
        String given = requested != null && !requested.isEmpty() ? requested : daemonDefault;
        if (given != null && !given.isEmpty()) {
            String host;
            try {
                host = HostPort.parse(given, 0).host();
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid("invalid advertise address %s: %s", given, e.getMessage());
            }
            if (host.matches("[0-9.]+")) return host;
            NetworkInterface nic = NetworkInterface.getByName(host);
            if (nic == null) {
                throw ApiException.invalid("advertise address must be a non-zero IP address or network interface (with optional port number)");
            }
            return nic.inetAddresses().filter(a -> a instanceof Inet4Address).findFirst()
                    .orElseThrow(() -> ApiException.invalid("interface %s has no IPv4 address", host)).getHostAddress();
        }
        return NetworkInterface.networkInterfaces()
                .filter(n -> {
                    try {
                        return n.isUp() && !n.isLoopback();
                    } catch (IOException e) {
                        return false;
                    }
                })
                .flatMap(NetworkInterface::inetAddresses)
                .filter(a -> a instanceof Inet4Address)
                .map(InetAddress::getHostAddress)
                .findFirst().orElse("127.0.0.1");
    }

    /**
     * Refuses, before anything is created, a cluster port (or the Raft port after it) that another
     * process holds, saying which and how to choose another, as Docker refuses a port in use.
     */
    static void requireFree(HostPort listen) {
        for (HostPort port : new HostPort[] {listen, listen.withPort(listen.port() + 1)}) {
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(port.host(), port.port()));
            } catch (IOException e) {
                throw ApiException.invalid("cannot listen on %s for the swarm's %s: %s. Choose another address with "
                                + "--listen-addr (docker swarm init --listen-addr HOST:PORT, or shoal daemon --listen-addr); "
                                + "Raft takes the port after it",
                        port, port.equals(listen) ? "cluster port" : "Raft port", e.getMessage());
            }
        }
    }
}
