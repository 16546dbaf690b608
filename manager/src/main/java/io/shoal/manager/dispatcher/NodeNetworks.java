package io.shoal.manager.dispatcher;

import io.shoal.api.Cluster;
import io.shoal.api.EndpointMode;
import io.shoal.api.Network;
import io.shoal.api.NetworkKey;
import io.shoal.api.Node;
import io.shoal.api.NodeKey;
import io.shoal.api.PortConfig;
import io.shoal.api.Service;
import io.shoal.api.Task;
import io.shoal.api.TaskSpec;
import io.shoal.api.TaskState;
import io.shoal.api.dispatcher.NetworkView;
import io.shoal.store.Event;
import io.shoal.store.Kind;
import io.shoal.store.ReadTx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The overlay networks one node takes part in (those its assigned tasks that have not ended are
 * attached to, and the ingress network while a service publishes a port through the routing
 * mesh: every node answers on its published ports), as its assignment stream last sent them:
 * {@link #refresh} tells what changed since. The views are this node's own: an encrypted network's
 * carries this node's private key, which no other node's view holds.
 */
final class NodeNetworks {
    /** The views to send and the ids of the networks the node no longer takes part in. */
    record Delta(List<NetworkView> changed, List<String> removed) {
        boolean isEmpty() {
            return changed.isEmpty() && removed.isEmpty();
        }
    }

    private final String nodeId;
    private final Map<String, NetworkView> sent = new HashMap<>();

    NodeNetworks(String nodeId) {
        this.nodeId = nodeId;
    }

    /**
     * Whether an event may change some network's view: a task on a network, a service, a network,
     * a node (its address), or a key (a rotation, a node's new key pair). Status reports of tasks
     * without networks, the bulk of the stream, are not.
     */
    static boolean concerns(Event e) {
        return switch (e.kind()) {
            case TASK -> onNetwork((Task) e.before()) || onNetwork((Task) e.after());
            case SERVICE, NETWORK, NODE, NETWORK_KEY, NODE_KEY -> true;
            default -> false;
        };
    }

    Delta refresh(ReadTx r) {
        Set<String> ids = new LinkedHashSet<>();
        for (Task t : r.tasksOfNode(nodeId)) {
            if (Dispatcher.isAssigned(t) && !t.state().isTerminal()) attachedNetworkIds(t).forEach(ids::add);
        }
        if (r.services().stream().anyMatch(Service::publishesIngress)) {
            r.networks().stream().filter(Network::isIngress).map(Network::id).forEach(ids::add);
        }
        List<NetworkView> changed = new ArrayList<>();
        for (NetworkView v : views(r, ids, nodeId)) {
            if (!v.equals(sent.put(v.networkId(), v))) changed.add(v);
        }
        List<String> removed = new ArrayList<>();
        for (var it = sent.keySet().iterator(); it.hasNext(); ) {
            String id = it.next();
            if (!ids.contains(id)) {
                it.remove();
                removed.add(id);
            }
        }
        return new Delta(changed, removed);
    }

    /**
     * The views of these networks (those still in the store) for the node {@code forNodeId}, from
     * one scan of the tasks, services and nodes; the nodes' own addresses on a network (the ingress
     * network's) are endpoints too.
     */
    static List<NetworkView> views(ReadTx r, Set<String> networkIds, String forNodeId) {
        Map<String, List<NetworkView.Endpoint>> endpoints = new HashMap<>();
        Map<String, List<NetworkView.ServiceEntry>> services = new HashMap<>();
        Map<String, Service> serviceById = new HashMap<>();
        List<Network> networks = networkIds.stream().map(id -> r.<Network>get(Kind.NETWORK, id)).filter(Objects::nonNull).toList();
        for (Service s : r.services()) {
            serviceById.put(s.id(), s);
            for (Network n : networks) {
                NetworkView.ServiceEntry e = entry(s, n);
                if (e != null) services.computeIfAbsent(n.id(), k -> new ArrayList<>()).add(e);
            }
        }
        for (Task t : r.tasks()) {
            if (t.networksAttachments() == null || t.nodeId() == null || t.state().isTerminal()
                    || t.state().isBefore(TaskState.ASSIGNED)) {
                continue;
            }
            Service s = serviceById.get(t.serviceId());
            Node node = r.node(t.nodeId());
            if (s == null || node == null || node.status() == null) continue;
            for (Task.NetworkAttachment a : t.networksAttachments()) {
                String id = networkIdOf(a);
                if (!networkIds.contains(id) || a.addresses() == null || a.addresses().isEmpty()) continue;
                boolean running = t.state() == TaskState.RUNNING && t.desiredState() == TaskState.RUNNING;
                endpoints.computeIfAbsent(id, k -> new ArrayList<>()).add(new NetworkView.Endpoint(t.id(),
                        taskName(s, t), s.id(), aliases(t.spec(), id), a.addresses().getFirst(), t.nodeId(),
                        node.status().addr(), running));
            }
        }
        for (Node node : r.nodes()) {
            if (node.status() == null || node.attachments() == null) continue;
            for (Task.NetworkAttachment a : node.attachments()) {
                String id = networkIdOf(a);
                if (!networkIds.contains(id) || a.addresses() == null || a.addresses().isEmpty()) continue;
                endpoints.computeIfAbsent(id, k -> new ArrayList<>())
                        .add(NetworkView.Endpoint.ofNode(a.addresses().getFirst(), node.id(), node.status().addr()));
            }
        }
        Cluster cluster = r.cluster();
        int dataPathPort = cluster == null ? 0 : (int) cluster.dataPathPort();
        List<NetworkView> out = new ArrayList<>();
        for (Network n : networks) {
            List<NetworkView.Endpoint> on = List.copyOf(endpoints.getOrDefault(n.id(), List.of()));
            out.add(new NetworkView(n, dataPathPort, on, List.copyOf(services.getOrDefault(n.id(), List.of())),
                    n.isEncrypted() ? tunnel(r, n, on, forNodeId) : null));
        }
        return out;
    }

    /**
     * The tunnel of an encrypted network as {@code forNodeId} must set it: its own private key,
     * the network's preshared key, and every other node with an endpoint there that has a key
     * pair; none while either key is missing.
     */
    private static NetworkView.Tunnel tunnel(ReadTx r, Network n, List<NetworkView.Endpoint> endpoints, String forNodeId) {
        NodeKey own = r.nodeKey(forNodeId);
        NetworkKey shared = r.networkKey(n.id());
        if (own == null || shared == null) return null;
        Map<String, NetworkView.Peer> peers = new TreeMap<>();
        for (NetworkView.Endpoint e : endpoints) {
            if (e.nodeId().equals(forNodeId) || peers.containsKey(e.nodeId())) continue;
            NodeKey key = r.nodeKey(e.nodeId());
            if (key != null) peers.put(e.nodeId(), new NetworkView.Peer(e.nodeId(), e.nodeAddr(), key.publicKey()));
        }
        return new NetworkView.Tunnel(own.privateKey(), shared.presharedKey(), List.copyOf(peers.values()));
    }

    /** Docker's name of a task's container, by which other containers resolve it. */
    private static String taskName(Service s, Task t) {
        return s.spec().name() + "." + (t.slot() > 0 ? Long.toString(t.slot()) : t.nodeId()) + "." + t.id();
    }

    /**
     * The service as seen on this network, or null when it is not attached to it: by its task
     * template, or, on the ingress network, by publishing a port through the routing mesh.
     */
    private static NetworkView.ServiceEntry entry(Service s, Network network) {
        String networkId = network.id();
        TaskSpec template = s.spec().taskTemplate();
        boolean attached = network.isIngress() ? s.publishesIngress()
                : template != null && template.networks() != null
                        && template.networks().stream().anyMatch(n -> networkId.equals(n.target()));
        if (!attached) return null;
        var endpointSpec = s.spec().endpointSpec();
        EndpointMode mode = endpointSpec == null || endpointSpec.mode() == null ? EndpointMode.VIP : endpointSpec.mode();
        String vip = null;
        if (s.endpoint() != null && s.endpoint().virtualIPs() != null) {
            for (Service.VirtualIP v : s.endpoint().virtualIPs()) if (networkId.equals(v.networkId())) vip = v.addr();
        }
        List<PortConfig> ports = s.endpoint() == null || s.endpoint().ports() == null ? List.of() : s.endpoint().ports();
        return new NetworkView.ServiceEntry(s.id(), s.spec().name(), aliases(template, networkId), mode, vip, ports);
    }

    private static List<String> aliases(TaskSpec spec, String networkId) {
        if (spec == null || spec.networks() == null) return List.of();
        for (TaskSpec.NetworkAttachmentConfig c : spec.networks()) {
            if (networkId.equals(c.target()) && c.aliases() != null) return List.copyOf(c.aliases());
        }
        return List.of();
    }

    private static boolean onNetwork(Task t) {
        return t != null && t.networksAttachments() != null && !t.networksAttachments().isEmpty();
    }

    private static List<String> attachedNetworkIds(Task t) {
        if (t.networksAttachments() == null) return List.of();
        return t.networksAttachments().stream().map(NodeNetworks::networkIdOf).filter(Objects::nonNull).toList();
    }

    private static String networkIdOf(Task.NetworkAttachment a) {
        return a.network() == null || a.network().isPredefined() ? null : a.network().id();
    }
}
