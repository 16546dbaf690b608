package io.shoal.daemon.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shoal.agent.exec.oci.OciExecutor;
import io.shoal.testkit.BusyboxImage;
import io.shoal.testkit.DaemonProcess;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code shoal demo} end to end, as {@code bin/shoal demo} runs it (real containers as root with
 * runc): the swarm forms, the leader is killed, a survivor shows a new leader and the old one
 * down, the service is back to its replicas, and nothing is left behind.
 */
class DemoTest {
    @Test
    void theSwarmSurvivesItsLeaderAndTheDemoLeavesNothingBehind(@TempDir Path tmp) throws Exception {
        DaemonProcess.hostsUnavailableReason().ifPresent(r -> assumeTrue(false, "skipped: " + r));
        assumeTrue(BusyboxImage.script().isPresent(), "skipped: bin/busybox-image not found");
        Path image = BusyboxImage.build(tmp, "busybox:latest");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Path dir;
        String prefix;
        try (Demo demo = new Demo(out, image, OciExecutor.available() ? "oci" : "process")) {
            dir = demo.dir();
            try {
                demo.run();
                prefix = demo.networkPrefix();
            } catch (Exception | AssertionError e) {
                throw new AssertionError(bytes.toString(StandardCharsets.UTF_8) + "\nlogs: " + demo.keepLogs(), e);
            }
        }
        String shown = bytes.toString(StandardCharsets.UTF_8);
        System.out.println(shown);
        assertEquals(2, count(shown, "This node joined a swarm as a manager."), shown);
        assertEquals(2, count(shown, "This node joined a swarm as a worker."), shown);
        String afterKill = shown.substring(shown.indexOf("kill -9 of the leader"));
        assertTrue(Pattern.compile("\\sh\\d\\s+Down\\s+Active\\s+Unreachable").matcher(afterKill).find(), afterKill);
        assertTrue(Pattern.compile("\\sh\\d\\s+Ready\\s+Active\\s+Leader").matcher(afterKill).find(), afterKill);
        assertTrue(afterKill.contains("the service is back to " + Demo.REPLICAS + " replicas"), afterKill);
        assertFalse(Files.exists(dir), "the demo's dir is removed");
        List<String> netns = Files.list(Path.of("/run/netns")).map(p -> p.getFileName().toString()).toList();
        assertTrue(netns.stream().noneMatch(n -> n.startsWith(prefix)), "the namespaces are removed: " + netns);
    }

    private static int count(String text, String needle) {
        return text.split(Pattern.quote(needle), -1).length - 1;
    }
}
