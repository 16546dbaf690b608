package io.shoal.daemon.engineapi;

import io.shoal.api.ApiException;
import java.util.List;

/** Endpoint families of the Engine API that later parts of Shoal serve: a clear 501 until then. */
public final class NotImplementedRoutes {
    private static final List<String> FAMILIES = List.of("secrets", "configs", "networks", "containers", "volumes", "plugins");

    public void register(Router r) {
        for (String family : FAMILIES) {
            Router.Handler refuse = req -> {
                throw new ApiException(501, family + " are not supported by this daemon yet");
            };
            for (String method : List.of("GET", "POST", "DELETE", "PUT")) {
                r.add(method, "/" + family, refuse);
                r.add(method, "/" + family + "/{name...}", refuse);
            }
        }
    }
}
