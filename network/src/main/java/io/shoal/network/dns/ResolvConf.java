package io.shoal.network.dns;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The host's resolvers, where the names the swarm does not know are sent: the nameservers of a resolv.conf. */
public final class ResolvConf {
    public static final Path HOST = Path.of("/etc/resolv.conf");
    private static final int DNS_PORT = 53;

    private ResolvConf() {}

    /** The {@code nameserver} lines of the file, in order; none when it is missing. */
    public static List<InetSocketAddress> nameservers(Path file) throws IOException {
        if (!Files.isRegularFile(file)) return List.of();
        List<InetSocketAddress> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            String[] words = line.strip().split("\\s+");
            if (words.length >= 2 && words[0].equals("nameserver")) out.add(nameserver(words[1]));
        }
        return out;
    }

    /** A nameserver given as an address literal (IPv4 or IPv6, no name lookup). */
    public static InetSocketAddress nameserver(String address) {
        if (!address.matches("[0-9a-fA-F:.%]+")) throw new IllegalArgumentException("not an IP address: " + address);
        try {
            return new InetSocketAddress(InetAddress.getByName(address), DNS_PORT);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + address, e);
        }
    }
}
