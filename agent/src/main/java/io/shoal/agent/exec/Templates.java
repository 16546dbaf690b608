package io.shoal.agent.exec;

import io.shoal.api.ContainerSpec;
import io.shoal.api.Driver;
import io.shoal.api.Task;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Expands a secret's or config's data made with {@code --template-driver golang}: the actions
 * Docker documents for them, each alone in its braces ({@code {{.Service.ID}}}, {@code
 * {{.Service.Name}}}, {@code {{.Node.ID}}}, {@code {{.Node.Hostname}}}, {@code {{.Task.ID}}},
 * {@code {{.Task.Slot}}}, {@code {{.Task.Name}}} (Docker's {@code SERVICE.SLOT.TASKID}, or
 * {@code SERVICE.NODEID.TASKID} for a global service's task), {@code {{env "X"}}}, {@code
 * {{secret "target"}}}, {@code {{config "target"}}}); anything else of Go's template language is
 * refused with a message, never left in the file half expanded.
 */
final class Templates {
    private static final Pattern ACTION = Pattern.compile("\\{\\{-?\\s*(.*?)\\s*-?}}", Pattern.DOTALL);
    private static final Pattern CALL = Pattern.compile("(env|secret|config)\\s+\"([^\"]*)\"");

    private final Task task;
    private final String hostname;
    private final TaskDependencies deps;

    Templates(Task task, String hostname, TaskDependencies deps) {
        this.task = task;
        this.hostname = hostname;
        this.deps = deps;
    }

    byte[] expand(Driver templating, byte[] data) throws ExecException {
        if (templating == null || templating.name() == null || templating.name().isEmpty()) return data;
        if (!templating.name().equals("golang")) throw new ExecException("template driver " + templating.name() + " is not supported");
        String text = new String(data, StandardCharsets.UTF_8);
        Matcher m = ACTION.matcher(text);
        StringBuilder out = new StringBuilder();
        int last = 0;
        while (m.find()) {
            out.append(text, last, m.start()).append(value(m.group(1)));
            last = m.end();
        }
        out.append(text, last, text.length());
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private String value(String action) throws ExecException {
        switch (action) {
            case ".Service.ID": return task.serviceId();
            case ".Node.ID": return task.nodeId();
            case ".Node.Hostname": return hostname;
            case ".Task.ID": return task.id();
            case ".Task.Slot": return Long.toString(task.slot());
            case ".Service.Name": return serviceName();
            case ".Task.Name": return serviceName() + "." + (task.slot() > 0 ? Long.toString(task.slot()) : task.nodeId()) + "." + task.id();
            default:
        }
        Matcher call = CALL.matcher(action);
        if (!call.matches()) throw new ExecException("template action {{" + action + "}} is not supported by this daemon");
        String arg = call.group(2);
        ContainerSpec c = task.spec().containerSpec();
        return switch (call.group(1)) {
            case "env" -> env(c.env(), arg);
            case "secret" -> {
                var ref = c.secrets() == null ? null : c.secrets().stream().filter(r -> arg.equals(r.file().name())).findFirst().orElse(null);
                var s = ref == null ? null : deps.secret(ref.secretId());
                if (s == null) throw new ExecException("template: secret target " + arg + " is not among the task's secrets");
                yield new String(s.spec().data(), StandardCharsets.UTF_8);
            }
            default -> {
                var ref = c.configs() == null ? null : c.configs().stream().filter(r -> arg.equals(r.file().name())).findFirst().orElse(null);
                var cf = ref == null ? null : deps.config(ref.configId());
                if (cf == null) throw new ExecException("template: config target " + arg + " is not among the task's configs");
                yield new String(cf.spec().data(), StandardCharsets.UTF_8);
            }
        };
    }

    private String serviceName() throws ExecException {
        String name = deps.serviceName(task.serviceId());
        if (name == null) throw new ExecException("template: the name of service " + task.serviceId() + " is not known on this node");
        return name;
    }

    private static String env(List<String> env, String name) {
        if (env == null) return "";
        String value = "";
        for (String e : env) if (e.startsWith(name + "=")) value = e.substring(name.length() + 1);
        return value;
    }
}
