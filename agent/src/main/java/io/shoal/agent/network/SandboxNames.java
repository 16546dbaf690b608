package io.shoal.agent.network;

import io.shoal.api.EndpointMode;
import io.shoal.api.dispatcher.NetworkView;
import io.shoal.network.dns.Answer;
import io.shoal.network.dns.Names;
import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The names one sandbox resolves, as Docker's embedded DNS answers them, on the networks the
 * sandbox is on (the first of them that knows a name answers): a service's name or alias gives its
 * VIP (dnsrr: its running tasks' addresses), {@code tasks.NAME} its running tasks' addresses, a
 * task's name {@code SERVICE.SLOT.TASKID} the task. A name known only on a network the sandbox is
 * not on does not exist for it; any other name is the host's resolvers' business. Several
 * addresses come in a random order each time.
 */
final class SandboxNames implements Names {
    private static final String TASKS = "tasks.";

    private final Supplier<Map<String, NetworkView>> views;
    private final Supplier<List<String>> networks;

    SandboxNames(Supplier<Map<String, NetworkView>> views, Supplier<List<String>> networks) {
        this.views = views;
        this.networks = networks;
    }

    @Override
    public Answer lookup(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        Map<String, NetworkView> all = views.get();
        List<String> mine = networks.get();
        for (String id : mine) {
            NetworkView v = all.get(id);
            if (v == null || v.network().isIngress()) continue; // the routing mesh's: no names on it, as Docker's
            List<Inet4Address> found = resolve(v, n);
            if (found == null) continue;
            if (found.isEmpty()) return new Answer.NoSuchName();
            // Round robin, as Docker's DNS answers: clients mostly take the first address.
            List<Inet4Address> shuffled = new ArrayList<>(found);
            Collections.shuffle(shuffled);
            return new Answer.Addresses(shuffled);
        }
        for (var e : all.entrySet()) {
            if (!mine.contains(e.getKey()) && !e.getValue().network().isIngress() && resolve(e.getValue(), n) != null) {
                return new Answer.NoSuchName();
            }
        }
        return new Answer.Forward();
    }

    /** The addresses of the name on this network, or null when the network does not know it. */
    static List<Inet4Address> resolve(NetworkView v, String name) {
        boolean tasks = name.startsWith(TASKS);
        String base = tasks ? name.substring(TASKS.length()) : name;
        for (NetworkView.ServiceEntry s : v.services()) {
            if (!s.name().equalsIgnoreCase(base) && s.aliases().stream().noneMatch(base::equalsIgnoreCase)) continue;
            if (!tasks && s.mode() == EndpointMode.VIP && s.vip() != null) return List.of(Programming.endpoint(s.vip()));
            return Programming.running(v, s.serviceId());
        }
        if (tasks) return null;
        for (NetworkView.Endpoint e : v.endpoints()) {
            if (e.running() && name.equalsIgnoreCase(e.name())) return List.of(Programming.endpoint(e.address()));
        }
        return null;
    }
}
