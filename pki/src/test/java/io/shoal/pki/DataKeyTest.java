package io.shoal.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DataKeyTest {
    private static final byte[] PLAIN = "the swarm's state".getBytes(StandardCharsets.UTF_8);

    @Test
    void sealedDataOpensOnlyWithItsKeyAndAtItsPlace() {
        DataKey key = DataKey.generate();
        byte[] sealed = key.seal(PLAIN, DataKey.indexBytes("entry", 7));
        assertEquals(PLAIN.length + DataKey.OVERHEAD, sealed.length);
        assertThrows(IOException.class, () -> key.open(sealed, DataKey.indexBytes("entry", 8)));
        assertThrows(IOException.class, () -> DataKey.generate().open(sealed, DataKey.indexBytes("entry", 7)));
    }
}
