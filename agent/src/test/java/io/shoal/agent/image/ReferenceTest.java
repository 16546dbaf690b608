package io.shoal.agent.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReferenceTest {
    private static final String D = "sha256:" + "ab".repeat(32);

    @Test
    void normalisesLikeDocker() {
        assertEquals("docker.io/library/busybox:latest", Reference.parse("busybox").toString());
        assertEquals("busybox:latest", Reference.parse("busybox").familiar());
        assertEquals("docker.io/library/busybox:latest", Reference.parse("docker.io/library/busybox:latest").toString());
        assertEquals("docker.io/library/busybox:1", Reference.parse("index.docker.io/busybox:1").toString());
        assertEquals("user/app:2", Reference.parse("user/app:2").familiar());
        assertEquals("docker.io/user/app:2", Reference.parse("user/app:2").toString());
        Reference local = Reference.parse("localhost:5000/x");
        assertEquals("localhost:5000", local.domain());
        assertEquals("x", local.path());
        assertEquals("localhost:5000/x:latest", local.familiar());
        assertEquals("127.0.0.1:5000/test/busybox:1", Reference.parse("127.0.0.1:5000/test/busybox:1").familiar());
        assertEquals("example.com/a/b/c:1", Reference.parse("example.com/a/b/c:1").familiar());
    }

    @Test
    void digestsAndTags() {
        Reference r = Reference.parse("busybox@" + D);
        assertNull(r.tag());
        assertEquals(D, r.digest());
        assertEquals("docker.io/library/busybox@" + D, r.digestKey());
        Reference both = Reference.parse("busybox:1@" + D);
        assertEquals("1", both.tag());
        assertEquals("busybox:1@" + D, both.familiar());
        assertNull(Reference.parseLoose("busybox").tag());
    }

    @Test
    void refusesBadNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Reference.parse("BusyBox"));
        assertTrue(e.getMessage().contains("must be lowercase"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Reference.parse(""));
        assertThrows(IllegalArgumentException.class, () -> Reference.parse("a@sha256:xyz"));
        assertThrows(IllegalArgumentException.class, () -> Reference.parse("a:b:c"));
        assertThrows(IllegalArgumentException.class, () -> Reference.parse("a//b"));
    }

    @Test
    void loopbackRegistriesArePlainHttp() {
        assertEquals("http://localhost:5000", RegistryClient.baseUrl("localhost:5000"));
        assertEquals("http://127.0.0.1:5000", RegistryClient.baseUrl("127.0.0.1:5000"));
        assertEquals("https://registry-1.docker.io", RegistryClient.baseUrl("docker.io"));
        assertEquals("https://example.com:443", RegistryClient.baseUrl("example.com:443"));
    }

    @Test
    void decodesRegistryAuth() {
        String json = "{\"username\":\"u\",\"password\":\"p?>\",\"serveraddress\":\"x\"}";
        String enc = java.util.Base64.getUrlEncoder().encodeToString(json.getBytes());
        RegistryClient.Credentials c = RegistryClient.Credentials.decode(enc);
        assertEquals("u", c.username());
        assertEquals("p?>", c.password());
        assertNull(RegistryClient.Credentials.decode(null));
        assertNull(RegistryClient.Credentials.decode("e30=")); // {}
        assertNull(RegistryClient.Credentials.decode("!!!"));
    }
}
