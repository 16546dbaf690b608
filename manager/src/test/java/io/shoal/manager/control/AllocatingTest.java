package io.shoal.manager.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.shoal.api.ApiException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A write that lost an allocation race is chosen again; any other refusal is the caller's at once. */
class AllocatingTest {
    static final ApiException TAKEN = ApiException.conflict("conflicting allocation: address 10.0.1.5 on network n1 is already in use");

    @Test
    void aRaceLostIsTriedAgain() {
        AtomicInteger attempts = new AtomicInteger();
        String id = Allocating.write(() -> {
            if (attempts.incrementAndGet() < 3) throw TAKEN;
            return "s1";
        });
        assertEquals("s1", id);
        assertEquals(3, attempts.get());
    }

    @Test
    void otherRefusalsAreNotRetried() {
        AtomicInteger attempts = new AtomicInteger();
        ApiException outOfSequence = ApiException.conflict("update out of sequence");
        assertSame(outOfSequence, assertThrows(ApiException.class, () -> Allocating.write(() -> {
            attempts.incrementAndGet();
            throw outOfSequence;
        })));
        assertEquals(1, attempts.get());
    }

    @Test
    void aRaceLostEveryTimeIsTheCallers() {
        AtomicInteger attempts = new AtomicInteger();
        assertSame(TAKEN, assertThrows(ApiException.class, () -> Allocating.write(() -> {
            attempts.incrementAndGet();
            throw TAKEN;
        })));
        assertEquals(5, attempts.get());
    }
}
