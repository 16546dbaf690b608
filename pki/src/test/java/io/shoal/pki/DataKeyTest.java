package io.shoal.pki;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataKeyTest {
    private static final byte[] PLAIN = "the swarm's state".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path tmp;

    @Test
    void isMadeOnceReadableByRootOnlyAndLoadsBackTheSameKey() throws IOException {
        Path file = tmp.resolve("certificates").resolve("data.key");
        DataKey created = DataKey.loadOrCreate(file);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        try (Stream<Path> files = Files.list(file.getParent())) {
            assertEquals(List.of(file), files.toList(), "no temporary file left");
        }
        byte[] sealed = created.seal(PLAIN, DataKey.indexBytes("entry", 7));
        assertArrayEquals(PLAIN, DataKey.loadOrCreate(file).open(sealed, DataKey.indexBytes("entry", 7)));
    }

    @Test
    void sealedDataOpensOnlyWithItsKeyAndAtItsPlace() {
        DataKey key = DataKey.generate();
        byte[] sealed = key.seal(PLAIN, DataKey.indexBytes("entry", 7));
        assertEquals(PLAIN.length + DataKey.OVERHEAD, sealed.length);
        assertThrows(IOException.class, () -> key.open(sealed, DataKey.indexBytes("entry", 8)));
        assertThrows(IOException.class, () -> DataKey.generate().open(sealed, DataKey.indexBytes("entry", 7)));
    }

    @Test
    void aKeyFileOfTheWrongSizeIsRefused() throws IOException {
        Path file = tmp.resolve("data.key");
        Files.write(file, new byte[16]);
        var e = assertThrows(IOException.class, () -> DataKey.loadOrCreate(file));
        assertEquals("the data key in " + file + " is not 32 bytes", e.getMessage());
    }
}
