package io.shoal.manager.scheduler;

import io.shoal.api.ApiException;
import io.shoal.api.Node;
import io.shoal.pki.NodeRole;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One placement constraint, {@code key==value} or {@code key!=value}, with swarmkit's grammar and
 * matching rules (manager/constraint/constraint.go): keys and their prefixes are case-insensitive,
 * label names after the prefix are case-sensitive, values compare case-insensitively, and a
 * property the node does not have compares as the empty string (so {@code !=} matches it).
 *
 * <p>Unlike swarmkit, which accepts any well-formed key and then never matches an unknown one, an
 * unknown key is refused here so that a typo fails at {@code service create} instead of leaving
 * tasks pending.
 */
public final class Constraint {
    static final String NODE_LABEL_PREFIX = "node.labels.";
    static final String ENGINE_LABEL_PREFIX = "engine.labels.";

    // swarmkit's patterns: a key starts with a letter or underscore; a value may not contain
    // operator characters such as '<', '>', '=', '!', '~' (kept free for future operators).
    private static final Pattern KEY = Pattern.compile("(?i)[a-z_][a-z0-9\\-_.]+");
    private static final Pattern VALUE = Pattern.compile("(?i)[a-z0-9:\\-_\\s.*()?+\\[\\]\\\\^$|/]+");

    private enum Field { ID, HOSTNAME, IP, ROLE, OS, ARCH, NODE_LABEL, ENGINE_LABEL }

    private final String expression;
    private final Field field;
    private final String label;
    private final boolean negated;
    private final String value;

    private Constraint(String expression, Field field, String label, boolean negated, String value) {
        this.expression = expression;
        this.field = field;
        this.label = label;
        this.negated = negated;
        this.value = value;
    }

    /** Parses every expression, or throws a 400 naming the first one that is not valid. */
    public static List<Constraint> parseAll(List<String> expressions) {
        if (expressions == null) return List.of();
        List<Constraint> out = new ArrayList<>(expressions.size());
        for (String e : expressions) out.add(parse(e));
        return out;
    }

    private static Constraint parse(String expression) {
        // "==" is tried first, as swarmkit does, so "a!==b" is read as key "a!" and refused.
        boolean negated = !expression.contains("==");
        String op = negated ? "!=" : "==";
        int at = expression.indexOf(op);
        if (at < 0) throw invalid(expression, "constraint expected one operator from ==, !=");
        String key = expression.substring(0, at).strip();
        String value = expression.substring(at + 2).strip();
        if (!KEY.matcher(key).matches()) throw invalid(expression, "key '%s' is invalid".formatted(key));
        if (!VALUE.matcher(value).matches()) throw invalid(expression, "value '%s' is invalid".formatted(value));
        String lower = key.toLowerCase(Locale.ROOT);
        Field field = switch (lower) {
            case "node.id" -> Field.ID;
            case "node.hostname" -> Field.HOSTNAME;
            case "node.ip" -> Field.IP;
            case "node.role" -> Field.ROLE;
            case "node.platform.os" -> Field.OS;
            case "node.platform.arch" -> Field.ARCH;
            default -> {
                if (lower.startsWith(NODE_LABEL_PREFIX) && lower.length() > NODE_LABEL_PREFIX.length()) {
                    yield Field.NODE_LABEL;
                }
                if (lower.startsWith(ENGINE_LABEL_PREFIX) && lower.length() > ENGINE_LABEL_PREFIX.length()) {
                    yield Field.ENGINE_LABEL;
                }
                throw invalid(expression, "key '%s' is not supported".formatted(key));
            }
        };
        String label = switch (field) {
            case NODE_LABEL -> key.substring(NODE_LABEL_PREFIX.length());
            case ENGINE_LABEL -> key.substring(ENGINE_LABEL_PREFIX.length());
            default -> null;
        };
        return new Constraint(expression, field, label, negated, value);
    }

    private static ApiException invalid(String expression, String why) {
        return ApiException.invalid("invalid constraint '%s': %s", expression, why);
    }

    public boolean matches(Node node) {
        if (field == Field.IP) return matchesIp(property(node));
        String actual = property(node);
        return value.equalsIgnoreCase(actual == null ? "" : actual) != negated;
    }

    private String property(Node node) {
        Node.Description d = node.description();
        return switch (field) {
            case ID -> node.id();
            case HOSTNAME -> node.hostname();
            case IP -> node.status() == null ? null : node.status().addr();
            // An absent role is swarmkit's zero value, worker.
            case ROLE -> (node.spec() == null || node.spec().role() == null ? NodeRole.WORKER : node.spec().role()).apiName();
            case OS -> d == null || d.platform() == null ? null : d.platform().os();
            case ARCH -> d == null || d.platform() == null ? null : d.platform().architecture();
            case NODE_LABEL -> nodeLabel(node, label);
            case ENGINE_LABEL -> engineLabel(node, label);
        };
    }

    /** {@code node.ip} takes an address or a CIDR block; a malformed one matches no node, as in swarmkit. */
    private boolean matchesIp(String nodeAddr) {
        InetAddress nodeIp = literal(nodeAddr);
        int slash = value.indexOf('/');
        InetAddress wanted = literal(slash < 0 ? value : value.substring(0, slash));
        if (wanted == null) return false;
        int bits = wanted.getAddress().length * 8;
        if (slash >= 0) {
            try {
                bits = Integer.parseInt(value.substring(slash + 1));
            } catch (NumberFormatException e) {
                return false;
            }
            if (bits < 0 || bits > wanted.getAddress().length * 8) return false;
        }
        return samePrefix(wanted, nodeIp, bits) != negated;
    }

    private static InetAddress literal(String s) {
        if (s == null || s.isEmpty()) return null;
        try {
            return InetAddress.ofLiteral(s); // never a DNS lookup
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static boolean samePrefix(InetAddress a, InetAddress b, int bits) {
        if (b == null) return false;
        byte[] x = a.getAddress();
        byte[] y = b.getAddress();
        if (x.length != y.length) return false;
        for (int i = 0; i < bits; i++) {
            int mask = 0x80 >>> (i % 8);
            if ((x[i / 8] & mask) != (y[i / 8] & mask)) return false;
        }
        return true;
    }

    /** A node label by exact (case-sensitive) name, or null. */
    static String nodeLabel(Node node, String name) {
        return node.spec() == null ? null : get(node.spec().labels(), name);
    }

    /** An engine label by exact (case-sensitive) name, or null. */
    static String engineLabel(Node node, String name) {
        return node.description() == null || node.description().engine() == null
                ? null : get(node.description().engine().labels(), name);
    }

    private static String get(Map<String, String> labels, String name) {
        return labels == null ? null : labels.get(name);
    }

    @Override
    public String toString() {
        return expression;
    }
}
