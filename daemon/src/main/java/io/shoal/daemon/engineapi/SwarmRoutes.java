package io.shoal.daemon.engineapi;

import io.shoal.api.ApiException;
import io.shoal.api.NodeAvailability;
import io.shoal.api.SwarmSpec;
import io.shoal.daemon.Daemon;
import java.util.List;

/** {@code /swarm}: init, inspect, update, leave. */
public final class SwarmRoutes {
    private final Daemon daemon;

    record InitRequest(String listenAddr, String advertiseAddr, String dataPathAddr, Long dataPathPort,
                       List<String> defaultAddrPool, boolean forceNewCluster, Long subnetSize, SwarmSpec spec,
                       NodeAvailability availability) {}

    record JoinRequest(String listenAddr, String advertiseAddr, String dataPathAddr, List<String> remoteAddrs,
                       String joinToken, NodeAvailability availability) {}

    public SwarmRoutes(Daemon daemon) {
        this.daemon = daemon;
    }

    public void register(Router r) {
        r.add("GET", "/swarm", req -> daemon.control().swarm().get());
        r.add("POST", "/swarm/init", req -> {
            InitRequest init = req.json(InitRequest.class);
            return daemon.init(init.listenAddr(), init.advertiseAddr(), init.forceNewCluster(), init.spec(), init.availability());
        });
        r.add("POST", "/swarm/join", req -> {
            JoinRequest join = req.json(JoinRequest.class);
            daemon.join(join.remoteAddrs(), join.joinToken(), join.listenAddr(), join.advertiseAddr(), join.availability());
            return Router.Reply.empty(200);
        });
        r.add("POST", "/swarm/leave", req -> {
            daemon.leave(req.queryBool("force"));
            return Router.Reply.empty(200);
        });
        r.add("POST", "/swarm/update", req -> {
            daemon.control().swarm().update(req.queryLong("version"), req.json(SwarmSpec.class),
                    req.queryBool("rotateWorkerToken"), req.queryBool("rotateManagerToken"));
            return Router.Reply.empty(200);
        });
        r.add("GET", "/swarm/unlockkey", req -> {
            daemon.control().swarm().get();
            throw ApiException.notFound("no unlock key is set");
        });
        r.add("POST", "/swarm/unlock", req -> {
            throw ApiException.invalid("swarm is not locked");
        });
    }
}
