package io.shoal.network;

import java.net.Inet4Address;
import java.util.HexFormat;

/**
 * An endpoint's Ethernet address, derived from its IPv4 address as Docker derives it
 * ({@code 02:42} then the four bytes of the address): locally administered, unique on a network
 * because the addresses are, and known to every node without being told.
 */
record Mac(String text) {
    static Mac of(Inet4Address address) {
        byte[] a = address.getAddress();
        return new Mac(HexFormat.ofDelimiter(":").formatHex(new byte[] {0x02, 0x42, a[0], a[1], a[2], a[3]}));
    }

    /** The address a kernel gave as six bytes. */
    static Mac of(byte[] bytes) {
        if (bytes.length != 6) throw new IllegalArgumentException("an Ethernet address is 6 bytes, not " + bytes.length);
        return new Mac(HexFormat.ofDelimiter(":").formatHex(bytes));
    }

    byte[] bytes() {
        return HexFormat.ofDelimiter(":").parseHex(text);
    }

    @Override
    public String toString() {
        return text;
    }
}
