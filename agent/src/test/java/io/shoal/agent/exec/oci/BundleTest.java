package io.shoal.agent.exec.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a bundle keeps for a restarted daemon, and runc's words for a container that did not start. */
class BundleTest {
    @TempDir
    Path dir;
    Bundle bundle;

    @BeforeEach
    void setUp() throws IOException {
        bundle = new Bundle(Files.createDirectory(dir.resolve("task1")), Files.createDirectory(dir.resolve("run1")));
    }

    @Test
    void thePlanIsReadBackWithoutTheConfigAndMarksThePrepared() throws IOException {
        assertFalse(bundle.prepared());
        assertNull(bundle.readPlan());
        var check = new OciSpec.HealthCheck(List.of("CMD", "true"), 1_000_000_000L, 2_000_000_000L, 3, 0);
        bundle.writePlan(new OciSpec.Plan(OciSpec.OCI.createObjectNode(), 9, check, "/shoal/task1"));
        assertTrue(bundle.prepared());
        assertEquals(new OciSpec.Plan(null, 9, check, "/shoal/task1"), bundle.readPlan());
        bundle.writePlan(new OciSpec.Plan(null, 15, null, "/shoal/task1"));
        assertEquals(new OciSpec.Plan(null, 15, null, "/shoal/task1"), bundle.readPlan());
        try (var files = Files.list(bundle.run())) {
            assertEquals(List.of(bundle.run().resolve("plan.json")), files.toList(), "nothing but the plan is left");
        }
    }

    @Test
    void theRuntimesLastErrorElseWhatItWroteToStderr() throws IOException {
        assertEquals("the runtime exited without starting the container", RuntimeLog.lastError(bundle));
        Files.writeString(bundle.stderr(), "  exec failed\n");
        assertEquals("exec failed", RuntimeLog.lastError(bundle));
        Files.writeString(bundle.runtimeLog(), String.join("\n",
                "{\"level\":\"error\",\"msg\":\"first\"}",
                "not json",
                "{\"level\":\"fatal\",\"msg\":\"exec: \\\"/nope\\\": no such file\"}",
                "{\"level\":\"warning\",\"msg\":\"later, but no error\"}"));
        assertEquals("exec: \"/nope\": no such file", RuntimeLog.lastError(bundle));
    }
}
