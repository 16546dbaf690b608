package io.shoal.agent.exec;

import static io.shoal.agent.TestSupport.shTask;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.api.Config;
import io.shoal.api.Driver;
import io.shoal.api.Secret;
import io.shoal.api.TaskState;
import io.shoal.api.Version;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A task's secret and config files: where they go, their mode, template expansion and its refusals. */
class PayloadFilesTest {
    @TempDir Path tmp;

    private final TaskDependencies deps = new TaskDependencies() {
        @Override
        public Secret secret(String id) {
            return id.equals("s1") ? new Secret("s1", Version.NONE, null, null,
                    new Secret.Spec("pw", null, "hunter2".getBytes(StandardCharsets.UTF_8), null, null)) : null;
        }

        @Override
        public String serviceName(String serviceId) {
            return serviceId.equals("svc") ? "web" : null;
        }

        @Override
        public Config config(String id) {
            return new Config(id, Version.NONE, null, null, new Config.Spec("conf", null,
                    template(id).getBytes(StandardCharsets.UTF_8), new Driver("golang", null)));
        }
    };

    private static String template(String id) {
        return switch (id) {
            case "good" -> "{{.Service.Name}} {{.Task.Name}} node={{ .Node.Hostname }} slot={{.Task.Slot}} env={{env \"MODE\"}} pw={{secret \"pw\"}}";
            case "labels" -> "{{.Service.Labels}}";
            default -> "{{if .Task.ID}}x{{end}}";
        };
    }

    private List<PayloadFiles.FileMount> write(String configId) throws ExecException {
        var task = shTask("true", TaskState.RUNNING, Map.of("Env", List.of("MODE=prod"),
                "Secrets", List.of(Map.of("SecretID", "s1", "SecretName", "pw", "File", Map.of("Name", "pw", "UID", "0", "GID", "0", "Mode", 0400))),
                "Configs", List.of(Map.of("ConfigID", configId, "ConfigName", "conf", "File", Map.of("Name", "etc/app.conf", "UID", "0", "GID", "0", "Mode", 0444)))));
        return new PayloadFiles(tmp.resolve("files"), "host-1").write(task, deps);
    }

    @Test
    void filesGoToTheirTargetsWithTheirModeAndTemplatesExpanded() throws Exception {
        var mounts = write("good");
        assertEquals(List.of("/run/secrets/pw", "/etc/app.conf"), mounts.stream().map(PayloadFiles.FileMount::target).toList());
        assertEquals("hunter2", Files.readString(mounts.get(0).source()));
        assertEquals(0400, (int) Files.getAttribute(mounts.get(0).source(), "unix:mode") & 07777);
        String taskId = mounts.get(1).source().getParent().getFileName().toString();
        assertEquals("web web.1." + taskId + " node=host-1 slot=1 env=prod pw=hunter2", Files.readString(mounts.get(1).source()));
    }

    @Test
    void unsupportedActionsFailTheTaskAndWriteNothingHalfExpanded() {
        var labels = assertThrows(ExecException.class, () -> write("labels"));
        assertTrue(labels.getMessage().contains("{{.Service.Labels}} is not supported"), labels.getMessage());
        var control = assertThrows(ExecException.class, () -> write("if"));
        assertTrue(control.getMessage().contains("is not supported"), control.getMessage());
        assertFalse(Files.exists(tmp.resolve("files").resolve("missing")));
    }
}
