package io.shoal.manager.scheduler;

import static io.shoal.manager.scheduler.Fixtures.node;
import static io.shoal.manager.scheduler.Fixtures.withLabels;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.api.ApiException;
import io.shoal.api.Node;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConstraintTest {
    private final Node node = withLabels(node("n1"), Map.of("zone", "East-1", "Tier", "db"));

    private static boolean matches(String expression, Node n) {
        return Constraint.parseAll(List.of(expression)).getFirst().matches(n);
    }

    @Test
    void parsesEveryExpressionAndKeepsItsText() {
        List<Constraint> all = Constraint.parseAll(List.of("node.role==worker", " node.labels.zone != west ",
                "NODE.HOSTNAME==n1", "engine.labels.ssd==true", "node.platform.os==linux",
                "node.platform.arch==x86_64", "node.id==n1", "node.ip==10.0.0.0/8", "node.labels.x==[a-b]+c*(n|b)/"));
        assertEquals(9, all.size());
        assertEquals(" node.labels.zone != west ", all.get(1).toString());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            ''                    | constraint expected one operator from ==, !=
            node.role             | constraint expected one operator from ==, !=
            node.role ~ worker    | constraint expected one operator from ==, !=
            node.role=worker      | constraint expected one operator from ==, !=
            ==worker              | key '' is invalid
            1node==a              | key '1node' is invalid
            no de==a              | key 'no de' is invalid
            node.role!==worker    | key 'node.role!' is invalid
            node.role==           | value '' is invalid
            'node.role==  '       | value '' is invalid
            node.role==a>b        | value 'a>b' is invalid
            node.name==n1         | key 'node.name' is not supported
            node.labels.==a       | key 'node.labels.' is not supported
            """)
    void refusesMalformedExpressionsNamingThem(String expression, String why) {
        ApiException e = assertThrows(ApiException.class, () -> Constraint.parseAll(List.of("node.id==x", expression)));
        assertEquals(400, e.status());
        assertEquals("invalid constraint '" + expression + "': " + why, e.getMessage());
    }

    @Test
    void keysAndValuesCompareCaseInsensitivelyButLabelNamesDoNot() {
        assertTrue(matches("Node.Labels.zone==east-1", node));
        assertTrue(matches("node.labels.Tier==DB", node));
        assertFalse(matches("node.labels.tier==db", node));
        assertTrue(matches("node.labels.tier!=db", node), "a missing label compares as empty");
        assertFalse(matches("node.labels.zone!=EAST-1", node));
    }

    @Test
    void matchesNodeProperties() {
        assertTrue(matches("node.id==n1", node));
        assertFalse(matches("node.id!=n1", node));
        assertTrue(matches("node.hostname==N1", node));
        assertTrue(matches("node.role==worker", node));
        assertFalse(matches("node.role==manager", node));
        assertTrue(matches("node.platform.os==linux", node));
        assertTrue(matches("node.platform.arch==x86_64", node));
        assertTrue(matches("engine.labels.ssd!=true", node));
        Node withEngineLabel = node.withDescription(new Node.Description("n1", null, null,
                new Node.Engine("25.0", Map.of("ssd", "true"), List.of()), null));
        assertTrue(matches("engine.labels.ssd==true", withEngineLabel));
        assertTrue(matches("node.platform.os!=linux", withEngineLabel), "no platform compares as empty");
    }

    @Test
    void matchesNodeAddressesAndBlocks() {
        assertTrue(matches("node.ip==10.0.0.1", node));
        assertTrue(matches("node.ip==10.0.0.0/8", node));
        assertFalse(matches("node.ip!=10.0.0.0/8", node));
        assertTrue(matches("node.ip!=192.168.1.0/24", node));
        assertFalse(matches("node.ip==2001:db8::/32", node));
        assertFalse(matches("node.ip!=not-an-address", node), "a malformed address matches no node");
    }
}
