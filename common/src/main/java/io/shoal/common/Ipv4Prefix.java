package io.shoal.common;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 address with a prefix length, as Docker writes a subnet ({@code 10.0.1.0/24}) and a
 * task's address on its network ({@code 10.0.1.5/24}). The address is an unsigned 32-bit value
 * kept in an int; arithmetic on it wraps as the address space does.
 */
public record Ipv4Prefix(int address, int bits) {

    public Ipv4Prefix {
        if (bits < 0 || bits > 32) throw new IllegalArgumentException("invalid prefix length " + bits + ": must be 0 to 32");
    }

    /** Reads {@code a.b.c.d/n}; the address may have host bits set (see {@link #isMasked}). */
    public static Ipv4Prefix parse(String cidr) {
        if (cidr == null) throw new IllegalArgumentException("no CIDR");
        int slash = cidr.indexOf('/');
        if (slash < 0) throw new IllegalArgumentException("invalid CIDR " + cidr + ": no prefix length");
        String length = cidr.substring(slash + 1);
        if (!length.matches("\\d{1,2}")) throw new IllegalArgumentException("invalid CIDR " + cidr + ": bad prefix length");
        int bits = Integer.parseInt(length);
        if (bits > 32) throw new IllegalArgumentException("invalid CIDR " + cidr + ": prefix length over 32");
        return new Ipv4Prefix(parseAddress(cidr.substring(0, slash)), bits);
    }

    /** Reads a dotted quad: four decimal parts of 0 to 255, nothing else. */
    public static int parseAddress(String text) {
        if (text == null) throw new IllegalArgumentException("no IPv4 address");
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) throw new IllegalArgumentException("invalid IPv4 address " + text);
        int address = 0;
        for (String p : parts) {
            if (!p.matches("\\d{1,3}")) throw new IllegalArgumentException("invalid IPv4 address " + text);
            int octet = Integer.parseInt(p);
            if (octet > 255) throw new IllegalArgumentException("invalid IPv4 address " + text);
            address = address << 8 | octet;
        }
        return address;
    }

    /** Reads a dotted quad as the JDK's networking takes an address; nothing is looked up. */
    public static Inet4Address inet(String text) {
        return inet(parseAddress(text));
    }

    public static Inet4Address inet(int address) {
        try {
            return (Inet4Address) InetAddress.getByAddress(new byte[] {
                    (byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8), (byte) address});
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // four bytes are always an address
        }
    }

    public static int toInt(Inet4Address a) {
        byte[] b = a.getAddress();
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }

    public static String format(int address) {
        return (address >>> 24) + "." + (address >>> 16 & 0xff) + "." + (address >>> 8 & 0xff) + "." + (address & 0xff);
    }

    private static int mask(int bits) {
        return bits == 0 ? 0 : -1 << (32 - bits);
    }

    /** The address as the JDK's networking takes it. */
    public Inet4Address inet() {
        return inet(address);
    }

    /** The netmask in network byte order, as the kernel takes it. */
    public byte[] netmask() {
        int m = mask(bits);
        return new byte[] {(byte) (m >>> 24), (byte) (m >>> 16), (byte) (m >>> 8), (byte) m};
    }

    /** The first address of the prefix: its network address. */
    public int first() {
        return address & mask(bits);
    }

    /** The last address of the prefix: its broadcast address. */
    public int last() {
        return first() | ~mask(bits);
    }

    /** How many addresses it spans. */
    public long size() {
        return 1L << (32 - bits);
    }

    /** The prefix itself, without host bits: {@code 10.0.1.0/24} for {@code 10.0.1.5/24}. */
    public Ipv4Prefix masked() {
        return new Ipv4Prefix(first(), bits);
    }

    public boolean isMasked() {
        return address == first();
    }

    public boolean contains(int a) {
        return (a & mask(bits)) == first();
    }

    /** Whether every address of {@code p} is one of this prefix's. */
    public boolean contains(Ipv4Prefix p) {
        return p.bits >= bits && contains(p.address);
    }

    public boolean overlaps(Ipv4Prefix p) {
        int m = mask(Math.min(bits, p.bits));
        return (address & m) == (p.address & m);
    }

    /** Another address with this prefix length: how a task's address on a network is written. */
    public Ipv4Prefix withAddress(int a) {
        return new Ipv4Prefix(a, bits);
    }

    @Override
    public String toString() {
        return format(address) + "/" + bits;
    }
}
