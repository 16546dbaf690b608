package io.shoal.network.wireguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.common.wireguard.Key;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Configuration changes written as differences. */
class DeviceTest {
    @Test
    void onlyWhatDiffersIsWritten() {
        Key self = Key.generatePrivate(), psk = Key.generatePreshared(), b = Key.generatePrivate().publicKey(), c = Key.generatePrivate().publicKey();
        Device.Peer toB = new Device.Peer(psk, new InetSocketAddress("10.9.0.2", 55916), Set.of("10.9.0.2/32"), 25);
        Device.Peer toC = new Device.Peer(psk, new InetSocketAddress("10.9.0.3", 55916), Set.of("10.9.0.3/32"), 25);
        Device running = new Device(self, 55916, Map.of(b, toB, c, toC));
        assertEquals("", running.changesTo(new Device(self, 55916, Map.of(b, toB, c, toC))));

        Key newPsk = Key.generatePreshared();
        String rotated = running.changesTo(new Device(self, 55916, Map.of(
                b, new Device.Peer(newPsk, toB.endpoint(), toB.allowedIps(), 25),
                c, new Device.Peer(newPsk, toC.endpoint(), toC.allowedIps(), 25))));
        assertEquals(2, rotated.lines().filter(l -> l.startsWith("preshared_key=" + newPsk.hex())).count(), rotated);
        assertFalse(rotated.contains("endpoint=") || rotated.contains("allowed_ip") || rotated.contains("remove")
                || rotated.contains("private_key"), "a new preshared key touches nothing else: " + rotated);

        String gone = running.changesTo(new Device(self, 55916, Map.of(b, toB)));
        assertEquals("public_key=" + c.hex() + "\nremove=true\n", gone, "a node gone is removed, the others untouched");
        assertTrue(new Device(null, 0, Map.of()).changesTo(running).startsWith("private_key=" + self.hex() + "\nlisten_port=55916\n"));
    }
}
