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

    @Override
    public String toString() {
        return text;
    }
}
