package io.shoal.manager.control;

import static io.shoal.manager.orchestrator.Harness.replicated;
import static io.shoal.manager.orchestrator.Harness.template;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.shoal.api.ApiException;
import io.shoal.api.ContainerSpec;
import io.shoal.api.Secret;
import io.shoal.api.Service;
import io.shoal.api.ServiceSpec;
import io.shoal.manager.orchestrator.Harness;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Secrets and configs in the control API: what may change, what a service may refer to, rotation by target. */
class PayloadControlTest {
    private final Harness h = new Harness();
    private final PayloadControl<Secret> secrets = h.api.secrets();

    @AfterEach
    void close() throws Exception {
        h.close();
    }

    private String secret(String name, String data) {
        return secrets.create(new PayloadControl.Fields(name, null, data.getBytes(StandardCharsets.UTF_8), null, null));
    }

    private static ServiceSpec withSecrets(String name, ContainerSpec.SecretReference... refs) {
        var t = template("app:1");
        return replicated(name, t.withContainerSpec(t.containerSpec().withSecretsAndConfigs(List.of(refs), null)), 1);
    }

    private static ContainerSpec.SecretReference ref(String id, String name, String target) {
        return new ContainerSpec.SecretReference(new ContainerSpec.FileTarget(target, "0", "0", 0444), id, name);
    }

    private static String message(int status, org.junit.jupiter.api.function.Executable call) {
        ApiException e = assertThrows(ApiException.class, call);
        assertEquals(status, e.status(), e.getMessage());
        return e.getMessage();
    }

    @Test
    void onlyLabelsChange() {
        String id = secret("pw", "one");
        Secret s = secrets.get("pw");
        secrets.update(id, s.version().index(), new PayloadControl.Fields("pw", Map.of("a", "b"), null, null, null));
        Secret relabelled = secrets.get(id);
        assertEquals(Map.of("a", "b"), relabelled.spec().labels());
        assertArrayEquals("one".getBytes(StandardCharsets.UTF_8), relabelled.spec().data(), "the data stays");
        long v = relabelled.version().index();
        assertEquals("only updates to Labels are allowed", message(400, () -> secrets.update(id, v,
                new PayloadControl.Fields("pw", null, "two".getBytes(StandardCharsets.UTF_8), null, null))));
        assertEquals("only updates to Labels are allowed", message(400, () -> secrets.update(id, v,
                new PayloadControl.Fields("pw2", null, null, null, null))));
        assertEquals("update out of sequence", message(409, () -> secrets.update(id, s.version().index(),
                new PayloadControl.Fields("pw", null, null, null, null))));
    }

    @Test
    void namesAndSizesAsSwarmkitChecksThem() {
        assertEquals("invalid name, only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]",
                message(400, () -> secret("-bad", "x")));
        assertEquals("secret data must be larger than 0 and less than 512000 bytes", message(400, () -> secret("big", "x".repeat(512000))));
        secret("ok", "x".repeat(511999));
        assertEquals("secret ok already exists", message(409, () -> secret("ok", "y")));
    }

    @Test
    void referencesMustNameExistingSecretsByIdAndName() {
        String id = secret("pw", "one");
        assertEquals("secret not found: other", message(400, () -> h.api.services().create(withSecrets("a", ref(id, "other", "t")))));
        assertEquals("secrets not found: x, y", message(400, () -> h.api.services().create(withSecrets("a",
                ref("nosuch", "x", "t1"), ref("nosuch2", "y", "t2")))));
        assertEquals("secret references 'pw' and 'pw' have a conflicting target: 't'",
                message(400, () -> h.api.services().create(withSecrets("a", ref(id, "pw", "t"), ref(id, "pw", "t")))));
    }

    @Test
    void aNewReferenceReplacesTheOldOnItsTargetAndRemovalWaitsForTheService() {
        String v1 = secret("pw", "one");
        String v2 = secret("pw_v2", "two");
        String other = secret("other", "three");
        Service s = h.service(h.api.services().create(withSecrets("app", ref(v1, "pw", "pw"))));
        assertEquals("secret 'pw' is in use by the following service: app", message(400, () -> secrets.remove("pw")));

        // What the CLI sends for --secret-add source=pw_v2,target=pw: the kept reference, then the new one.
        h.api.services().update("app", s.version().index(), withSecrets("app", ref(v1, "pw", "pw"), ref(v2, "pw_v2", "pw")), false);
        Service updated = h.service("app");
        assertEquals(List.of(ref(v2, "pw_v2", "pw")), updated.spec().taskTemplate().containerSpec().secrets());
        secrets.remove("pw");

        // Two new references on one target are still a conflict.
        assertEquals("secret references 'other' and 'pw_v2' have a conflicting target: 'x'", message(400, () -> h.api.services()
                .update("app", updated.version().index(), withSecrets("app", ref(v2, "pw_v2", "pw"), ref(other, "other", "x"),
                        ref(v2, "pw_v2", "x")), false)));
    }
}
