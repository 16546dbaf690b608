package io.shoal.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class HostPortTest {

    @Test
    void readsEveryFormDockerAccepts() {
        assertEquals(new HostPort("10.0.0.1", 2377), HostPort.parse("10.0.0.1:2377", 1));
        assertEquals(new HostPort("10.0.0.1", 2377), HostPort.parse("10.0.0.1", 2377));
        assertEquals(new HostPort("0.0.0.0", 4000), HostPort.parse(":4000", 2377));
        assertEquals(new HostPort("::1", 2377), HostPort.parse("[::1]:2377", 1));
        assertEquals("[::1]:2377", HostPort.parse("[::1]:2377", 1).toString());
        assertEquals("eth0:2377", HostPort.parse("eth0", 2377).toString());
    }

    @Test
    void refusesWhatIsNoAddress() {
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse("host:port", 1));
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse("host:70000", 1));
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse("::1:2377", 1));
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse(" ", 1));
    }
}
