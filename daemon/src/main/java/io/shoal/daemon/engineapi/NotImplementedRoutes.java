package io.shoal.daemon.engineapi;

import io.shoal.api.ApiException;
import java.util.List;

/** Endpoint families of the Engine API that later parts of Shoal serve: a clear 501 until then. */
public final class NotImplementedRoutes {
    private record Family(String path, String what) {
        Family(String path) {
            this(path, path + " are");
        }
    }

    private static final List<Family> FAMILIES = List.of(new Family("containers"), new Family("volumes"), new Family("plugins"),
            new Family("system", "system data usage is"));

    public void register(Router r) {
        for (Family family : FAMILIES) {
            Router.Handler refuse = req -> {
                throw new ApiException(501, family.what() + " not supported by this daemon yet");
            };
            for (String method : List.of("GET", "POST", "DELETE", "PUT")) {
                r.add(method, "/" + family.path(), refuse);
                r.add(method, "/" + family.path() + "/{name...}", refuse);
            }
        }
    }
}
