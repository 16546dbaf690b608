package io.shoal.manager.scheduler;

import io.shoal.api.Node;
import io.shoal.api.Task;
import java.util.List;
import java.util.Optional;

/**
 * A task on an encrypted network goes only to a node whose engine says it can carry the network's
 * traffic encrypted ({@link Node.PluginDescription#ENCRYPTED_OVERLAY} among its plugins), never to
 * one that would carry it in the clear. Unlike a driver, encryption is never assumed: a node that
 * describes no engine is turned down too. It comes before the plugin filter, so a node that offers
 * no overlay networking at all is charged with the more telling reason.
 */
record EncryptionFilter() implements Filter {

    static Optional<Filter> forTask(Task task) {
        boolean encrypted = task.networksAttachments() != null && task.networksAttachments().stream()
                .anyMatch(a -> a.network() != null && a.network().isEncrypted());
        return encrypted ? Optional.of(new EncryptionFilter()) : Optional.empty();
    }

    @Override
    public boolean check(NodeInfo node) {
        Node.Description d = node.node().description();
        List<Node.PluginDescription> plugins = d == null || d.engine() == null || d.engine().plugins() == null
                ? List.of() : d.engine().plugins();
        return plugins.contains(Node.PluginDescription.ENCRYPTED_OVERLAY);
    }

    @Override
    public String explain(int nodes) {
        return "encrypted overlay networks not supported on " + Filter.nodes(nodes);
    }
}
