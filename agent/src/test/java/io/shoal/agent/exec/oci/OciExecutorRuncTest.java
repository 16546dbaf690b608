package io.shoal.agent.exec.oci;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

/** Every {@link OciExecutorTest} with runc, which stays supported beside crun. */
class OciExecutorRuncTest extends OciExecutorTest {
    @BeforeAll
    static void needsRunc() {
        boolean present = OciRuntime.find("runc") != null;
        if (!present) System.out.println("OciExecutorRuncTest skipped: runc is not installed (apt-get install runc)");
        Assumptions.assumeTrue(present, "runc is not installed");
    }

    @Override
    String runtime() {
        return "runc";
    }
}
