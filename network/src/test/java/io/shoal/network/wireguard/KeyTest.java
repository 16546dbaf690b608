package io.shoal.network.wireguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Keys as WireGuard makes them, and configuration changes written as differences. */
class KeyTest {
    @Test
    void aPublicKeyIsTheOneWgComputes() throws Exception {
        // RFC 7748's test vector: Alice's private key and public key.
        Key alice = Key.fromHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        assertEquals("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", alice.publicKey().hex());

        Key generated = Key.generatePrivate();
        assertEquals(generated, Key.parse(generated.base64()));
        assertNotEquals(generated, Key.generatePrivate());
        assertFalse(generated.toString().contains(generated.base64()), "a key never shows in logs");
        if (Files.isExecutable(Path.of("/usr/bin/wg"))) {
            Process wg = new ProcessBuilder("/usr/bin/wg", "pubkey").start();
            wg.getOutputStream().write((generated.base64() + "\n").getBytes(StandardCharsets.US_ASCII));
            wg.getOutputStream().close();
            assertEquals(generated.publicKey().base64(), new String(wg.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip());
        }
    }

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
