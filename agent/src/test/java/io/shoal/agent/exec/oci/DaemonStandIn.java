package io.shoal.agent.exec.oci;

import io.shoal.agent.exec.TaskNetworking;
import io.shoal.api.Json;
import io.shoal.api.Task;
import java.nio.file.Path;
import java.util.Map;

/**
 * A daemon for {@link OciExecutorTest} to kill -9: starts the task in {@code args[2]} (JSON) with an
 * OciExecutor on state dir {@code args[0]} and the busybox layer {@code args[1]} (the runtime
 * {@code -Dshoal.oci.runtime} names), says so, and waits.
 */
public final class DaemonStandIn {
    public static void main(String[] args) throws Exception {
        Task task = Json.MAPPER.readValue(Path.of(args[2]).toFile(), Task.class);
        var executor = new OciExecutor(Path.of(args[0]), OciTestSupport.images(Path.of(args[1]), OciExecutorTest.IMAGE),
                "host-1", "0.1.0", Map.of(), TaskNetworking.NONE, OciTestSupport.RUNTIME);
        var c = executor.controller(task);
        c.prepare();
        c.start();
        System.out.println("started " + c.pid());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
