package io.shoal.daemon.engineapi;

import io.shoal.api.ApiException;
import io.shoal.api.NodeAvailability;
import io.shoal.api.SwarmSpec;
import io.shoal.daemon.swarm.SwarmNode;
import io.shoal.manager.allocator.NetworkConfig;
import java.util.List;

/** {@code /swarm}: init, inspect, update, leave. */
public final class SwarmRoutes {
    private final SwarmNode swarm;

    record InitRequest(String listenAddr, String advertiseAddr, String dataPathAddr, Long dataPathPort,
                       List<String> defaultAddrPool, boolean forceNewCluster, Long subnetSize, SwarmSpec spec,
                       NodeAvailability availability) {}

    record JoinRequest(String listenAddr, String advertiseAddr, String dataPathAddr, List<String> remoteAddrs,
                       String joinToken, NodeAvailability availability) {}

    public SwarmRoutes(SwarmNode swarm) {
        this.swarm = swarm;
    }

    public void register(Router r) {
        r.add("GET", "/swarm", req -> swarm.control().swarm().get());
        r.add("POST", "/swarm/init", req -> {
            InitRequest init = req.json(InitRequest.class);
            NetworkConfig network = NetworkConfig.forInit(init.defaultAddrPool(), init.subnetSize() == null ? 0 : init.subnetSize(),
                    init.dataPathPort() == null ? 0 : init.dataPathPort());
            return swarm.init(init.listenAddr(), init.advertiseAddr(), init.forceNewCluster(), init.spec(), init.availability(), network);
        });
        r.add("POST", "/swarm/join", req -> {
            JoinRequest join = req.json(JoinRequest.class);
            swarm.join(join.remoteAddrs(), join.joinToken(), join.listenAddr(), join.advertiseAddr(), join.availability());
            return Router.Reply.empty(200);
        });
        r.add("POST", "/swarm/leave", req -> {
            swarm.leave(req.queryBool("force"));
            return Router.Reply.empty(200);
        });
        r.add("POST", "/swarm/update", req -> {
            swarm.control().swarm().update(req.queryLong("version"), req.json(SwarmSpec.class),
                    req.queryBool("rotateWorkerToken"), req.queryBool("rotateManagerToken"));
            return Router.Reply.empty(200);
        });
        r.add("GET", "/swarm/unlockkey", req -> {
            swarm.control().swarm().get();
            throw ApiException.notFound("no unlock key is set");
        });
        r.add("POST", "/swarm/unlock", req -> {
            throw ApiException.invalid("swarm is not locked");
        });
    }
}
