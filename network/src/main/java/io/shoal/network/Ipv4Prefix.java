package io.shoal.network;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Objects;

/**
 * An IPv4 address with a prefix length, as CIDR writes it: {@code 10.0.1.5/24} is an endpoint's
 * address on its subnet, {@code 10.0.1.0/24} a subnet.
 */
public record Ipv4Prefix(Inet4Address address, int length) {
    public Ipv4Prefix {
        Objects.requireNonNull(address, "address");
        if (length < 0 || length > 32) throw new IllegalArgumentException("prefix length must be 0 to 32: " + length);
    }

    /** Parses {@code a.b.c.d/n}; a bare address is a /32. */
    public static Ipv4Prefix parse(String cidr) {
        int slash = cidr.indexOf('/');
        String addr = slash < 0 ? cidr : cidr.substring(0, slash);
        int length;
        try {
            length = slash < 0 ? 32 : Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid prefix length in " + cidr);
        }
        return new Ipv4Prefix(ipv4(addr), length);
    }

    /** The dotted-quad {@code text} as an address; nothing is looked up. */
    public static Inet4Address ipv4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) throw new IllegalArgumentException("not an IPv4 address: " + text);
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            int v;
            try {
                v = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not an IPv4 address: " + text);
            }
            if (v < 0 || v > 255 || parts[i].length() > 3) throw new IllegalArgumentException("not an IPv4 address: " + text);
            b[i] = (byte) v;
        }
        return fromBits(bits(b));
    }

    /** The subnet this address is on: the address with its host bits cleared. */
    public Ipv4Prefix network() {
        return new Ipv4Prefix(fromBits(bits(address.getAddress()) & mask()), length);
    }

    /** Whether {@code a} is on this prefix's subnet. */
    public boolean contains(Inet4Address a) {
        return (bits(a.getAddress()) & mask()) == (bits(address.getAddress()) & mask());
    }

    /** The netmask in network byte order. */
    byte[] netmask() {
        int m = mask();
        return new byte[] {(byte) (m >>> 24), (byte) (m >>> 16), (byte) (m >>> 8), (byte) m};
    }

    @Override
    public String toString() {
        return address.getHostAddress() + "/" + length;
    }

    private int mask() {
        return length == 0 ? 0 : -1 << (32 - length);
    }

    private static int bits(byte[] b) {
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }

    private static Inet4Address fromBits(int v) {
        try {
            return (Inet4Address) InetAddress.getByAddress(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
