package io.shoal.daemon.engineapi;

import io.shoal.api.ApiException;
import io.shoal.api.Cluster;
import io.shoal.api.SwarmSpec;
import io.shoal.daemon.Daemon;
import java.util.List;

/** {@code /swarm}: init, inspect, update, leave. */
public final class SwarmRoutes {
    private final Daemon daemon;

    record InitRequest(String listenAddr, String advertiseAddr, String dataPathAddr, Long dataPathPort,
                       List<String> defaultAddrPool, boolean forceNewCluster, Long subnetSize, SwarmSpec spec,
                       String availability) {}

    record JoinRequest(String listenAddr, String advertiseAddr, String dataPathAddr, List<String> remoteAddrs,
                       String joinToken, String availability) {}

    public SwarmRoutes(Daemon daemon) {
        this.daemon = daemon;
    }

    public void register(Router r) {
        r.add("GET", "/swarm", req -> cluster());
        r.add("POST", "/swarm/init", this::init);
        r.add("POST", "/swarm/join", req -> {
            JoinRequest join = req.json(JoinRequest.class);
            daemon.join(join.remoteAddrs(), join.joinToken(), join.listenAddr(), join.advertiseAddr(), join.availability());
            return Router.Reply.empty(200);
        });
        r.add("POST", "/swarm/leave", req -> {
            daemon.leave(req.queryBool("force"));
            return Router.Reply.empty(200);
        });
        r.add("POST", "/swarm/update", this::update);
        r.add("GET", "/swarm/unlockkey", req -> {
            cluster();
            throw ApiException.notFound("no unlock key is set");
        });
        r.add("POST", "/swarm/unlock", req -> {
            throw ApiException.invalid("swarm is not locked");
        });
    }

    private Cluster cluster() {
        Cluster c = daemon.managerView(r -> r.cluster());
        if (c == null) throw ApiException.unavailable("This node is not a swarm manager.");
        return c.withoutSecrets();
    }

    private Object init(ApiRequest req) throws Exception {
        InitRequest init = req.json(InitRequest.class);
        if (init.availability() != null && !init.availability().isEmpty()
                && !List.of("active", "pause", "drain").contains(init.availability())) {
            throw ApiException.invalid("invalid availability %s: must be active, pause or drain", init.availability());
        }
        return daemon.init(init.listenAddr(), init.advertiseAddr(), init.forceNewCluster(), init.spec(), init.availability());
    }

    private Object update(ApiRequest req) {
        SwarmSpec spec = req.json(SwarmSpec.class);
        daemon.control().updateSwarm(req.queryLong("version"), spec, req.queryBool("rotateWorkerToken"),
                req.queryBool("rotateManagerToken"));
        return Router.Reply.empty(200);
    }
}
