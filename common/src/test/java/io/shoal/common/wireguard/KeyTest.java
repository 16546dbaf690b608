package io.shoal.common.wireguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Keys as WireGuard makes them. */
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
}
