package io.shoal.agent.exec.oci;

import java.io.IOException;
import java.nio.file.Files;

/** Why the runtime did not start a container, in its own words: for the task's status. */
final class RuntimeLog {
    private RuntimeLog() {}

    /** The last "error" (or "fatal") entry of the bundle's JSON runtime log, else what the runtime wrote to stderr. */
    static String lastError(Bundle bundle) {
        String msg = null;
        try {
            for (String line : Files.readAllLines(bundle.runtimeLog())) {
                try {
                    var n = OciSpec.OCI.readTree(line);
                    if ("error".equals(n.path("level").asText()) || "fatal".equals(n.path("level").asText())) msg = n.path("msg").asText();
                } catch (IOException e) {
                    // not JSON
                }
            }
        } catch (IOException e) {
            // no log
        }
        if (msg == null) {
            try {
                msg = Files.readString(bundle.stderr()).strip();
            } catch (IOException e) {
                msg = "";
            }
        }
        return msg.isEmpty() ? "the runtime exited without starting the container" : msg;
    }
}
