package io.shoal.daemon.engineapi;

import io.shoal.api.Defaults;
import io.shoal.api.NodeAvailability;
import io.shoal.api.SwarmSpec;
import io.shoal.daemon.swarm.SwarmNode;
import io.shoal.manager.allocator.NetworkConfig;
import java.util.List;

/** {@code /swarm}: init, join, inspect, update, leave; the unlock key and unlocking (autolock). */
public final class SwarmRoutes {
    private final SwarmNode swarm;

    record InitRequest(String listenAddr, String advertiseAddr, String dataPathAddr, Long dataPathPort,
                       List<String> defaultAddrPool, boolean forceNewCluster, Long subnetSize, SwarmSpec spec,
                       boolean autoLockManagers, NodeAvailability availability) {
        /** The spec asked for: the request's AutoLockManagers turns autolock on, as Docker reads it. */
        SwarmSpec effectiveSpec() {
            if (!autoLockManagers) return spec;
            return (spec == null ? Defaults.swarmSpec() : spec).withAutoLock(true);
        }
    }

    record UnlockRequest(String unlockKey) {}

    record UnlockKeyResponse(String unlockKey) {}

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
            return swarm.init(init.listenAddr(), init.advertiseAddr(), init.forceNewCluster(), init.effectiveSpec(),
                    init.availability(), network);
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
                    req.queryBool("rotateWorkerToken"), req.queryBool("rotateManagerToken"),
                    req.queryBool("rotateManagerUnlockKey"));
            return Router.Reply.empty(200);
        });
        r.add("GET", "/swarm/unlockkey", req -> new UnlockKeyResponse(swarm.control().swarm().unlockKey()));
        r.add("POST", "/swarm/unlock", req -> {
            swarm.unlock(req.json(UnlockRequest.class).unlockKey());
            return Router.Reply.empty(200);
        });
    }
}
