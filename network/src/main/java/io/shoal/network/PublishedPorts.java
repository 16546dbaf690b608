package io.shoal.network;

import java.io.IOException;
import java.util.List;

/** The node's {@link PortsTable}, and the script last applied, so an unchanged set costs nothing. */
final class PublishedPorts {
    private final Commands commands;
    /** Null when unknown (a new data plane, or the table swept). */
    private String applied;

    PublishedPorts(Commands commands) {
        this.commands = commands;
    }

    synchronized void set(List<PublishedPort> ports) throws IOException {
        String script = PortsTable.script(ports);
        if (script.equals(applied)) return;
        applied = null; // unknown until nft says the transaction committed
        commands.nft(null, script);
        applied = script;
    }

    synchronized void forget() {
        applied = null;
    }
}
