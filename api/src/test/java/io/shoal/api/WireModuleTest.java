package io.shoal.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonMappingException;
import io.shoal.pki.NodeRole;
import org.junit.jupiter.api.Test;

/** The typed fields read and written as the Engine API spells them, and words it does not know refused. */
class WireModuleTest {

    private static <T> T read(String json, Class<T> type) throws Exception {
        return Json.MAPPER.readValue(json, type);
    }

    private static ApiException refusal(String json, Class<?> type) {
        JsonMappingException e = assertThrows(JsonMappingException.class, () -> read(json, type));
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ApiException a) return a;
        }
        throw new AssertionError("no refusal in " + e);
    }

    @Test
    void enumsAreTheirEngineApiWords() throws Exception {
        var p = read("{\"Condition\":\"on-failure\"}", TaskSpec.RestartPolicy.class);
        assertEquals(RestartCondition.ON_FAILURE, p.condition());
        assertEquals("{\"Condition\":\"on-failure\"}", Json.MAPPER.writeValueAsString(p));

        var u = read("{\"FailureAction\":\"rollback\",\"Order\":\"start-first\"}", ServiceSpec.UpdateConfig.class);
        assertEquals(FailureAction.ROLLBACK, u.failureAction());
        assertEquals(UpdateOrder.START_FIRST, u.order());

        var status = read("{\"State\":\"rollback_started\"}", Service.UpdateStatus.class);
        assertEquals(UpdateState.ROLLBACK_STARTED, status.state());
        assertEquals("{\"State\":\"rollback_started\"}", Json.MAPPER.writeValueAsString(status));

        var spec = read("{\"Role\":\"manager\",\"Availability\":\"drain\"}", Node.Spec.class);
        assertEquals(NodeRole.MANAGER, spec.role());
        assertEquals(NodeAvailability.DRAIN, spec.availability());
        assertEquals("{\"Role\":\"manager\",\"Availability\":\"drain\"}", Json.MAPPER.writeValueAsString(spec));
    }

    @Test
    void anEmptyWordIsAFieldLeftUnset() throws Exception {
        var spec = read("{\"Role\":\"\",\"Availability\":\"\"}", Node.Spec.class);
        assertNull(spec.role());
        assertNull(spec.availability());
    }

    @Test
    void anUnknownWordIsRefusedWithTheWordsThatAreKnown() {
        assertEquals("invalid condition sometimes: must be one of none, on-failure, any",
                refusal("{\"Condition\":\"sometimes\"}", TaskSpec.RestartPolicy.class).getMessage());
        assertEquals("invalid failure action explode: must be one of continue, pause, rollback",
                refusal("{\"FailureAction\":\"explode\"}", ServiceSpec.UpdateConfig.class).getMessage());
        assertEquals("invalid role boss: must be one of worker, manager",
                refusal("{\"Role\":\"boss\"}", Node.Spec.class).getMessage());
        assertEquals(400, refusal("{\"Availability\":\"asleep\"}", Node.Spec.class).status());
        assertEquals("TaskTemplate.RestartPolicy: invalid condition sometimes: must be one of none, on-failure, any",
                refusal("{\"TaskTemplate\":{\"RestartPolicy\":{\"Condition\":\"sometimes\"}}}", ServiceSpec.class).getMessage(),
                "a nested field says where it is");
        assertThrows(JsonMappingException.class, () -> read("{\"Availability\":3}", Node.Spec.class));
    }

    @Test
    void theModeIsOneMemberNamedForIt() throws Exception {
        assertEquals(new ServiceMode.Replicated(3), read("{\"Replicated\":{\"Replicas\":3}}", ServiceMode.class));
        assertEquals(new ServiceMode.Replicated(1), read("{\"Replicated\":{}}", ServiceMode.class), "dockerd's default");
        assertEquals(new ServiceMode.Global(), read("{\"Global\":{}}", ServiceMode.class));
        assertEquals(new ServiceMode.ReplicatedJob(2, 6), read("{\"ReplicatedJob\":{\"MaxConcurrent\":2,\"TotalCompletions\":6}}", ServiceMode.class));
        assertEquals(new ServiceMode.GlobalJob(), read("{\"GlobalJob\":{}}", ServiceMode.class));
        assertNull(read("{\"Mode\":{}}", ServiceSpec.class).mode(), "no member: no mode given");

        assertEquals("{\"Replicated\":{\"Replicas\":0}}", Json.MAPPER.writeValueAsString(new ServiceMode.Replicated(0)));
        assertEquals("{\"Global\":{}}", Json.MAPPER.writeValueAsString(new ServiceMode.Global()));
        assertEquals("{\"Mode\":{\"Global\":{}}}", Json.MAPPER.writeValueAsString(
                new ServiceSpec(null, null, null, new ServiceMode.Global(), null, null, null, null)));
    }

    @Test
    void aModeThatIsNotExactlyOneKnownMemberIsRefused() {
        assertEquals("invalid mode: unknown service mode Sometimes",
                refusal("{\"Mode\":{\"Sometimes\":{}}}", ServiceSpec.class).getMessage());
        assertTrue(refusal("{\"Mode\":{\"Replicated\":{},\"Global\":{}}}", ServiceSpec.class).getMessage()
                .contains("exactly one of Replicated, Global, ReplicatedJob, GlobalJob"));
        assertTrue(refusal("{\"Mode\":{\"Replicated\":{\"Replicas\":\"three\"}}}", ServiceSpec.class).getMessage()
                .contains("Mode.Replicated.Replicas"));
    }

    @Test
    void aModeKnowsItsSlots() {
        Task t = new Task("t", Version.NONE, null, null, null, null, null, "s", 4, "n1", null, TaskState.RUNNING, null, null);
        assertEquals("4", new ServiceMode.Replicated(5).slotOf(t));
        assertEquals("n1", new ServiceMode.Global().slotOf(t));
        assertTrue(new ServiceMode.Replicated(1).sameKindAs(new ServiceMode.Replicated(7)));
        assertTrue(!new ServiceMode.Replicated(1).sameKindAs(new ServiceMode.Global()));
    }
}
