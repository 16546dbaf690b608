package io.shoal.agent.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TaskIdsTest {
    @Test
    void onlyIdsThatAreSafeAsNamesAndWords() {
        for (String ok : List.of("a", "0", "x7k2m9q4w8e3r5t1y6u0i2o4p", "svc.1.abc", "a_b-c")) assertTrue(TaskIds.isValid(ok), ok);
        for (String bad : List.of("", "-rf", ".hidden", "..", "../x", "a/b", "a b", "a;b", "a$b", "é")) assertFalse(TaskIds.isValid(bad), bad);
        assertFalse(TaskIds.isValid(null));
        assertEquals("abc", TaskIds.check("abc"));
        assertEquals("bad task id: ../x", assertThrows(IllegalArgumentException.class, () -> TaskIds.check("../x")).getMessage());
    }
}
